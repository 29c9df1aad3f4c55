import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel
import SOHTemplates

/// Content-hash keys for everything a page's output depends on, so a rebuild renders only the
/// pages whose inputs changed.
///
/// A page's digest combines:
/// - the build: this `soh` executable, the environment, the API address, preview or not, `site.yml`;
/// - the force: its force file, its logo, its base URL and which pages it publishes (menus, the
///   language switch and service links depend on whether a page exists);
/// - the layout: the template and every partial it includes, the interface strings and the assets;
/// - the page's own source file (a form's pages: the form definition and their landing page's
///   front matter; a service notice: the landing page's front matter, as neither shows its body);
/// - the listing (address, title, description, order) of the pages it shows: breadcrumbs, its
///   section's pages, the home page's groups, everything for the sitemap page.
///
/// Editing a page's body re-renders that page; editing its title also re-renders the pages that
/// list it; adding or removing a page re-renders its force's pages (only changed bytes are written).
struct BuildKeys: Sendable {
    var global: String
    /// Theme owner (`""` for the national theme, else a force id) → layout → key.
    var layouts: [String: [String: String]]
    /// Source file (relative to the root) → hash of its bytes.
    var files: [String: String]
    /// For each page (by identity), the parts of its digest that are the same on every force's
    /// site: its own sources and kind, and its listing as other pages show it.
    var pageParts: [ObjectIdentifier: (own: String, listing: String)] = [:]

    /// `known` holds hashes already taken of input files (by `InputIndex`), so that they
    /// are not read again.
    init(prepared: PreparedSite, preview: Bool, known: [String: String] = [:]) {
        let root = prepared.loaded.root
        var files: [String: String] = [:]
        func hash(_ relative: String) {
            guard files[relative] == nil else { return }
            if let hash = known[relative], hash != "unreadable" {
                files[relative] = hash
                return
            }
            if let data = FileManager.default.contents(atPath: root.appendingPathComponent(relative).path) {
                files[relative] = KeyHasher.digest(data)
            } else {
                // Unreadable: a key that matches nothing, so the page is always rendered.
                files[relative] = "unreadable-\(UUID().uuidString)"
            }
        }
        hash("site.yml")
        if prepared.loaded.areas != nil { hash(PoliceAreas.file) }
        for page in prepared.national { hash(page.file); if let d = page.derivedFrom { hash(d) } }
        for set in prepared.pageSets.values {
            for page in set.pages { hash(page.file); if let d = page.derivedFrom { hash(d) } }
        }
        for force in prepared.loaded.forces {
            hash(force.file)
            if let logo = force.logo { hash("\(force.folder)/\(logo)") }
        }
        self.files = files

        var g = KeyHasher()
        g.add("soh build cache 1", Self.executableIdentity, prepared.environment.api, preview ? "preview" : "publish")
        g.add(files["site.yml"] ?? "")
        // The areas are every area question's choices, and the national site's lists.
        g.add(files[PoliceAreas.file] ?? "")
        global = g.finish()

        var layouts: [String: [String: String]] = ["": Self.layoutKeys(prepared.theme)]
        for (id, theme) in prepared.forceThemes { layouts[id] = Self.layoutKeys(theme) }
        self.layouts = layouts

        for page in prepared.national { pageParts[page.identity] = parts(of: page) }
        for set in prepared.pageSets.values {
            for page in set.pages where pageParts[page.identity] == nil { pageParts[page.identity] = parts(of: page) }
        }
    }

    func parts(of page: PreparedPage) -> (own: String, listing: String) {
        if let known = pageParts[page.identity] { return known }
        // A service's notice and a form's pages show their landing page's front matter, never
        // its body: editing the body leaves them as they are.
        var front: String {
            var h = KeyHasher()
            h.add("front matter", page.front.text, String(page.bodyFirstLine))
            return h.finish()
        }
        let fileHash: String
        if case .serviceNotice = page.kind { fileHash = front } else { fileHash = files[page.file] ?? "" }
        let own = Self.ownPart(urlPath: page.urlPath, kind: page.kind, layout: page.layout, fileHash: fileHash,
                               derivedHash: page.derivedFrom == nil ? "" : front)
        var listing = KeyHasher()
        listing.add(Self.listing(page))
        return (own, listing.finish())
    }

    /// What a page's output depends on of the page itself: its address, kind, layout and
    /// source files (the form definition and landing page for a form's pages).
    static func ownPart(urlPath: String, kind: PreparedPage.Kind, layout: String, fileHash: String, derivedHash: String) -> String {
        var own = KeyHasher()
        own.add(urlPath, describe(kind), layout, fileHash, derivedHash)
        return String(own.finish().prefix(32))
    }

    /// The force's key: its files, base URL, and which pages it publishes (menus, the language
    /// switch and service links depend on whether a page exists).
    func forceKey(_ force: ForceIdentity, set: ForcePageSet, baseURL: String) -> String {
        var h = KeyHasher()
        h.add(force.id, files[force.file] ?? "", baseURL)
        if let logo = force.logo { h.add(files["\(force.folder)/\(logo)"] ?? "") }
        for page in set.pages {
            h.add(page.urlPath, page.key, page.language, Self.describe(page.kind), page.isSectionIndex ? "index" : "leaf")
        }
        return h.finish()
    }

    /// The digest of one page's output on one force's site: 32 hex digits for everything around
    /// the page (the build, the force, the layout, the pages it lists), then 32 for the page
    /// itself (`ownPart`).
    /// `listed` is `listed(by: page, …)` when already known.
    func digest(
        of page: PreparedPage, force: ForceIdentity, forceKey: String, set: ForcePageSet, site: SiteConfig, listed: [PreparedPage]? = nil
    ) -> String {
        var h = KeyHasher()
        h.add(global, forceKey, layouts[force.id]?[page.layout] ?? layouts[""]?[page.layout] ?? "no-layout-\(page.layout)")
        for other in listed ?? Self.listed(by: page, in: set, site: site) { h.add(parts(of: other).listing) }
        return h.finish().prefix(32) + parts(of: page).own
    }

    /// The digest of a force's not-found page in `language`: its layout, and the menus and
    /// service links, which depend on the force's pages (its key) and `site.yml` (the global key).
    func notFoundDigest(force: ForceIdentity, forceKey: String, layout: String, language: String) -> String {
        var h = KeyHasher()
        h.add(global, forceKey, layouts[force.id]?[layout] ?? layouts[""]?[layout] ?? "no-layout-\(layout)", "not found", language)
        return h.finish()
    }

    /// What a page shows of another: its address, title, description and order.
    static func listing(_ page: PreparedPage) -> String {
        "\(page.urlPath)\u{0}\(text(page.title))\u{0}\(page.description.map(text) ?? "\u{1}")\u{0}\(page.front.order)"
    }

    /// The pages whose listing (address, title, description, order) appears on `page`: its
    /// breadcrumbs, its section's pages, the home page's service groups, the sitemap page's
    /// everything. This mirrors what `ForceRenderer` reads from other pages.
    static func listed(by page: PreparedPage, in set: ForcePageSet, site: SiteConfig) -> [PreparedPage] {
        var result: [PreparedPage] = []
        var key = page.parentKey
        while let k = key {
            if let p = set.page(key: k, language: page.language) { result.append(p) }
            key = k == "/" ? nil : PreparedPage.parentKey(of: k)
        }
        if page.isSectionIndex { result += set.children(of: page) }
        if page.key == "/" { result += set.pages.filter { $0.parentKey == "/" } }
        if page.layout == "sitemap" { result += set.pages }
        return result
    }

    static func describe(_ kind: PreparedPage.Kind) -> String {
        switch kind {
        case .content: "content"
        case .serviceNotice(let id, let setting): "notice \(id) \(setting)"
        case .form(let id): "form \(id)"
        case .formConfirmation(let id): "confirmation \(id)"
        }
    }

    static func text(_ slotted: SlottedText) -> String { slotted.fill { "\u{1}\($0)\u{2}" } }

    /// Each layout's key: its template and the partials it includes (transitively), with the
    /// theme's strings and assets, which every page reads.
    static func layoutKeys(_ theme: Theme) -> [String: String] {
        var base = KeyHasher()
        for (language, table) in theme.strings.sorted(by: { $0.key < $1.key }) {
            base.add(language)
            for (key, value) in table.sorted(by: { $0.key < $1.key }) { base.add(key, value) }
        }
        for (name, data) in theme.assets.sorted(by: { $0.key < $1.key }) { base.add(name, KeyHasher.digest(data)) }
        let themeKey = base.finish()

        var keys: [String: String] = [:]
        for layout in theme.layouts.sorted() {
            var h = KeyHasher()
            h.add(themeKey)
            for name in theme.templates.reachable(from: layout) { h.add(name, theme.sources[name] ?? "") }
            keys[layout] = h.finish()
        }
        return keys
    }

    /// Size and modification time of the running executable: a new `soh` renders everything again.
    static let executableIdentity: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return UUID().uuidString }
        return "\(info.st_size) \(info.st_mtim.tv_sec) \(info.st_mtim.tv_nsec) \(info.st_ino)"
    }()
}
