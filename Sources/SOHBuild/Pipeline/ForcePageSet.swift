import SOHModel

/// Which pages one force publishes: national pages in its languages, minus the services it
/// switched off or handles elsewhere (a notice stands at their landing pages), with its own
/// pages replacing national ones at the same address or added beside them.
struct ForcePageSet: Sendable {
    /// Sorted by URL path.
    var pages: [PreparedPage]
    var byURL: [String: Int]
    /// "language|key" → index: a page in a language, whatever its (translated) address.
    var byKey: [String: Int] = [:]
    /// Parent key and language → the pages directly below it, for section listings.
    var children: [String: [Int]] = [:]

    /// Per language, the addresses of the latest live items, for the home page.
    var latestNews: [String: [String]] = [:]
    /// Per language, the first page of each listing of items (all, per kind, per area).
    var newsListings: [String: [PreparedPage]] = [:]

    init(
        force: ForceIdentity, site: SiteConfig, national: [PreparedPage], local: [PreparedPage],
        areas: PoliceAreas? = nil, strings: [String: [String: String]] = [:]
    ) {
        let languages = Set(force.languages)
        let ownAreas = areas?.force(force.id)?.areas.map(\.id) ?? []
        let off = Set(site.services.compactMap { service -> String? in
            if case .enabled = force.setting(for: service.id) { return nil }
            return service.id
        })
        var chosen: [String: PreparedPage] = [:]
        for page in national where languages.contains(page.language) {
            if let service = page.service, off.contains(service) { continue }
            // National items, unless the force opts out; those about places, only where it covers one.
            if let item = page.front.news {
                guard force.nationalNews, item.areas.isEmpty || item.areas.contains(where: { ownAreas.contains($0.id) }) else { continue }
            }
            // The national site takes no reports: its service pages ask where it happened and
            // send the person to that force's form (NationalPages).
            if force.isNational {
                switch page.kind {
                case .form, .formConfirmation: continue
                default: break
                }
            }
            chosen[page.urlPath] = page
        }
        for page in local where languages.contains(page.language) {
            chosen[page.urlPath] = page
        }
        for service in site.services where off.contains(service.id) {
            for language in force.languages {
                // Only where the national catalogue has a landing page in this language.
                guard let template = national.first(where: { $0.key == service.page && $0.language == language }),
                      chosen[template.urlPath] == nil else { continue }
                var notice = template
                notice.kind = .serviceNotice(serviceID: service.id, setting: force.setting(for: service.id))
                notice.body = SlottedText(literal: "")
                notice.headings = []
                notice.links = []
                notice.layout = "notice"
                notice.placeholderUses = [:]
                chosen[template.urlPath] = notice
            }
        }
        let listings = NewsListing.pages(
            in: chosen, languages: force.languages, areaIDs: force.isNational ? [] : ownAreas, areas: areas, strings: strings)
        for page in listings {
            chosen[page.urlPath] = page
            guard case .newsListing(let listing) = page.kind, listing.number == 1 else { continue }
            newsListings[page.language, default: []].append(page)
            if listing.filter == .all { latestNews[page.language] = Array(listing.items.prefix(NewsListing.onHomePage)) }
        }
        pages = chosen.values.sorted { $0.urlPath < $1.urlPath }
        byURL = Dictionary(uniqueKeysWithValues: pages.enumerated().map { ($1.urlPath, $0) })
        byKey = Dictionary(pages.enumerated().map { ("\($1.language)|\($1.key)", $0) }) { first, _ in first }
        for (i, page) in pages.enumerated() {
            if let parent = page.parentKey { children["\(page.language)|\(parent)", default: []].append(i) }
        }
    }

    /// Pages directly below `page` in its language.
    func children(of page: PreparedPage) -> [PreparedPage] {
        (children["\(page.language)|\(page.key)"] ?? []).map { pages[$0] }
    }

    func page(at urlPath: String) -> PreparedPage? { byURL[urlPath].map { pages[$0] } }

    /// The page at `key` (`/advice/burglary/`) in `language`, wherever its address is.
    func page(key: String, language: String) -> PreparedPage? { byKey["\(language)|\(key)"].map { pages[$0] } }

    /// The same page in another language, if this force publishes it.
    func twin(of page: PreparedPage, in language: String, site: SiteConfig) -> PreparedPage? {
        self.page(key: page.key, language: language)
    }
}
