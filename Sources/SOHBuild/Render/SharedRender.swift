import Foundation
import SOHModel

/// Rendering a page once for many forces.
///
/// Forces of the same shape (theme, languages, service settings, which optional contact fields
/// they set, logo type, number of social links) differ only in their values: name, numbers,
/// addresses, base URL, brand stylesheet. Among them, a page whose render reads the same things
/// from each force's pages (its `pageShape`) is rendered once with *markers* in place of those
/// values, and each force's page is that text with the markers replaced, escaped as deeply as
/// the template escaped the marker. The result is byte for byte the page rendered for the force
/// directly (the tests compare both on the whole repository).
enum SharedRender {
    /// The values a marker can stand for, by name; `social.N.name` and `social.N.url` are added
    /// per link.
    static let fields = ForceIdentity.valueNames(baseURL: "baseURL") + ["assets.brand_css", "assets.logo"]

    /// A marker is U+E000, the field's number, `&`, U+E001. Escaping for HTML turns the `&` into
    /// `&amp;` (and again into `&amp;amp;`), which says how to escape the value put back.
    static func marker(_ index: Int) -> String { "\u{E000}\(index)&\u{E001}" }

    /// The marker of the field called `name` (every caller passes a name from `names(…)`).
    static func marker(_ name: String, in names: [String]) -> String {
        names.firstIndex(of: name).map(marker) ?? ""
    }

    static func names(socialLinks: Int, languages: [String]) -> [String] {
        fields + languages.flatMap { ["name.\($0)", "shortName.\($0)"] }
            + (0..<socialLinks).flatMap { ["social.\($0).name", "social.\($0).url"] }
    }

    /// Forces grouped so that each group can share renders; groups keep the forces' order and
    /// appear in the order of their first force. Within a group, a page is shared by the forces
    /// for which it has the same `pageShape`.
    static func classes(_ forces: [ForceIdentity], prepared: PreparedSite) -> [[ForceIdentity]] {
        var order: [String] = []
        var groups: [String: [ForceIdentity]] = [:]
        for force in forces {
            let key = shape(force, prepared: prepared)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(force)
        }
        return order.compactMap { groups[$0] }
    }

    /// Everything about a force, apart from which pages it publishes, that can change the
    /// structure of its pages rather than the text of a value.
    static func shape(_ force: ForceIdentity, prepared: PreparedSite) -> String {
        var h = KeyHasher()
        // A force theme, or any value-bearing setting, makes a force a class of its own.
        h.add(prepared.forceThemes[force.id] == nil ? "national theme" : "own theme \(force.id)")
        // The national site's pages are unlike any force's (finders in place of forms).
        h.add(force.isNational ? "the national site" : "a force")
        h.add(force.languages.joined(separator: ","), force.logo.map { String($0.split(separator: ".").last ?? "") } ?? "no logo")
        for value in ForceIdentity.values {
            h.add(value.read(force).map { $0.isEmpty ? "empty" : "set" } ?? "absent")
        }
        h.add(String(force.social.count), force.analytics.map { "\($0)" } ?? "no analytics")
        for service in prepared.config.services { h.add(service.id, "\(force.setting(for: service.id))") }
        return h.finish()
    }

    /// For each class of forces, renders once every page shape that two or more of its forces
    /// publish, with the first of them as the model. Returns each force's shared pages and how
    /// many classes and forces shared anything.
    static func render(forces: [ForceIdentity], prepared: PreparedSite, jobs: Int) async -> (pages: [String: SharedPages], classes: Int, forces: Int) {
        struct Shape: Sendable {
            var key: String
            var model: ForceIdentity
            var urlPath: String
            var names: [String]
        }
        var result: (pages: [String: SharedPages], classes: Int, forces: Int) = ([:], 0, 0)
        var work: [Shape] = []
        var sharing: [(members: [ForceIdentity], names: [String], byShape: [String: (urlPath: String, forces: [String])], keys: [String])] = []
        let sharedClasses = classes(forces, prepared: prepared).filter { $0.count > 1 }
        // Each member's page shapes, worked out on every core.
        let shapes = await Builder.forEachForce(sharedClasses.flatMap { $0 }, jobs: jobs) { force -> [(urlPath: String, shape: String)] in
            let renderer = ForceRenderer(prepared: prepared, force: force)
            let navigation = renderer.navigationShape()
            return renderer.set.pages.map { ($0.urlPath, renderer.pageShape($0, navigation: navigation)) }
        }
        let shapesByForce = Dictionary(uniqueKeysWithValues: zip(sharedClasses.flatMap { $0 }.map(\.id), shapes))
        for (number, members) in sharedClasses.enumerated() {
            // Shapes are keyed within their class: two classes may read the same from a page
            // and still render it differently.
            var byShape: [String: (model: ForceIdentity, urlPath: String, forces: [String])] = [:]
            var order: [String] = []
            for force in members {
                for (urlPath, shape) in shapesByForce[force.id] ?? [] {
                    let key = "\(number)|\(shape)"
                    if byShape[key] == nil {
                        byShape[key] = (force, urlPath, [])
                        order.append(key)
                    }
                    byShape[key]?.forces.append(force.id)
                }
            }
            let shared = order.filter { (byShape[$0]?.forces.count ?? 0) > 1 }
            guard !shared.isEmpty else { continue }
            let names = names(socialLinks: members[0].social.count, languages: prepared.config.languages)
            for key in shared {
                guard let entry = byShape[key] else { continue }
                work.append(Shape(key: key, model: entry.model, urlPath: entry.urlPath, names: names))
            }
            sharing.append((members, names, byShape.mapValues { ($0.urlPath, $0.forces) }, shared))
        }
        guard !work.isEmpty else { return result }

        // Every class's shapes dealt out in turn over the cores, so that heavy pages (a section,
        // the sitemap page) and the classes spread evenly; each task renders model by model.
        let lanes = max(1, min(jobs, work.count))
        let texts = await withTaskGroup(of: [String: MarkedText].self) { group in
            for lane in 0..<lanes {
                let mine = stride(from: lane, to: work.count, by: lanes).map { work[$0] }
                group.addTask {
                    var texts: [String: MarkedText] = [:]
                    var models: [String] = []
                    for shape in mine where !models.contains(shape.model.id) { models.append(shape.model.id) }
                    for id in models {
                        let items = mine.filter { $0.model.id == id }
                        guard let first = items.first else { continue }
                        let renderer = ForceRenderer.symbolic(prepared: prepared, representative: first.model, names: first.names)
                        let pages = renderer.renderShared(items.map(\.urlPath), names: first.names, representative: first.model)
                        for item in items { texts[item.key] = pages[item.urlPath].map(MarkedText.init) }
                    }
                    return texts
                }
            }
            return await group.reduce(into: [String: MarkedText]()) { $0.merge($1) { a, _ in a } }
        }
        for (members, names, byShape, keys) in sharing {
            var pagesByForce: [String: [String: MarkedText]] = [:]
            for key in keys {
                guard let entry = byShape[key], let text = texts[key] else { continue }
                for id in entry.forces { pagesByForce[id, default: [:]][entry.urlPath] = text }
            }
            for force in members { result.pages[force.id] = SharedPages(names: names, pages: pagesByForce[force.id] ?? [:]) }
            result.classes += 1
            result.forces += members.count
        }
        return result
    }

    /// The force's values in marker order.
    static func values(for force: ForceIdentity, baseURL: String, assetURLs: [String: String], names: [String]) -> [String] {
        names.map { name -> String in
            if let value = ForceIdentity.value(named: name) { return value.read(force) ?? "" }
            switch name {
            case "baseURL": return baseURL
            case "assets.brand_css": return assetURLs["brand_css"] ?? ""
            case "assets.logo": return assetURLs.first { $0.key.hasPrefix("logo_") }?.value ?? ""
            default:
                if name.hasPrefix("name.") { return force.name(in: String(name.dropFirst(5))) }
                if name.hasPrefix("shortName.") { return force.shortName(in: String(name.dropFirst(10))) }
                let parts = name.split(separator: ".")
                guard parts.count == 3, parts[0] == "social", let i = Int(parts[1]), i < force.social.count else { return "" }
                return parts[2] == "name" ? force.social[i].name : force.social[i].url
            }
        }
    }

    /// A stand-in for `force` whose every value is a marker.
    static func symbolic(_ force: ForceIdentity, names: [String]) -> ForceIdentity {
        func m(_ name: String) -> String { marker(name, in: names) }
        var copy = force
        // Every value of the table, an optional one only where the force has it (its absence
        // is part of the page's shape).
        for value in ForceIdentity.values where !value.optional || value.read(force) != nil { value.write(&copy, m(value.name)) }
        for name in names where name.hasPrefix("name.") {
            let language = String(name.dropFirst(5))
            copy.localizedNames[language] = m(name)
            copy.localizedShortNames[language] = m("shortName.\(language)")
        }
        for i in copy.social.indices {
            copy.social[i].name = m("social.\(i).name")
            copy.social[i].url = m("social.\(i).url")
        }
        return copy
    }
}

/// The pages a force takes from renders shared with other forces of its class, by address,
/// with the names of the values their markers stand for.
struct SharedPages: Sendable {
    var names: [String]
    var pages: [String: MarkedText]
}

extension ForceRenderer {
    /// The renderer for a class of forces: `representative`'s pages, theme and settings, with
    /// markers for every value.
    static func symbolic(prepared: PreparedSite, representative force: ForceIdentity, names: [String]) -> ForceRenderer {
        var renderer = ForceRenderer(prepared: prepared, force: force)
        renderer.force = SharedRender.symbolic(force, names: names)
        renderer.baseURL = SharedRender.marker("baseURL", in: names)
        return renderer
    }

    /// Asset addresses with markers for the force's own files (brand stylesheet, logo).
    func symbolicAssetURLs(names: [String], representative: ForceIdentity) -> [String: String] {
        var urls = (prepared.themeAssets[representative.id] ?? prepared.themeAssets[""])?.urls ?? [:]
        urls["brand_css"] = SharedRender.marker("assets.brand_css", in: names)
        if let suffix = representative.logoSuffix {
            urls[Self.assetKey("logo" + suffix)] = SharedRender.marker("assets.logo", in: names)
        }
        return urls
    }

    /// Whether a page can be shared: a section whose pages' titles hold force values is sorted
    /// by those values, which differ between forces.
    func canShare(_ page: PreparedPage) -> Bool {
        !(page.isSectionIndex && set.children(of: page).contains { $0.title.hasSlots })
    }

    /// What a page's rendering reads from the force's set of pages, apart from values: the page
    /// itself, the pages it lists, its twins and form, and which addresses the menus, service
    /// links and header links lead to. Two forces of one class with the same shape for a page
    /// get the same page once their values are filled in. Mirrors what `pageContext`,
    /// `menus`, `services`, `serviceGroups` and `sitemapSections` read.
    func pageShape(_ page: PreparedPage, navigation: [String: String]) -> String {
        var h = KeyHasher()
        h.add(page.urlPath, page.key, page.file, page.derivedFrom ?? "-", Self.describe(page.kind), page.layout, page.language)
        for other in Self.listed(by: page, in: set) {
            h.add(other.urlPath, other.key, other.file, Self.describe(other.kind), other.language)
        }
        for other in force.languages where other != page.language {
            h.add(other, set.twin(of: page, in: other, site: config)?.urlPath ?? "-")
        }
        h.add(set.page(at: page.urlPath + "form/").map { Self.describe($0.kind) } ?? "-")
        h.add(navigation[page.language] ?? "-")
        return h.finish()
    }

    /// The pages whose listing (address, title, description, order) appears on `page`: its
    /// breadcrumbs, its section's pages, the home page's service groups, the sitemap page's
    /// everything, and the news pages and items below.
    static func listed(by page: PreparedPage, in set: ForcePageSet) -> [PreparedPage] {
        var result: [PreparedPage] = []
        var key = page.parentKey
        while let k = key {
            if let p = set.page(key: k, language: page.language) { result.append(p) }
            key = k == "/" ? nil : PreparedPage.parentKey(of: k)
        }
        if page.isSectionIndex { result += set.children(of: page) }
        if page.key == "/" { result += set.pages.filter { $0.parentKey == "/" } }
        if page.layout == "sitemap" { result += set.pages }
        // News: the home page's latest items and the news page; a listing's items and the other
        // listings; an item's links to the listings of its kind and its areas.
        let listings = set.newsListings[page.language] ?? []
        if page.key == "/" {
            result += (set.latestNews[page.language] ?? []).compactMap(set.page(at:)) + listings.filter { $0.key == PageSource.newsKey }
        }
        if case .newsListing(let listing) = page.kind { result += listing.items.compactMap(set.page(at:)) + listings }
        if let item = page.newsItem {
            result += listings.filter { if case .newsListing(let l) = $0.kind { l.filter.matches(item) } else { false } }
        }
        return result
    }

    static func describe(_ kind: PreparedPage.Kind) -> String {
        switch kind {
        case .content: "content"
        case .serviceNotice(let id, let setting): "notice \(id) \(setting)"
        case .form(let id): "form \(id)"
        case .formConfirmation(let id): "confirmation \(id)"
        case .newsClosed(let kind): "closed \(kind.rawValue)"
        case .newsListing(let l): "listing \(l.filter) \(l.number) \(l.pages.joined(separator: " ")) \(l.feed ?? "-")"
        }
    }

    /// Per language, where the menus, service links and header links lead on this force's site.
    func navigationShape() -> [String: String] {
        var result: [String: String] = [:]
        for language in force.languages {
            var h = KeyHasher()
            for (name, items) in config.menus.sorted(by: { $0.key < $1.key }) {
                h.add(name)
                for item in items {
                    let url = localized(item.url, language)
                    h.add(url, set.page(at: url).map { Self.describe($0.kind) } ?? "-")
                }
            }
            for service in config.services {
                let section = service.page.split(separator: "/").first.map { "/\($0)/" } ?? "/"
                let sectionURL = localized(section, language)
                h.add(localized(service.page, language), sectionURL, set.page(at: sectionURL)?.file ?? "-")
            }
            for url in ["/", "/report/", "/advice/", "/sitemap/"] { h.add(localized(url, language)) }
            h.add(set.page(key: SearchIndex.pageKey, language: language)?.urlPath ?? "-")
            result[language] = h.finish()
        }
        return result
    }

    /// Renders `pages` (addresses) once for the forces that share them.
    func renderShared(_ urlPaths: [String], names: [String], representative: ForceIdentity) -> [String: String] {
        let speakers = speakers(assetURLs: symbolicAssetURLs(names: names, representative: representative))
        var result: [String: String] = [:]
        for urlPath in urlPaths {
            guard let page = set.page(at: urlPath), canShare(page), let (renderer, context) = speakers[page.language] else { continue }
            result[urlPath] = renderer.renderPage(page, shared: context)
        }
        return result
    }
}
