import SOHMarkdown
import SOHModel

/// A page rendered once for all forces: Markdown turned into HTML with slots for force values.
///
/// Every force's page set holds the pages it publishes, so a page is copied often: its fields
/// live in one shared box, copied only when a copy is changed (`page.layout = …`).
@dynamicMemberLookup
struct PreparedPage: Sendable {
    enum Kind: Sendable {
        case content
        /// Stands at a service's landing page for a force that switched the service off or
        /// handles it elsewhere.
        case serviceNotice(serviceID: String, setting: ForceIdentity.ServiceSetting)
        /// A service's form, and the page it confirms a submission on.
        case form(String)
        case formConfirmation(String)
        /// A dated item past its expiry or closed: a short page says so in place of it.
        case newsClosed(NewsKind)
        /// One page of a listing of dated items (all, one kind or one area), newest first.
        case newsListing(NewsListing)
    }

    struct Fields: Sendable {
        var kind: Kind = .content
        var file: String
        var key: String
        var language: String
        var urlPath: String
        var layout: String
        var title: SlottedText
        var description: SlottedText?
        var body: SlottedText
        var headings: [Markdown.Heading]
        var links: [Markdown.Link]
        var front: FrontMatter
        var origin: PageSource.Origin
        var isSectionIndex: Bool
        /// First place each placeholder is used, to name it when a force lacks the value.
        var placeholderUses: [String: SourceLocation]
        /// The page this one was made from (a form's landing page), whose front matter it shares.
        var derivedFrom: String? = nil
        /// The line of its file on which the body starts.
        var bodyFirstLine = 1
    }

    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    init(_ fields: Fields) { box = Box(fields) }

    /// The same for copies of one page, different once a copy is changed.
    var identity: ObjectIdentifier { ObjectIdentifier(box) }

    subscript<T>(dynamicMember field: KeyPath<Fields, T>) -> T { box.fields[keyPath: field] }

    subscript<T>(dynamicMember field: WritableKeyPath<Fields, T>) -> T {
        get { box.fields[keyPath: field] }
        set {
            var fields = box.fields
            fields[keyPath: field] = newValue
            box = Box(fields)
        }
    }

    var service: String? { self.front.service }
    /// A dated item that is live (a closed one is `.newsClosed`).
    var newsItem: NewsFront? { if case .content = self.kind { self.front.news } else { nil } }
    var isConfirmation: Bool { if case .formConfirmation = self.kind { true } else { false } }
    var isClosedItem: Bool { if case .newsClosed = self.kind { true } else { false } }
    var section: String { self.key.split(separator: "/").first.map(String.init) ?? "" }
    /// `/advice/burglary/` → `/advice/`; nil for the home page.
    var parentKey: String? { Self.parentKey(of: self.key) }
}
