import SOHModel

/// A form, normalised: what the build renders, the browser runtime runs and the API validates.
///
/// Its JSON encoding (`FormDefinition.json`) is the contract between the three; every message a
/// person can see is resolved into it, in every language, so both validators only look them up.
public struct FormDefinition: Sendable, Codable, Equatable {
    public var id: String
    public var version: Int
    public var title: LocalizedText
    public var pages: [FormPage]
    /// Shown after a successful submission; `{reference}` is replaced by the reference.
    public var confirmation: Confirmation
    /// Form-level messages: `unknown` (an answer to no question), `malformed`, `notAsked`.
    public var messages: [String: LocalizedText]
    /// The POLE mapping, when the form declares one. Not in the JSON: only delivery reads it.
    public var pole: POLEMapping? = nil
    /// What happens when the area question's answer is another force's area (forms with one).
    public var whenElsewhere: Routing? = nil
    /// The question asking whether the person wants a confirmation message, and the questions
    /// whose answers say where to send it (docs/messages.md). Not in the JSON: only the API reads it.
    public var receipt: Receipt? = nil

    enum CodingKeys: String, CodingKey { case id, version, title, pages, confirmation, messages, whenElsewhere }

    /// When a report is about a place in another force's area (docs/routing.md).
    public enum Routing: String, Sendable, Codable, CaseIterable {
        /// The force for that area owns it and gets the report; the force it was made to gets
        /// a transfer notice (Home Office Counting Rules: crimes are recorded where they happened).
        case transfer
        /// The force it was made to keeps it and acts first; the force for the area is notified
        /// (missing persons: the receiving force records the report and takes the first action).
        case notify
    }

    /// `receipt:` in a form definition: a radios question whose option `email` sends the
    /// confirmation to the answer of `email`, and `text` to the mobile number answering `mobile`.
    public struct Receipt: Sendable, Equatable {
        public var question: String
        public var email: String?
        public var mobile: String?
        /// The question whose answer is the person's name, to address an email to them (`addressee`).
        public var name: String?

        public init(question: String, email: String?, mobile: String?, name: String? = nil) {
            (self.question, self.email, self.mobile, self.name) = (question, email, mobile, name)
        }

        /// The person's name as they gave it, to address them; nil when not asked.
        public func name(_ answers: [String: Answer]) -> String? { Self.text(name, answers) }

        /// A question's text answer, trimmed; nil when there is none.
        static func text(_ id: String?, _ answers: [String: Answer]) -> String? {
            guard let id, case .text(let value)? = answers[id] else { return nil }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }

        /// Where the person asked for their confirmation to go, from their answers; nil when
        /// they did not ask (or the answer it needs is missing).
        public func recipient(_ answers: [String: Answer]) -> Recipient? {
            func text(_ id: String?) -> String? { Self.text(id, answers) }
            switch text(question) {
            case "email": return text(email).map(Recipient.email)
            case "text": return text(mobile).flatMap { Rules.isMobile($0) ? .text(Rules.e164($0)) : nil }
            default: return nil
            }
        }
    }

    /// Where a confirmation goes: an email address, or a UK mobile number in E.164.
    public enum Recipient: Sendable, Equatable {
        case email(String)
        case text(String)

        public var channel: String {
            switch self {
            case .email: "email"
            case .text: "text"
            }
        }
    }

    /// The question that says where it happened, when the form has one.
    public var areaQuestion: Question? { allQuestions.first { $0.question.type == .area }?.question }

    public struct Confirmation: Sendable, Codable, Equatable {
        public var title: LocalizedText
        /// HTML (from Markdown), per language.
        public var body: LocalizedText
    }

    public func page(_ id: String) -> FormPage? { pages.first { $0.id == id } }

    /// Every question that takes an answer, with the page it is on (revealed questions included).
    public var allQuestions: [(page: FormPage, question: Question)] {
        pages.flatMap { page in page.questions.flatMap { q in [(page, q)] + q.revealed.map { (page, $0) } } }
    }

    public func question(_ id: String) -> Question? { allQuestions.first { $0.question.id == id }?.question }
}

public struct FormPage: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case questions
        /// Stops the journey and says what to do instead ("call 999 now").
        case exit
        case checkAnswers = "check-answers"
        case declaration
    }

    public var id: String
    public var kind: Kind
    public var title: LocalizedText
    /// HTML (from Markdown) shown above the questions, or the whole content of an exit page.
    public var body: LocalizedText?
    public var when: Condition?
    public var `repeat`: Repeat?
    public var questions: [Question]

    public struct Repeat: Sendable, Codable, Equatable {
        public var min: Int
        public var max: Int
        /// "vehicle", "witness": names one item in headings and buttons.
        public var itemName: LocalizedText
        public var messages: [String: LocalizedText]
    }
}

public struct Question: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case text, textarea, email, phone, postcode, number, date, time, radios, checkboxes, select
        case yesNo = "yes-no"
        case address, registration, declaration, content
        /// Where it happened: one of the police areas' local authority areas (`data/police-areas.yml`).
        case area
        /// Photos, videos or documents, uploaded as they are chosen (docs/evidence.md); the answer
        /// is the list of their upload ids.
        case file
    }

    public var id: String
    public var type: Kind
    public var label: LocalizedText
    public var hint: LocalizedText?
    /// HTML (from Markdown) for `content` blocks.
    public var body: LocalizedText?
    public var required: Bool
    public var options: [Option]?
    public var minLength: Int?
    public var maxLength: Int?
    public var min: Double?
    public var max: Double?
    public var wholeNumber: Bool?
    /// Dates: `past` (today or earlier), `future` (today or later), minimum and maximum age.
    public var dateRule: DateRule?
    public var autocomplete: String?
    /// Every message this question can show, by error code, in every language.
    public var messages: [String: LocalizedText]
    /// Area questions: the name of each force's police area, by force id (the options' groups).
    public var groups: [String: LocalizedText]? = nil
    /// File questions: what files they take.
    public var files: Files? = nil
    /// Phone questions: a UK mobile only (a number a text can be sent to, docs/messages.md).
    public var mobile: Bool? = nil

    public struct Option: Sendable, Codable, Equatable {
        public var value: String
        public var label: LocalizedText
        public var hint: LocalizedText?
        /// Questions shown when this option is chosen (radios and checkboxes).
        public var reveal: [Question]?
        /// Area questions: the force whose area it is, and the towns that find it.
        public var group: String? = nil
        public var also: [String]? = nil

        public init(value: String, label: LocalizedText, hint: LocalizedText?, reveal: [Question]?, group: String? = nil, also: [String]? = nil) {
            self.value = value
            self.label = label
            self.hint = hint
            self.reveal = reveal
            self.group = group
            self.also = also
        }
    }

    /// What a `file` question takes: kinds decided from each file's content, how many files,
    /// and how large each may be and all of them together.
    public struct Files: Sendable, Codable, Equatable {
        public var accept: [MediaType]
        public var maxFiles: Int
        public var maxSize: Int64
        public var maxTotal: Int64

        public static let defaultMaxFiles = 10
        public static let defaultMaxSize: Int64 = 100_000_000
        /// The largest a file may ever be, whatever a form says (`maxSize` above it is refused).
        public static let ceiling: Int64 = 2_000_000_000
    }

    /// The form of an upload's id in an answer: what `POST …/uploads` gave (docs/evidence.md).
    public static let uploadIDPattern = "^[0-9a-f]{32}$"

    public struct DateRule: Sendable, Codable, Equatable {
        public var past: Bool?
        public var future: Bool?
        public var minAge: Int?
        public var maxAge: Int?
    }

    public var takesAnswer: Bool { type != .content }
    public var revealed: [Question] { (options ?? []).flatMap { $0.reveal ?? [] } }

    /// Sub-fields of composite questions.
    public static let addressFields = ["line1", "line2", "town", "county", "postcode"]
    public static let dateFields = ["day", "month", "year"]
}

/// When a page is asked: comparisons of earlier answers, combined with all, any and not.
public indirect enum Condition: Sendable, Codable, Equatable {
    case equals(String, String)
    case notEquals(String, String)
    case isIn(String, [String])
    case contains(String, String)
    case answered(String, Bool)
    /// Date answer before / after a date (`YYYY-MM-DD` or `today`).
    case before(String, String)
    case after(String, String)
    case all([Condition])
    case any([Condition])
    case not(Condition)

    /// Questions the condition reads.
    public var questionIDs: [String] {
        switch self {
        case .equals(let q, _), .notEquals(let q, _), .isIn(let q, _), .contains(let q, _), .answered(let q, _),
             .before(let q, _), .after(let q, _): [q]
        case .all(let cs), .any(let cs): cs.flatMap(\.questionIDs)
        case .not(let c): c.questionIDs
        }
    }

    // JSON: {"question": "q", "equals": "x"} · {"all": [...]} · {"not": {...}}
    enum Keys: String, CodingKey { case question, equals, notEquals, `in`, contains, answered, before, after, all, any, not }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if let list = try c.decodeIfPresent([Condition].self, forKey: .all) { self = .all(list); return }
        if let list = try c.decodeIfPresent([Condition].self, forKey: .any) { self = .any(list); return }
        if let inner = try c.decodeIfPresent(Condition.self, forKey: .not) { self = .not(inner); return }
        let q = try c.decode(String.self, forKey: .question)
        if let v = try c.decodeIfPresent(String.self, forKey: .equals) { self = .equals(q, v) }
        else if let v = try c.decodeIfPresent(String.self, forKey: .notEquals) { self = .notEquals(q, v) }
        else if let v = try c.decodeIfPresent([String].self, forKey: .in) { self = .isIn(q, v) }
        else if let v = try c.decodeIfPresent(String.self, forKey: .contains) { self = .contains(q, v) }
        else if let v = try c.decodeIfPresent(Bool.self, forKey: .answered) { self = .answered(q, v) }
        else if let v = try c.decodeIfPresent(String.self, forKey: .before) { self = .before(q, v) }
        else if let v = try c.decodeIfPresent(String.self, forKey: .after) { self = .after(q, v) }
        else { throw DecodingError.dataCorruptedError(forKey: .question, in: c, debugDescription: "no operator") }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .all(let list): try c.encode(list, forKey: .all)
        case .any(let list): try c.encode(list, forKey: .any)
        case .not(let inner): try c.encode(inner, forKey: .not)
        case .equals(let q, let v): try c.encode(q, forKey: .question); try c.encode(v, forKey: .equals)
        case .notEquals(let q, let v): try c.encode(q, forKey: .question); try c.encode(v, forKey: .notEquals)
        case .isIn(let q, let v): try c.encode(q, forKey: .question); try c.encode(v, forKey: .in)
        case .contains(let q, let v): try c.encode(q, forKey: .question); try c.encode(v, forKey: .contains)
        case .answered(let q, let v): try c.encode(q, forKey: .question); try c.encode(v, forKey: .answered)
        case .before(let q, let v): try c.encode(q, forKey: .question); try c.encode(v, forKey: .before)
        case .after(let q, let v): try c.encode(q, forKey: .question); try c.encode(v, forKey: .after)
        }
    }
}
