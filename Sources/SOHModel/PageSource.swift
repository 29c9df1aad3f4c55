import Foundation

/// A Markdown page as read from disk: its front matter checked, its body not yet rendered.
public struct PageSource: Sendable {
    public enum Origin: Sendable, Hashable {
        case national
        case force(String)
    }

    /// Path relative to the site root, e.g. `content/advice/burglary.md`.
    public var file: String
    /// Language-independent site path, e.g. `/advice/burglary/`; twins share it.
    public var key: String
    public var language: String
    /// Where it is published, e.g. `/cy/advice/burglary/`.
    public var urlPath: String
    public var front: FrontMatter
    public var body: String
    public var bodyFirstLine: Int
    public var origin: Origin

    /// The section the page sits in: `advice` for `/advice/burglary/`, `` for the home page.
    public var section: String { key.split(separator: "/").first.map(String.init) ?? "" }
    public var isSectionIndex: Bool { file.hasSuffix("/index.md") || file.hasSuffix("/index.cy.md") }
}

/// A page's front matter.
public struct FrontMatter: Sendable {
    public var title: String
    public var titleLocation: SourceLocation
    public var description: String?
    public var layout: String?
    public var layoutLocation: SourceLocation?
    public var order: Int
    public var draft: Bool
    public var aliases: [(String, SourceLocation)]
    public var service: String?
    public var serviceLocation: SourceLocation?
    public var quickExit: Bool
    /// On a translation: the `translationHash` of the English page it was translated from, so
    /// `soh check` can tell when the English changed since.
    public var translatedFrom: String? = nil
    public var translatedFromLocation: SourceLocation? = nil
    /// On a translation: it still needs checking by a fluent speaker.
    public var needsReview = false
    /// On a translation: the last part of its address in its own language (`bwrgleriaeth`
    /// publishes `/cy/…/bwrgleriaeth/`); the English file name otherwise.
    public var slug: String? = nil
    public var slugLocation: SourceLocation? = nil
    /// The YAML as written, from which all the above was read: a build that finds it unchanged
    /// knows that only the body changed.
    public var text = ""
    /// A dated item's own front matter (`content/news/`, `forces/<id>/news/`); nil on other pages.
    public var news: NewsFront? = nil

    static let keys = ["title", "description", "layout", "order", "draft", "aliases", "service", "quickExit", "translatedFrom", "needsReview", "slug"]
    /// An item is not placed in a section or a service: it is listed by date.
    static let itemKeys = ["title", "draft", "aliases", "translatedFrom", "needsReview", "slug"] + NewsFront.keys

    /// A title for the hint of a page without one, from its own file name:
    /// `content/advice/personal-safety.md` → "Personal safety".
    static func exampleTitle(_ file: String) -> String {
        var parts = file.split(separator: "/").map(String.init)
        var name = parts.popLast() ?? ""
        for suffix in [".md", ".cy"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        if name == "index" { name = parts.last.map { $0 == "content" ? "Home" : $0 } ?? "Home" }
        let words = name.replacingOccurrences(of: "-", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// The kind of page a file is, for what its front matter may hold.
    struct Reading {
        /// A dated item: whether in the default language (which must give its date), and the
        /// areas its `areas` name.
        var item: (english: Bool, areas: PoliceAreas?)? = nil
    }

    static func read(_ split: FrontMatterSplit, file: String, site: SiteConfig?, reading: Reading = Reading(), sink: DiagnosticSink) -> FrontMatter? {
        let parsed = YAMLParser.parse(split.yaml, file: file, lineOffset: split.yamlLineOffset, sink: sink)
        let allowed = reading.item == nil ? keys : itemKeys
        guard let root = parsed, let map = StrictMapping(root, what: reading.item == nil ? "front matter" : "an item's front matter", allowed: allowed, sink: sink) else { return nil }
        guard let title = map.text("title", required: true, example: exampleTitle(file)) else { return nil }
        if title.trimmingCharacters(in: .whitespaces).isEmpty {
            sink.error(map.valueLocation("title"), "the title is empty", hint: "Give the page a short, specific title.")
        }
        var aliases: [(String, SourceLocation)] = []
        for (alias, at) in map.texts("aliases") ?? [] {
            if let normal = URLPath.normalised(alias) {
                aliases.append((normal, at))
            } else {
                sink.error(at, "alias '\(alias)' is not a site path", hint: "Write it like '/old/page/': it starts with '/', has no '?', '#', '%', spaces or '..' above the site's root.")
            }
        }
        let service = map.text("service")
        if let service, let site, site.service(service) == nil {
            sink.error(map.valueLocation("service"), "unknown service id '\(service)'",
                hint: Suggestion.hint(for: service, allowed: site.services.map(\.id), noun: "service ids (from site.yml)"))
        }
        let layout = map.text("layout")
        let translatedFrom = map.text("translatedFrom")
        if let hash = translatedFrom, hash.count != 16 || !hash.allSatisfy(\.isHexDigit) {
            sink.error(map.valueLocation("translatedFrom"), "'translatedFrom' should be the 16 hex digits soh check gives for the English page",
                hint: "Run 'soh check': its i18n/stale-translation warning names the value to set.")
        }
        var front = FrontMatter(
            title: title, titleLocation: map.valueLocation("title"), description: map.text("description"),
            layout: layout, layoutLocation: layout == nil ? nil : map.valueLocation("layout"),
            order: map.int("order") ?? 0, draft: map.bool("draft") ?? false, aliases: aliases,
            service: service, serviceLocation: service == nil ? nil : map.valueLocation("service"),
            quickExit: map.bool("quickExit") ?? false)
        front.text = split.yaml
        front.translatedFrom = translatedFrom
        front.translatedFromLocation = translatedFrom == nil ? nil : map.valueLocation("translatedFrom")
        front.needsReview = map.bool("needsReview") ?? false
        if let item = reading.item {
            front.news = NewsFront.read(map, english: item.english, file: file, areas: item.areas, sink: sink)
            guard front.news != nil else { return nil }
            front.description = front.news?.summary
        }
        if let slug = map.text("slug") {
            if slug.isEmpty || slug.hasPrefix("-") || slug.hasSuffix("-") || !slug.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) {
                sink.error(map.valueLocation("slug"), "slug '\(slug)' should be lower-case letters a to z, digits and hyphens",
                    hint: "Leave out accents and spaces, e.g. 'bwrgleriaeth' or 'cadw-yn-ddiogel'.")
            } else {
                front.slug = slug
                front.slugLocation = map.valueLocation("slug")
            }
        }
        return front
    }
}

extension PageSource {
    /// A fingerprint of what a translator reads (title, description, body): 16 hex digits of
    /// 64-bit FNV-1a. Front matter such as `order` is left out, so reordering a page does not
    /// mark its translation stale.
    public var translationHash: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in [front.title, front.description ?? "", body] {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension PageSource {
    /// Reads a page. `relative` is the path below its content folder, e.g. `advice/burglary.cy.md`.
    /// `keyPrefix` is the site path its folder publishes at (`/news/` for `forces/<id>/news/`);
    /// a page directly under `/news/` other than its index is a dated item (`areas` checks their places).
    public static func load(
        _ file: String, in root: URL, relative: String, keyPrefix: String = "/", origin: Origin, site: SiteConfig?,
        areas: PoliceAreas? = nil, sink: DiagnosticSink
    ) -> PageSource? {
        guard let text = SourceText.read(file, in: root, sink: sink),
              let split = FrontMatterSplit.split(text, file: file, sink: sink) else { return nil }
        // The body's placeholders are checked while loading, so that a problem in the front
        // matter (or in another file) does not hide them: every problem in one run.
        _ = Placeholder.scan(split.body, start: SourceLocation(file: file, line: split.bodyFirstLine, column: 1), sink: sink)
        var (key, language) = keyAndLanguage(relative, languages: site?.languages ?? ["en", "cy"])
        key = keyPrefix + key.dropFirst()
        var reading = FrontMatter.Reading()
        if isItemKey(key) { reading.item = (language == (site?.defaultLanguage ?? "en"), areas) }
        guard let front = FrontMatter.read(split, file: file, site: site, reading: reading, sink: sink) else { return nil }
        let urlPath = language == (site?.defaultLanguage ?? "en") ? key : "/\(language)\(key)"
        return PageSource(
            file: file, key: key, language: language, urlPath: urlPath, front: front,
            body: split.body, bodyFirstLine: split.bodyFirstLine, origin: origin)
    }

    /// Where dated items are published: one level below it.
    public static let newsKey = "/news/"

    /// `/news/some-item/`: a dated item's address (never `/news/` itself, nor anything deeper).
    public static func isItemKey(_ key: String) -> Bool {
        key.hasPrefix(newsKey) && key.count > newsKey.count && !key.dropFirst(newsKey.count).dropLast().contains("/")
    }

    /// `advice/burglary.cy.md` → (`/advice/burglary/`, `cy`); `index.md` → (`/`, `en`).
    static func keyAndLanguage(_ relative: String, languages: [String]) -> (String, String) {
        var stem = String(relative.dropLast(3))  // ".md"
        var language = "en"
        for candidate in languages where stem.hasSuffix(".\(candidate)") {
            language = candidate
            stem = String(stem.dropLast(candidate.count + 1))
        }
        var parts = stem.split(separator: "/").map(String.init)
        if parts.last == "index" { parts.removeLast() }
        return (parts.isEmpty ? "/" : "/" + parts.joined(separator: "/") + "/", language)
    }
}
