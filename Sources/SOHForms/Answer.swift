/// An answer as it arrives from the runtime (JSON) or a browser without JavaScript (form fields).
///
/// Text questions carry a string; checkboxes a list; dates and addresses named parts; repeated
/// pages a list of items, each a set of answers.
public indirect enum Answer: Sendable, Equatable, Codable {
    case text(String)
    case list([String])
    case parts([String: String])
    case items([[String: Answer]])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .text(s) }
        else if let l = try? c.decode([String].self) { self = .list(l) }
        else if let p = try? c.decode([String: String].self) { self = .parts(p) }
        else if let i = try? c.decode([[String: Answer]].self) { self = .items(i) }
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "an answer is text, a list of text, named parts or a list of items") }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        case .parts(let p): try c.encode(p)
        case .items(let i): try c.encode(i)
        }
    }

    public var text: String? { if case .text(let s) = self { s } else { nil } }

    /// The answer as it is stored and delivered, the same whichever way it came: parts left
    /// empty (an address's `line2`) are dropped, and an answer with nothing in it is nil.
    public var stored: Answer? {
        switch self {
        case .parts(let p):
            let kept = p.filter { !$0.value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            return kept.isEmpty ? nil : .parts(kept)
        case .items(let items):
            return .items(items.map { Answer.stored($0) })
        default:
            return isAnswered ? self : nil
        }
    }

    /// Every answer `stored`, those with nothing in them left out.
    public static func stored(_ answers: [String: Answer]) -> [String: Answer] {
        answers.compactMapValues(\.stored)
    }

    /// Whether the person gave anything (spaces alone do not count).
    public var isAnswered: Bool {
        switch self {
        case .text(let s): !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .list(let l): !l.isEmpty
        case .parts(let p): p.values.contains { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        case .items(let i): !i.isEmpty
        }
    }
}

import Foundation
