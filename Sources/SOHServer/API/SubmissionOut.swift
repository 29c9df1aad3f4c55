import Foundation
import SOHModel
import SOHForms
import SOHDelivery

extension SubmissionAPI {
    /// A submission as a force reads it back (the API and `soh submissions export`, whose lines
    /// `soh submissions import` reads).
    public struct SubmissionOut: Codable, Sendable {
        var reference: String
        /// The force the report was made to (whose reference it carries), whichever force reads
        /// it: an import keeps it, so a report about another force's area stays as it was.
        var force: String?
        var form: String, version: Int, language: String, receivedAt: String
        var startedAt: String?, submittedAt: String?
        var answers: [String: Answer]
        /// When the answers were purged under the retention rules (docs/privacy.md): `answers`
        /// is then empty, and the rest is as it was.
        var purgedAt: String?
        /// Where it was delivered: each destination's state, attempts and the force's own reference.
        var deliveries: [Receipt]?
        /// Set when it is about another force's area: who received it, who owns it, and what
        /// the reading force is to it (docs/routing.md).
        var routing: Routing?
        /// True when the answers are another force's to read: the force a report was made to
        /// and transferred sees the transfer, not the answers.
        var answersWithheld: Bool?
        /// The files that came with it (docs/evidence.md), each fetched from `path`.
        var evidence: [Evidence]?

        /// A file as `EvidenceFile` lists it, with `path` beside its fields.
        public struct Evidence: Codable, Sendable {
            var file: EvidenceFile
            /// Where its bytes are fetched with the force's token; absent when it was withheld.
            var path: String?

            init(_ file: EvidenceFile, reference: String, reader: String) {
                self.file = file
                path = file.withheld == nil ? file.path(force: reader, reference: reference) : nil
            }

            enum Keys: String, CodingKey { case path }

            public init(from decoder: any Decoder) throws {
                file = try EvidenceFile(from: decoder)
                path = try decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .path)
            }

            public func encode(to encoder: any Encoder) throws {
                try file.encode(to: encoder)
                var container = encoder.container(keyedBy: Keys.self)
                try container.encodeIfPresent(path, forKey: .path)
            }
        }

        public struct Receipt: Codable, Sendable {
            /// The delivery's id, sent with every attempt (receivers de-duplicate on it).
            var id: String
            var destination: String, state: String, attempts: Int
            var forceReference: String?, lastError: String?
            /// The force whose destination it is, when not the one the report was made to.
            var force: String?
            /// A transfer notice rather than the report.
            var notice: Bool?
            /// A confirmation to the person who reported (docs/messages.md) rather than the report.
            var message: Bool?
            /// Waiting until the delivery to the force the report was made to has ended (a
            /// missing person report about another force's area): never sent before.
            var held: Bool?
        }

        public struct Routing: Codable, Sendable {
            var receivedBy: String, owningForce: String, areaForce: String, area: String, areaName: String
            var action: String, role: String?, reason: String
        }

        /// Throws when the stored answers cannot be read: never shown as an empty set. `reader`
        /// is the force whose token reads it (nil for an operator's export: everything).
        public init(_ s: StoredSubmission, deliveries: [DeliveryStatus]? = nil, reader: String? = nil, evidence: [EvidenceFile] = []) throws {
            reference = s.reference; force = s.force; form = s.form; version = s.version; language = s.language; receivedAt = s.receivedAt
            startedAt = s.startedAt; submittedAt = s.submittedAt; purgedAt = s.purgedAt
            let withheld = reader != nil && s.routing.map { $0.action == .transfer && $0.receivedBy == reader } == true
            answers = s.purgedAt == nil && !withheld ? try JSONDecoder().decode([String: Answer].self, from: Data(s.answers.utf8)) : [:]
            answersWithheld = withheld ? true : nil
            // A purged report's files went with its answers.
            let files = withheld || s.purgedAt != nil ? [] : evidence.map { Evidence($0, reference: s.reference, reader: reader ?? s.force) }
            self.evidence = files.isEmpty ? nil : files
            routing = s.routing.map {
                Routing(receivedBy: $0.receivedBy, owningForce: $0.owningForce, areaForce: $0.areaForce, area: $0.area, areaName: $0.areaName,
                        action: $0.action.rawValue, role: reader.map($0.role(of:)), reason: $0.reason)
            }
            self.deliveries = deliveries?.filter { $0.reference == s.reference }.sorted { ($0.toForce ?? "", $0.destination) < ($1.toForce ?? "", $1.destination) }.map {
                // Another force's deliveries: whether they arrived and its reference, not its systems' errors.
                let own = reader == nil || ($0.toForce ?? s.force) == reader
                return Receipt(id: $0.id, destination: $0.destination, state: $0.state.shown, attempts: $0.attempts, forceReference: $0.forceReference,
                               lastError: $0.state == .delivered || !own ? nil : $0.lastError, force: $0.toForce,
                               notice: $0.kind == .notice ? true : nil, message: $0.kind == .message ? true : nil, held: $0.state == .held ? true : nil)
            }
        }

        /// The submission for another database, as exported for `force`: made to that force or
        /// about its area (else `Refused`). An export from before the force was written carries
        /// it in its routing, or was made to `force`. Times are checked and stored in one form.
        public func imported(force: String) throws -> ImportedSubmission {
            let receivedBy = self.force ?? routing?.receivedBy ?? force
            guard receivedBy == force || routing?.areaForce == force else {
                throw Refused(message: "\(reference) was made to \(receivedBy), not to \(force) or about its area")
            }
            guard Identifier.isValid(receivedBy) else { throw Refused(message: "'\(Escape.line(receivedBy, limit: 60))' is not a force id") }
            guard let received = StoreTime.normalised(receivedAt) else {
                throw Refused(message: "receivedAt '\(Escape.line(receivedAt, limit: 60))' is not a time in ISO 8601 with its zone")
            }
            for (name, value) in [("startedAt", startedAt), ("submittedAt", submittedAt), ("purgedAt", purgedAt)] {
                if let value, StoreTime.date(value) == nil {
                    throw Refused(message: "\(name) '\(Escape.line(value, limit: 60))' is not a time in ISO 8601 with its zone")
                }
            }
            var stored = StoredSubmission(id: 0, reference: reference, force: receivedBy, form: form, version: version, language: language,
                                          answers: purgedAt == nil ? try SubmissionAPI.canonicalJSON(answers) : "", receivedAt: received,
                                          startedAt: startedAt, submittedAt: submittedAt, purgedAt: purgedAt.flatMap(StoreTime.normalised))
            stored.routing = try routing.map { r in
                guard let action = FormDefinition.Routing(rawValue: r.action) else {
                    throw Refused(message: "routing action '\(Escape.line(r.action, limit: 60))' is neither transfer nor notify")
                }
                return ReportRouting(receivedBy: receivedBy, areaForce: r.areaForce, area: r.area, areaName: r.areaName, action: action)
            }
            if let area = routing?.areaForce, !Identifier.isValid(area) {
                throw Refused(message: "routing areaForce '\(Escape.line(area, limit: 60))' is not a force id")
            }
            return ImportedSubmission(submission: stored, deliveries: try (deliveries ?? []).map {
                // The id names a directory destination's file and goes into every attempt's
                // headers: only an id as the stores make them (a UUID), never a path.
                guard $0.id.count == 36, UUID(uuidString: $0.id) != nil, $0.id == $0.id.lowercased() else {
                    throw Refused(message: "delivery id '\(Escape.line($0.id, limit: 60))' is not a delivery id (a UUID, as exports write them)")
                }
                if let to = $0.force, !Identifier.isValid(to) {
                    throw Refused(message: "delivery \($0.id): '\(Escape.line(to, limit: 60))' is not a force id")
                }
                guard let state = DeliveryState(shown: $0.state, held: $0.held) else {
                    throw Refused(message: "delivery \($0.id): the state '\(Escape.line($0.state, limit: 60))' is not pending, delivered or dead")
                }
                return DeliveryStatus(id: $0.id, reference: reference, force: receivedBy, form: form, destination: $0.destination, state: state,
                                      attempts: $0.attempts, forceReference: $0.forceReference, lastError: $0.lastError, toForce: $0.force,
                                      kind: $0.message == true ? .message : $0.notice == true ? .notice : .report)
            })
        }

        /// A line of an export that cannot be imported as it is.
        public struct Refused: Error, CustomStringConvertible {
            public var message: String
            public var description: String { message }
        }
    }
}
