import Foundation
import SOHModel
import SOHTemplates

/// What the pages show of dated items (an item, a listing, the home page's latest), their
/// sharing metadata, and the force's feeds. Reference: docs/news.md.
extension ForceRenderer {
    /// "7 December 2026" in the page's language.
    func dateWords(_ date: Date, _ language: String) -> String {
        let names = (strings(language)["monthNames"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return CalendarDate.today(at: date).words(monthNames: names)
    }

    /// The published image of a live item, when it has one.
    func image(of page: PreparedPage) -> OutputFile? {
        guard let item = page.newsItem, let image = item.image else { return nil }
        return prepared.newsImages[NewsItems.imageFile(item: page.file, image)]
    }

    /// The listing of one kind of item in `language`.
    func kindListing(_ kind: NewsKind, _ language: String) -> PreparedPage? {
        set.newsListings[language]?.first { if case .newsListing(let l) = $0.kind { l.filter == .kind(kind) } else { false } }
    }

    /// An item as a listing shows it.
    func itemSummary(_ page: PreparedPage) -> TemplateValue? {
        guard let item = page.newsItem else { return nil }
        let t = strings(page.language)
        var value: TemplateContext = [
            "title": .text(fillRaw(page.title)), "url": .text(page.urlPath), "summary": .text(fillRaw(page.description ?? SlottedText(literal: ""))),
            "date": .text(dateWords(item.date, page.language)), "datetime": .text(CalendarDate.today(at: item.date).iso),
            "kind": .text(t["newsKind" + item.kind.stringSuffix] ?? item.kind.rawValue), "kindID": .text(item.kind.rawValue),
        ]
        value["kindURL"] = kindListing(item.kind, page.language).map { .text($0.urlPath) }
        return .map(value)
    }

    /// What an item's page shows besides its text: date, kind, places, picture, expiry.
    func itemContext(_ page: PreparedPage) -> TemplateContext? {
        guard case .map(var value)? = itemSummary(page), let item = page.newsItem else { return nil }
        let listings = set.newsListings[page.language] ?? []
        value["areas"] = .list(item.areas.map { area in
            var entry: TemplateContext = ["name": .text(prepared.loaded.areas?.area(area.id)?.name.text(page.language) ?? area.id)]
            // Set either way, so that the layout never finds another `url` further out.
            entry["url"] = listings.first { if case .newsListing(let l) = $0.kind { l.filter == .area(area.id) } else { false } }
                .map { .text($0.urlPath) } ?? .bool(false)
            return .map(entry)
        })
        value["hasAreas"] = .bool(!item.areas.isEmpty)
        if let file = image(of: page) { value["image"] = ["url": .text("/" + file.path), "alt": .text(item.imageAlt ?? "")] }
        if let expires = item.expires {
            // The last day it is online: the day before the instant it comes down.
            value["until"] = .text(dateWords(expires.addingTimeInterval(-1), page.language))
        }
        value["listURL"] = set.page(key: PageSource.newsKey, language: page.language).map { .text($0.urlPath) }
        return value
    }

    /// A listing page: its items, the other listings, its pages and its feed.
    func listingContext(_ page: PreparedPage, _ listing: NewsListing) -> TemplateContext {
        let t = strings(page.language)
        var value: TemplateContext = [
            "items": .list(listing.items.compactMap { set.page(at: $0).flatMap(itemSummary) }),
            "hasItems": .bool(!listing.items.isEmpty),
        ]
        var kinds: [TemplateValue] = [], areas: [TemplateValue] = []
        for other in set.newsListings[page.language] ?? [] {
            guard case .newsListing(let l) = other.kind else { continue }
            let entry: TemplateValue = ["title": .text(fillRaw(other.title)), "url": .text(other.urlPath), "current": .bool(l.filter == listing.filter)]
            if case .area = l.filter { areas.append(entry) } else { kinds.append(entry) }
        }
        value["kinds"] = .list(kinds)
        value["areas"] = .list(areas)
        value["hasAreas"] = .bool(!areas.isEmpty)
        if listing.pages.count > 1 {
            var pagination: TemplateContext = [
                "pages": .list(listing.pages.enumerated().map { i, url in
                    ["number": .text(String(i + 1)), "url": .text(url), "current": .bool(i + 1 == listing.number)]
                }),
            ]
            if listing.number > 1 { pagination["previous"] = .text(listing.pages[listing.number - 2]) }
            if listing.number < listing.pages.count { pagination["next"] = .text(listing.pages[listing.number]) }
            value["pagination"] = .map(pagination)
            value["pageOf"] = .text(MessageTemplate.fill(t["newsPageOf"] ?? "{page}/{pages}", ["page": String(listing.number), "pages": String(listing.pages.count)]))
        }
        if let feed = listing.feed {
            value["feed"] = ["atom": .text(feed), "json": .text(Self.jsonFeedPath(feed))]
        }
        return value
    }

    /// The home page's latest items and the way to the rest.
    func homeNews(_ language: String) -> TemplateContext? {
        guard let list = set.page(key: PageSource.newsKey, language: language) else { return nil }
        let items = (set.latestNews[language] ?? []).compactMap { set.page(at: $0).flatMap(itemSummary) }
        guard !items.isEmpty else { return nil }
        var value: TemplateContext = ["items": .list(items), "url": .text(list.urlPath), "title": .text(fillRaw(list.title))]
        if case .newsListing(let listing) = list.kind, let feed = listing.feed {
            value["feed"] = ["atom": .text(feed), "json": .text(Self.jsonFeedPath(feed))]
        }
        return value
    }

    /// Open Graph and Twitter card values for an item's picture; the layout falls back on the
    /// force's logo.
    func shareContext(_ page: PreparedPage) -> TemplateContext {
        var value: TemplateContext = [
            "type": .text(page.newsItem == nil ? "website" : "article"),
            "locale": .text(page.language == "cy" ? "cy_GB" : "en_GB"),
        ]
        if let file = image(of: page) {
            value["image"] = .text(baseURL + "/" + file.path)
            value["imageAlt"] = .text(page.newsItem?.imageAlt ?? "")
            value["card"] = "summary_large_image"
        } else {
            value["card"] = "summary"
        }
        if let item = page.newsItem { value["published"] = .text(StoreTime.iso(item.date)) }
        return value
    }

    /// `/news/feed.xml` → `/news/feed.json`.
    static func jsonFeedPath(_ atom: String) -> String { String(atom.dropLast(4)) + ".json" }

    // MARK: Feeds

    /// An Atom feed and a JSON Feed for each listing that has one, in each language.
    func feeds() -> [OutputFile] {
        var files: [OutputFile] = []
        for language in force.languages {
            let renderer = speaking(language)
            for listingPage in set.newsListings[language] ?? [] {
                guard case .newsListing(let first) = listingPage.kind, let feed = first.feed else { continue }
                // Every item of the listing, not only its first page's.
                let items = NewsListing.items(set.pages, language: language, filter: first.filter).prefix(NewsListing.inFeed)
                let feedTitle = "\(renderer.force.name): \(renderer.fillRaw(listingPage.title))"
                files.append(OutputFile(path: String(feed.dropFirst()), data: Data(renderer.atom(
                    title: feedTitle, listing: listingPage.urlPath, feed: feed, language: language, items: Array(items)).utf8)))
                files.append(OutputFile(path: String(Self.jsonFeedPath(feed).dropFirst()), data: Data(renderer.jsonFeed(
                    title: feedTitle, listing: listingPage.urlPath, feed: Self.jsonFeedPath(feed), language: language, items: Array(items)).utf8)))
            }
        }
        return files
    }

    /// An Atom (RFC 4287) feed. Its `updated` is its newest item's date, so that a build that
    /// changes nothing writes the same bytes.
    func atom(title: String, listing: String, feed: String, language: String, items: [PreparedPage]) -> String {
        let t = strings(language)
        let updated = items.compactMap { $0.newsItem?.date }.max() ?? Date(timeIntervalSince1970: 0)
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"\(Escape.xml(language))\">\n"
        xml += "  <title>\(Escape.xml(title))</title>\n"
        xml += "  <id>\(Escape.xml(baseURL + listing))</id>\n"
        xml += "  <link rel=\"self\" type=\"application/atom+xml\" href=\"\(Escape.xml(baseURL + feed))\"/>\n"
        xml += "  <link rel=\"alternate\" type=\"text/html\" href=\"\(Escape.xml(baseURL + listing))\"/>\n"
        xml += "  <updated>\(StoreTime.iso(updated))</updated>\n"
        xml += "  <author><name>\(Escape.xml(force.name))</name><uri>\(Escape.xml(baseURL + "/"))</uri></author>\n"
        for page in items {
            guard let item = page.newsItem else { continue }
            let url = Escape.xml(baseURL + page.urlPath)
            xml += "  <entry>\n"
            xml += "    <title>\(Escape.xml(fillRaw(page.title)))</title>\n"
            xml += "    <link rel=\"alternate\" type=\"text/html\" href=\"\(url)\"/>\n"
            xml += "    <id>\(url)</id>\n"
            xml += "    <published>\(StoreTime.iso(item.date))</published>\n"
            xml += "    <updated>\(StoreTime.iso(item.date))</updated>\n"
            xml += "    <summary>\(Escape.xml(fillRaw(page.description ?? SlottedText(literal: ""))))</summary>\n"
            xml += "    <category term=\"\(item.kind.rawValue)\" label=\"\(Escape.xml(t["newsKind" + item.kind.stringSuffix] ?? item.kind.rawValue))\"/>\n"
            if let file = image(of: page) {
                xml += "    <link rel=\"enclosure\" href=\"\(Escape.xml(baseURL + "/" + file.path))\" length=\"\(file.data.count)\"/>\n"
            }
            xml += "  </entry>\n"
        }
        return xml + "</feed>\n"
    }

    /// A JSON Feed (version 1.1) of the same items.
    func jsonFeed(title: String, listing: String, feed: String, language: String, items: [PreparedPage]) -> String {
        func q(_ text: String) -> String { "\"\(Escape.json(text))\"" }
        let t = strings(language)
        var json = "{\n  \"version\": \"https://jsonfeed.org/version/1.1\",\n"
        json += "  \"title\": \(q(title)),\n"
        json += "  \"home_page_url\": \(q(baseURL + listing)),\n"
        json += "  \"feed_url\": \(q(baseURL + feed)),\n"
        json += "  \"language\": \(q(language)),\n"
        json += "  \"authors\": [{\"name\": \(q(force.name)), \"url\": \(q(baseURL + "/"))}],\n"
        json += "  \"items\": ["
        var first = true
        for page in items {
            guard let item = page.newsItem else { continue }
            let summary = fillRaw(page.description ?? SlottedText(literal: ""))
            json += first ? "\n" : ",\n"
            first = false
            json += "    {\"id\": \(q(baseURL + page.urlPath)), \"url\": \(q(baseURL + page.urlPath)), \"title\": \(q(fillRaw(page.title))), "
            json += "\"summary\": \(q(summary)), \"content_text\": \(q(summary)), \"date_published\": \(q(StoreTime.iso(item.date))), "
            if let file = image(of: page) { json += "\"image\": \(q(baseURL + "/" + file.path)), " }
            json += "\"tags\": [\(q(t["newsKind" + item.kind.stringSuffix] ?? item.kind.rawValue))]}"
        }
        return json + (first ? "]\n}\n" : "\n  ]\n}\n")
    }
}
