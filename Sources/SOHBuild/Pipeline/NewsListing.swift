import Foundation
import SOHModel

/// One page of a listing of a force's live items, newest first: all of them, one kind, or the
/// items about one area. Every listing has a page even when it is empty, so its address (and its
/// feed's) stays the same while items come and go. Reference: docs/news.md.
struct NewsListing: Sendable, Equatable {
    enum Filter: Sendable, Hashable {
        case all
        case kind(NewsKind)
        case area(String)

        func matches(_ item: NewsFront) -> Bool {
            switch self {
            case .all: true
            case .kind(let kind): item.kind == kind
            case .area(let id): item.areas.contains { $0.id == id }
            }
        }
    }

    /// The live items among `pages` that `filter` keeps, newest first (then by address).
    static func items(_ pages: some Sequence<PreparedPage>, language: String, filter: Filter) -> [PreparedPage] {
        pages.filter { page in page.language == language && page.newsItem.map(filter.matches) == true }
            .sorted { a, b in
                let (x, y) = (a.newsItem?.date ?? .distantPast, b.newsItem?.date ?? .distantPast)
                return x != y ? x > y : a.urlPath < b.urlPath
            }
    }

    var filter: Filter
    /// 1-based.
    var number: Int
    /// Addresses of the items on this page.
    var items: [String]
    /// Addresses of every page of this listing, first to last.
    var pages: [String]
    /// The listing's Atom feed (the JSON Feed is beside it as `feed.json`); nil for areas.
    var feed: String?

    static let perPage = 10
    static let onHomePage = 3
    static let inFeed = 20

    /// The path segments of listings below the news page, by language (`kind` → `math`).
    static func segment(_ name: String, _ strings: [String: String]) -> String {
        strings["newsPath" + name.prefix(1).uppercased() + name.dropFirst()] ?? name
    }

    /// The listing pages of a force's site, made from its news page (`/news/`) in each language
    /// from the live items it publishes; the first page of "all" stands at the news page itself.
    /// `areaIDs` are the areas with a listing of their own.
    static func pages(
        in chosen: [String: PreparedPage], languages: [String], areaIDs: [String], areas: PoliceAreas?,
        strings: [String: [String: String]]
    ) -> [PreparedPage] {
        var result: [PreparedPage] = []
        for language in languages {
            guard let index = chosen.values.first(where: { $0.key == PageSource.newsKey && $0.language == language }) else { continue }
            let t = strings[language] ?? [:]
            let items = Self.items(chosen.values, language: language, filter: .all)
            var filters: [(Filter, key: String, url: String)] = [(.all, index.key, index.urlPath)]
            for kind in NewsKind.allCases {
                filters.append((.kind(kind), "\(index.key)kind/\(kind.rawValue)/", "\(index.urlPath)\(segment("kind", t))/\(kind.rawValue)/"))
            }
            for id in areaIDs {
                filters.append((.area(id), "\(index.key)area/\(id)/", "\(index.urlPath)\(segment("area", t))/\(id)/"))
            }
            for (filter, key, url) in filters {
                let matching = items.filter { $0.newsItem.map(filter.matches) == true }
                let count = max(1, (matching.count + perPage - 1) / perPage)
                let urls = (1...count).map { $0 == 1 ? url : "\(url)\(segment("page", t))/\($0)/" }
                for number in 1...count {
                    var page = index
                    let on = matching.dropFirst((number - 1) * perPage).prefix(perPage).map(\.urlPath)
                    var feed: String?
                    if case .area = filter {} else { feed = url + "feed.xml" }
                    page.kind = .newsListing(NewsListing(filter: filter, number: number, items: on, pages: urls, feed: feed))
                    page.layout = "news-list"
                    page.isSectionIndex = false
                    page.derivedFrom = index.file
                    guard filter != .all || number > 1 else {
                        result.append(page)
                        continue
                    }
                    page.key = number == 1 ? key : "\(key)page/\(number)/"
                    page.urlPath = urls[number - 1]
                    page.front.aliases = []
                    switch filter {
                    case .all: break
                    case .kind(let kind): page.title = SlottedText(literal: t["newsList" + kind.stringSuffix] ?? kind.rawValue)
                    case .area(let id):
                        let name = areas?.area(id)?.name.text(language) ?? id
                        page.title = SlottedText(literal: MessageTemplate.fill(t["newsListArea"] ?? "{area}", ["area": name]))
                    }
                    if filter != .all { page.description = nil }
                    if filter != .all || number > 1 {
                        page.body = SlottedText(literal: "")
                        page.headings = []
                        page.links = []
                        page.placeholderUses = [:]
                    }
                    result.append(page)
                }
            }
        }
        return result
    }
}

extension PreparedPage {
    /// The page as published at `now`: nil for an item not published yet, a short "this appeal
    /// has closed" page (with no title, picture or text of the item) for one that has ended.
    func published(at now: Date, strings: [String: [String: String]]) -> PreparedPage? {
        guard let item = self.front.news else { return self }
        switch item.state(at: now) {
        case .scheduled: return nil
        case .live: return self
        case .closed:
            var page = self
            page.kind = .newsClosed(item.kind)
            page.layout = "news-closed"
            let t = strings[self.language] ?? [:]
            page.title = SlottedText(literal: t["newsClosed" + (item.kind.isAppeal ? "Appeal" : item.kind.stringSuffix)] ?? "")
            page.description = nil
            page.body = SlottedText(literal: "")
            page.headings = []
            page.links = []
            page.placeholderUses = [:]
            return page
        }
    }
}

/// The span of time over which the items' states stay as they are at a build's `now`: from the
/// last publication or expiry at or before it to the next one after it.
struct NewsWindow: Sendable, Equatable {
    var from: Date
    var until: Date?

    init(from: Date, until: Date?) {
        self.from = from
        self.until = until
    }

    init(items: [NewsFront], now: Date) {
        let boundaries = items.flatMap(\.boundaries)
        from = boundaries.filter { $0 <= now }.max() ?? .distantPast
        until = boundaries.filter { $0 > now }.min()
    }

    func contains(_ date: Date) -> Bool { date >= from && until.map { date < $0 } ?? true }
}
