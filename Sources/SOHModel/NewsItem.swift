import Foundation

/// What a dated item is: the kind decides how it is labelled, which listing and feed it is in,
/// and whether it must end (an appeal showing a person must not stay online for ever).
public enum NewsKind: String, Sendable, CaseIterable, Hashable {
    case news
    case appeal
    case missingPerson = "missing-person"
    case wanted
    case roadClosure = "road-closure"
    case event

    /// Appeals about people (and witness appeals) carry an end date: `expires` is required.
    public var isAppeal: Bool { self == .appeal || self == .missingPerson || self == .wanted }

    /// The suffix of its interface strings: `newsKindMissingPerson`, `newsListMissingPerson`.
    public var stringSuffix: String {
        rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

/// The front matter a dated item (`content/news/*.md`, `forces/<id>/news/*.md`) has besides a
/// page's: when it was published, when it ends, what kind it is and what place it concerns.
/// Reference: docs/news.md.
public struct NewsFront: Sendable {
    public var date: Date
    public var dateLocation: SourceLocation
    /// The instant it comes down (the end of the day given, UK time, for a date alone).
    public var expires: Date?
    public var expiresLocation: SourceLocation?
    public var kind: NewsKind
    public var kindLocation: SourceLocation
    public var summary: String
    /// The image's file, relative to the item's folder, and its text for people who cannot see it.
    public var image: String?
    public var imageLocation: SourceLocation?
    public var imageAlt: String?
    public var closed: Bool
    /// Local authority areas (ids of `data/police-areas.yml`) it concerns.
    public var areas: [(id: String, at: SourceLocation)]
    /// The keys its front matter gives (a Welsh twin takes the others from its English item).
    public var given: Set<String> = []

    public init(
        date: Date, dateLocation: SourceLocation, expires: Date?, expiresLocation: SourceLocation?, kind: NewsKind, kindLocation: SourceLocation,
        summary: String, image: String?, imageLocation: SourceLocation?, imageAlt: String?, closed: Bool,
        areas: [(id: String, at: SourceLocation)], given: Set<String> = []
    ) {
        (self.date, self.dateLocation, self.expires, self.expiresLocation, self.kind, self.kindLocation) = (date, dateLocation, expires, expiresLocation, kind, kindLocation)
        (self.summary, self.image, self.imageLocation, self.imageAlt, self.closed, self.areas, self.given) = (summary, image, imageLocation, imageAlt, closed, areas, given)
    }

    /// Whether it is published and current at `now`.
    public func state(at now: Date) -> NewsState {
        if date > now { return .scheduled }
        if closed { return .closed }
        if let expires, expires <= now { return .closed }
        return .live
    }

    /// The instants at which its state changes (published, expired).
    public var boundaries: [Date] { [date] + (expires.map { [$0] } ?? []) }

    /// Keys a Welsh twin takes from its English item: what is the same in both languages.
    public static let sharedKeys = ["date", "expires", "kind", "image", "closed", "areas"]
    /// Keys only an item's front matter has.
    public static let keys = ["summary", "date", "expires", "kind", "image", "imageAlt", "closed", "areas"]

    /// Image files an item may show.
    public static let imageTypes: Set<String> = ["png", "jpg", "jpeg", "gif", "webp", "avif", "svg"]

    static func read(_ map: StrictMapping, english: Bool, file: String, areas: PoliceAreas?, sink: DiagnosticSink) -> NewsFront? {
        // A Welsh twin may leave out what its English item gives (filled in by `NewsItems.link`).
        let summary = map.text("summary", required: true, example: "One or two sentences for listings and feeds.")
        var date: Date?
        if let text = map.text("date", required: english, example: "2026-12-07") {
            date = NewsDate.parse(text, endOfDay: false)
            if date == nil { sink.error(map.valueLocation("date"), "'\(text)' is not a date", hint: NewsDate.hint) }
        }
        var expires: Date?
        if let text = map.text("expires") {
            expires = NewsDate.parse(text, endOfDay: true)
            if expires == nil { sink.error(map.valueLocation("expires"), "'\(text)' is not a date", hint: NewsDate.hint) }
        }
        var kind = NewsKind.news
        if let text = map.text("kind") {
            if let k = NewsKind(rawValue: text) {
                kind = k
            } else {
                sink.error(map.valueLocation("kind"), "unknown kind '\(text)'",
                    hint: Suggestion.hint(for: text, allowed: NewsKind.allCases.map(\.rawValue), noun: "kinds"))
            }
        }
        if english, kind.isAppeal, !map.has("expires"), map.bool("closed") != true {
            sink.error(map.keyLocation("kind"), "an item of kind '\(kind.rawValue)' needs 'expires'",
                hint: "Set 'expires: YYYY-MM-DD', the last day it should be online, so that an out-of-date appeal comes down by itself; set 'closed: true' if it ends sooner.")
        }
        if let date, let expires, expires <= date {
            sink.error(map.valueLocation("expires"), "it expires before it is published",
                hint: "'expires' is the last day the item is online; make it later than 'date'.")
        }
        let image = map.text("image")
        let imageAlt = map.text("imageAlt")
        if let image {
            let name = image.split(separator: "/").last.map(String.init) ?? image
            let type = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
            if image.contains("/") || image.hasPrefix(".") || !name.contains(".") || !imageTypes.contains(type) {
                sink.error(map.valueLocation("image"), "'\(image)' should be the name of an image file beside the item",
                    hint: "Put the image in the item's folder and give its name, e.g. 'image: appeal-cctv.jpg' (\(imageTypes.sorted().joined(separator: ", "))).")
            }
            if imageAlt?.trimmingCharacters(in: .whitespaces).isEmpty ?? true, english || map.has("imageAlt") {
                sink.error(map.keyLocation("image"), "the image needs 'imageAlt', a description for people who cannot see it",
                    hint: "Say what the image shows that matters, e.g. 'imageAlt: A man in a grey hooded top at the shop counter'.")
            }
        } else if map.has("imageAlt"), english {
            sink.error(map.keyLocation("imageAlt"), "'imageAlt' describes an image, but the item has no 'image'", hint: "Add 'image: FILE', or remove 'imageAlt'.")
        }
        var itemAreas: [(id: String, at: SourceLocation)] = []
        for (id, at) in map.texts("areas") ?? [] {
            guard let areas else {
                sink.error(at, "'areas' needs \(PoliceAreas.file), which this repository does not have", hint: "Remove 'areas'.")
                break
            }
            if areas.area(id) == nil {
                sink.error(at, "unknown area '\(id)'", hint: Suggestion.hint(for: id, allowed: areas.allAreas.map(\.id), noun: "area ids (from \(PoliceAreas.file))"))
            } else {
                itemAreas.append((id, at))
            }
        }
        guard let summary else { return nil }
        if summary.trimmingCharacters(in: .whitespaces).isEmpty {
            sink.error(map.valueLocation("summary"), "the summary is empty", hint: "Say in one or two sentences what the item is about.")
        }
        return NewsFront(
            date: date ?? .distantPast, dateLocation: map.has("date") ? map.valueLocation("date") : .start(of: file),
            expires: expires, expiresLocation: expires == nil ? nil : map.valueLocation("expires"),
            kind: kind, kindLocation: map.has("kind") ? map.valueLocation("kind") : .start(of: file),
            summary: summary, image: image, imageLocation: image == nil ? nil : map.valueLocation("image"), imageAlt: imageAlt,
            closed: map.bool("closed") ?? false, areas: itemAreas, given: Set(keys.filter(map.has)))
    }
}

/// Whether an item is shown at a given instant.
public enum NewsState: String, Sendable {
    /// Dated in the future: not published yet.
    case scheduled
    case live
    /// Past its expiry or marked closed: a short "this appeal has closed" page stands at its address.
    case closed
}

/// Dates of items and of the build: `2026-12-07` (a day in the UK) or an ISO 8601 time with its
/// offset (`2026-12-07T09:30:00Z`, `2026-12-07T09:30:00+01:00`).
public enum NewsDate {
    public static let hint = "Write a date as YYYY-MM-DD (a day in the UK), or a time as 2026-12-07T09:30:00Z (ISO 8601 with its offset)."

    /// A day means its start in the UK, or with `endOfDay` the start of the next day (an item
    /// that expires on the 10th is online all that day).
    public static func parse(_ text: String, endOfDay: Bool) -> Date? {
        if text.contains("T") { return StoreTime.date(text) }
        guard text.count == 10, let day = CalendarDate(iso: text) else { return nil }
        return endOfDay ? day.end : day.start
    }
}
