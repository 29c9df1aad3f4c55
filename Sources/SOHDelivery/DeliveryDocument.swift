import Crypto
import Foundation
import SOHModel
import SOHForms

/// What a force receives for one report: a JSON:API document in the shape of the national
/// integration hub's Standard Data Model. Every report is an `incident` whose `submission` (in
/// `included`) carries the force, the service, the citizen's reference, the time and the answers
/// as readable text (`submissionContent`) and as data (`answers`): the hub's *skeleton*. A form
/// that maps its questions to POLE entities (`entities:` and `fills:` in its definition) also
/// gives the incident its attributes and the people, places, vehicles and property it names,
/// each an entity in `included` linked by a relationship (`DeliveryDocument+POLE.swift`).
///
/// The same report always gives the same bytes (ids derived from the reference, keys sorted),
/// so a retry sends exactly what the first attempt sent and receivers can compare.
public enum DeliveryDocument {
    /// A stored report, as much of it as a delivery needs.
    public struct Report: Sendable {
        public var reference: String
        /// The force this delivery goes to: the one the report was made to, or, when it was
        /// about another force's area, that force (`routing`).
        public var force: String
        public var form: String
        public var version: Int
        public var language: String
        public var answers: [String: Answer]
        public var receivedAt: String
        public var submittedAt: String?
        /// Set when the report is about another force's area (docs/routing.md).
        public var routing: ReportRouting?
        /// A transfer notice: the force the report was made to is told where it went, without
        /// the answers (they are the owning force's to record).
        public var notice: Bool
        /// The files that came with it (none in a notice).
        public var evidence: [EvidenceFile] = []

        public init(reference: String, force: String, form: String, version: Int, language: String,
                    answers: [String: Answer], receivedAt: String, submittedAt: String?, routing: ReportRouting? = nil, notice: Bool = false,
                    evidence: [EvidenceFile] = []) {
            self.evidence = evidence
            self.routing = routing
            self.notice = notice
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

    struct Document: Encodable {
        var data: Resource
        var included: [Resource]
    }

    /// One JSON:API resource: an entity of the model.
    struct Resource: Encodable {
        var id: String
        var type: String
        var attributes: [String: Value]
        /// Relationship name → the entities it links to; left out when there are none.
        var relationships: [String: Linkage]?
    }

    struct Linkage: Encodable {
        var data: [Identifier]
    }

    struct Identifier: Encodable, Hashable {
        var id: String
        var type: String
    }

    /// An attribute's value, as JSON.
    enum Value: Encodable, Equatable {
        case text(String)
        case bool(Bool)
        case int(Int)
        case number(Double)
        case texts([String])
        case fields([String: String])
        case object([String: Value])
        case answers([String: Answer])

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .text(let v): try c.encode(v)
            case .bool(let v): try c.encode(v)
            case .int(let v): try c.encode(v)
            case .number(let v): try c.encode(v)
            case .texts(let v): try c.encode(v)
            case .fields(let v): try c.encode(v)
            case .object(let v): try c.encode(v)
            case .answers(let v): try c.encode(v)
            }
        }
    }

    public static func make(_ report: Report, definition: FormDefinition?) throws -> Data {
        let submission = Identifier(id: uuid("submission", report.reference), type: "submission")
        let title = definition?.title.text("en") ?? report.form
        // Each file an attachment: what it is and where to fetch it, or why it was withheld;
        // linked from the entity its question's 'fills' names, the incident otherwise.
        let files = report.notice ? [] : report.evidence
        let attachments = files.map { file in
            Resource(id: uuid("attachment", "\(report.reference)/\(file.id)"), type: "attachment", attributes: attachment(file, report, definition))
        }
        var byQuestion: [String: [Identifier]] = [:]
        for (file, resource) in zip(files, attachments) { byQuestion[file.question, default: []].append(Identifier(id: resource.id, type: resource.type)) }
        var entities = Entities()
        if let notice = report.routing.map(noticeText), report.notice {
            // The receiving force's record that it passed the report on: no answers, no entities.
            entities.incident["incidentDescription"] = .text(notice)
        } else if let definition, let mapping = definition.pole {
            entities = Self.entities(report, form: definition, mapping: mapping, files: byQuestion)
        }
        var incident = entities.incident
        if incident["incidentDescription"] == nil {
            incident["incidentDescription"] = .text("Online report \(report.reference) (\(title)). The answers are in the submissionContent of the submission.")
        }
        var links = entities.incidentLinks
        links["submission"] = [submission]
        let onIncident = zip(files, attachments).filter { !entities.filesLinked.contains($0.0.question) }.map { Identifier(id: $0.1.id, type: $0.1.type) }
        if !onIncident.isEmpty { links["attachments"] = onIncident }
        var attributes: [String: Value] = [
                "externalReferenceId": .text("SingleOnlineHome"),
                "forceIdentifier": .text(report.force),
                "category": .text(report.form),
                "formVersion": .int(report.version),
                "language": .text(report.language),
                "submissionId": .text(submission.id),
                "customerReferenceNumber": .text(report.reference),
                "submitTime": .text(report.receivedAt),
                "submissionContent": .text(report.notice ? noticeText(report.routing) : content(report, definition: definition)),
                "answers": .answers(report.notice ? [:] : report.answers),
            ]
        if let routing = report.routing {
            // Who received it, who deals with it, and why it moved: the transfer record.
            attributes["routing"] = .object([
                "receivedBy": .text(routing.receivedBy), "owningForce": .text(routing.owningForce), "areaForce": .text(routing.areaForce),
                "area": .text(routing.area), "areaName": .text(routing.areaName), "action": .text(routing.action.rawValue),
                "role": .text(report.notice ? "receiver" : routing.role(of: report.force)), "reason": .text(routing.reason),
            ])
        }
        let document = Document(
            data: Resource(id: uuid(report.notice ? "transfer-notice" : "incident", report.reference), type: "incident", attributes: incident,
                           relationships: links.mapValues { Linkage(data: $0) }),
            included: [Resource(id: submission.id, type: submission.type, attributes: attributes)] + entities.included + attachments)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }

    /// An attachment's attributes: the file's name, kind, size, SHA-256 and scan, the question it
    /// answers, and the API path its bytes are fetched from; a withheld file says why instead.
    static func attachment(_ file: EvidenceFile, _ report: Report, _ definition: FormDefinition?) -> [String: Value] {
        var attributes: [String: Value] = [
            "fileName": .text(file.name), "fileSize": .int(Int(file.size)), "scanResult": .text(file.scan), "question": .text(file.question),
            "questionLabel": .text(definition?.question(file.question)?.label.text("en") ?? file.question),
        ]
        if let type = file.mediaType { attributes["contentType"] = .text(type) }
        if let digest = file.sha256 { attributes["sha256"] = .text(digest) }
        if let reason = file.withheld {
            attributes["withheldReason"] = .text(reason)
        } else {
            attributes["href"] = .text(file.path(force: report.force, reference: report.reference))
        }
        return attributes
    }

    /// A file in the report's text: what it is and where it is, or why it was withheld.
    static func fileLine(_ file: EvidenceFile, _ report: Report) -> String {
        if let reason = file.withheld { return "\(file.name): withheld, \(reason)" }
        return "\(file.name) (\(file.mediaType ?? "unknown kind"), \(file.size) bytes, SHA-256 \(file.sha256 ?? "not yet taken")): "
            + "GET \(file.path(force: report.force, reference: report.reference))"
    }

    /// What a transfer notice says, for the receiving force's staff.
    static func noticeText(_ routing: ReportRouting?) -> String {
        guard let routing else { return "" }
        return "Transfer notice. \(routing.reason) The report's answers went to \(routing.owningForce) and are not in this notice."
    }

    /// A UUID-shaped id that is always the same for a report, so retries and redeliveries carry it.
    static func uuid(_ kind: String, _ reference: String) -> String {
        var bytes = Array(SHA256.hash(data: Data("\(kind):\(reference)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5 style: name-based
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.string(bytes)
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
            for q in answered {
                if q.type == .file {
                    lines.append("\(q.label.text("en")):")
                    lines += report.evidence.filter { $0.question == q.id }.map { "  " + fileLine($0, report) }
                } else {
                    lines.append("\(q.label.text("en")): \(display(report.answers[q.id]!, question: q))")
                }
            }
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
