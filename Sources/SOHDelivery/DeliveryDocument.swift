import Crypto
import Foundation
import SOHForms

/// What a force receives for one report: a JSON:API document in the shape of the national
/// integration hub's *skeleton* Standard Data Model payload, an `incident` whose `submission`
/// (in `included`) carries the force, the service, the citizen's reference, the time and the
/// answers as readable text (`submissionContent`) and as data (`answers`).
///
/// The same report always gives the same bytes (ids derived from the reference, keys sorted),
/// so a retry sends exactly what the first attempt sent and receivers can compare.
public enum DeliveryDocument {
    /// A stored report, as much of it as a delivery needs.
    public struct Report: Sendable {
        public var reference: String
        public var force: String
        public var form: String
        public var version: Int
        public var language: String
        public var answers: [String: Answer]
        public var receivedAt: String
        public var submittedAt: String?

        public init(reference: String, force: String, form: String, version: Int, language: String,
                    answers: [String: Answer], receivedAt: String, submittedAt: String?) {
            self.reference = reference
            self.force = force
            self.form = form
            self.version = version
            self.language = language
            self.answers = answers
            self.receivedAt = receivedAt
            self.submittedAt = submittedAt
        }
    }

    public static func make(_ report: Report, definition: FormDefinition?) throws -> Data {
        let incident = uuid("incident", report.reference), submission = uuid("submission", report.reference)
        let title = definition?.title.text("en") ?? report.form
        let document: [String: Any] = [
            "data": [
                "id": incident, "type": "incident",
                "attributes": [
                    "incidentDescription": "Online report \(report.reference) (\(title)). The answers are in the submissionContent of the submission.",
                ],
                "relationships": ["submission": ["data": [["id": submission, "type": "submission"]]]],
            ] as [String: Any],
            "included": [[
                "id": submission, "type": "submission",
                "attributes": [
                    "externalReferenceId": "SingleOnlineHome",
                    "forceIdentifier": report.force,
                    "category": report.form,
                    "formVersion": report.version,
                    "language": report.language,
                    "submissionId": submission,
                    "customerReferenceNumber": report.reference,
                    "submitTime": report.receivedAt,
                    "submissionContent": content(report, definition: definition),
                    "answers": try JSONSerialization.jsonObject(with: JSONEncoder().encode(report.answers)),
                ] as [String: Any],
            ] as [String: Any]],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// A UUID-shaped id that is always the same for a report, so retries and redeliveries carry it.
    static func uuid(_ kind: String, _ reference: String) -> String {
        var bytes = Array(SHA256.hash(data: Data("\(kind):\(reference)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5 style: name-based
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// The report as plain text: each page's questions in the form's order with the answers as
    /// the person chose them (option labels, dates written out). Labels are in English, for the
    /// force's staff; answers are as written, in the person's language.
    public static func content(_ report: Report, definition: FormDefinition?) -> String {
        var lines = ["\(definition?.title.text("en") ?? report.form) (form version \(report.version))",
                     "Reference: \(report.reference)", "Received: \(report.receivedAt)",
                     "Language: \(report.language == "cy" ? "Welsh" : "English")"]
        guard let definition else {
            for (key, value) in report.answers.sorted(by: { $0.key < $1.key }) { lines.append("\(key): \(display(value, question: nil))") }
            return lines.joined(separator: "\n")
        }
        for page in definition.pages where page.kind == .questions {
            let questions = page.questions.flatMap { [$0] + $0.revealed }.filter { $0.type != .content }
            if page.repeat != nil {
                guard case .items(let items)? = report.answers[page.id], !items.isEmpty else { continue }
                for (i, item) in items.enumerated() {
                    lines.append("")
                    lines.append("\(page.title.text("en")) \(i + 1)")
                    for q in questions { if let a = item[q.id] { lines.append("\(q.label.text("en")): \(display(a, question: q))") } }
                }
                continue
            }
            let answered = questions.filter { report.answers[$0.id] != nil }
            guard !answered.isEmpty else { continue }
            lines.append("")
            lines.append(page.title.text("en"))
            for q in answered { lines.append("\(q.label.text("en")): \(display(report.answers[q.id]!, question: q))") }
        }
        return lines.joined(separator: "\n")
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    static func display(_ answer: Answer, question q: Question?) -> String {
        func label(_ value: String) -> String {
            if q?.type == .yesNo { return value == "yes" ? "Yes" : value == "no" ? "No" : value }
            return q?.options?.first { $0.value == value }.map { $0.label.text("en") } ?? value
        }
        switch answer {
        case .text(let value):
            return q?.type == .declaration ? "Confirmed" : label(value)
        case .list(let values):
            return values.map(label).joined(separator: "; ")
        case .parts(let parts) where q?.type == .date:
            let month = Int(parts["month"] ?? "").flatMap { (1...12).contains($0) ? months[$0 - 1] : nil }
            return month.map { "\(Int(parts["day"] ?? "") ?? 0) \($0) \(parts["year"] ?? "")" } ?? parts.values.joined(separator: "/")
        case .parts(let parts):
            return Question.addressFields.compactMap { parts[$0] }.filter { !$0.isEmpty }.joined(separator: ", ")
        case .items(let items):
            return "\(items.count) item\(items.count == 1 ? "" : "s")"
        }
    }
}
