import SQLKit
import SOHModel

/// The rows the store's queries give, decoded by column name (snake case in the tables).
extension SubmissionStore {
    static let rows = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)

    /// A row of `columns` (a submission).
    struct SubmissionRow: Decodable {
        var id: Int64, reference: String, force: String, form: String, formVersion: Int, language: String
        var answers: String, answersKey: String?, receivedAt: String, startedAt: String?, submittedAt: String?, purgedAt: String?
        var area: String?, areaName: String?, areaForce: String?, routing: String?

        /// The submission with its answers opened; answers that cannot be opened are an error,
        /// never empty answers.
        func opened(_ keys: AnswerKeys) throws -> StoredSubmission {
            var stored = StoredSubmission(id: id, reference: reference, force: force, form: form, version: formVersion, language: language,
                                          answers: try keys.open(answers, keyID: answersKey, force: force, reference: reference),
                                          receivedAt: receivedAt, startedAt: startedAt, submittedAt: submittedAt, purgedAt: purgedAt)
            stored.routing = StoredRouting.read(receivedBy: force, area: area, areaName: areaName, areaForce: areaForce, action: routing)
            return stored
        }
    }

    /// A delivery as `lease` takes it.
    struct Leased: Decodable {
        var id: String, submissionId: Int64, force: String, destination: String, address: String?, kind: DeliveryKind, attempts: Int
    }

    /// A delivery with its report's reference, force and form.
    struct StatusRow: Decodable {
        var id: String, destination: String, state: DeliveryState, attempts: Int, nextAttemptAt: Int64, finishedAt: Int64?
        var forceReference: String?, lastError: String?, fallbackFor: String?, toForce: String, kind: DeliveryKind
        var reference: String, force: String, form: String

        var status: DeliveryStatus {
            DeliveryStatus(id: id, reference: reference, force: force, form: form, destination: destination, state: state, attempts: attempts,
                           nextAttemptAt: state == .pending ? StoreTime.iso(nextAttemptAt) : nil, finishedAt: finishedAt.map(StoreTime.iso),
                           forceReference: forceReference, lastError: lastError, fallbackFor: fallbackFor,
                           toForce: toForce == force ? nil : toForce, kind: kind)
        }
    }
}
