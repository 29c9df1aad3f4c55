import Crypto
import Foundation
import SOHModel
import SOHDelivery
import SOHForms

/// One stored submission, as the API returns it to the force that owns it.
public struct StoredSubmission: Sendable, Codable, Equatable {
    public var id: Int64
    public var reference: String
    public var force: String
    public var form: String
    public var version: Int
    public var language: String
    /// The answers, as the JSON object that was validated.
    public var answers: String
    public var receivedAt: String
    public var startedAt: String?
    public var submittedAt: String?
    /// When the answers were purged (`Retention`); the answers are then empty, the rest kept.
    public var purgedAt: String?
    /// Set when it is about another force's area: which, and what became of it.
    public var routing: ReportRouting? = nil

    public init(id: Int64, reference: String, force: String, form: String, version: Int, language: String, answers: String,
                receivedAt: String, startedAt: String?, submittedAt: String?, purgedAt: String? = nil) {
        self.purgedAt = purgedAt
        self.id = id
        self.reference = reference
        self.force = force
        self.form = form
        self.version = version
        self.language = language
        self.answers = answers
        self.receivedAt = receivedAt
        self.startedAt = startedAt
        self.submittedAt = submittedAt
    }
}

public struct NewSubmission: Sendable {
    public var force: String
    public var code: String
    public var form: String
    public var version: Int
    public var language: String
    public var answers: String
    public var startedAt: String?
    public var submittedAt: String?
    public var idempotencyKey: String?
    /// The destinations to deliver it to, each a delivery written in the same transaction.
    public var destinations: [DeliveryTarget]
    /// Set when it is about another force's area (decided by `ReportRouting.decide`).
    public var routing: ReportRouting?
    /// The uploads its file questions name, joined to it in the same transaction.
    public var uploads: [String] = []

    public init(force: String, code: String, form: String, version: Int, language: String, answers: String,
                startedAt: String? = nil, submittedAt: String? = nil, idempotencyKey: String? = nil, destinations: [DeliveryTarget] = [],
                routing: ReportRouting? = nil, uploads: [String] = []) {
        self.routing = routing
        self.uploads = uploads
        self.destinations = destinations
        self.force = force
        self.code = code
        self.form = form
        self.version = version
        self.language = language
        self.answers = answers
        self.startedAt = startedAt
        self.submittedAt = submittedAt
        self.idempotencyKey = idempotencyKey
    }

    /// SHA-256 of what the person sent (form, version, language and the canonical answers),
    /// which a replay under the same idempotency key must match.
    public var requestDigest: String { Self.digest(form: form, version: version, language: language, answers: answers) }

    static func digest(form: String, version: Int, language: String, answers: String) -> String {
        let canonical = "\(form)\n\(version)\n\(language)\n\(answers)"
        return Hex.string(SHA256.hash(data: Data(canonical.utf8)))
    }
}

/// The routing columns of a submission row, read back.
enum StoredRouting {
    static func read(receivedBy: String, area: String?, areaName: String?, areaForce: String?, action: String?) -> ReportRouting? {
        guard let area, let areaForce, let action = action.flatMap(FormDefinition.Routing.init(rawValue:)) else { return nil }
        return ReportRouting(receivedBy: receivedBy, areaForce: areaForce, area: area, areaName: areaName ?? area, action: action)
    }
}

/// One delivery to write with a new submission: a destination of a force, and whether it
/// carries the report or only a transfer notice.
public struct DeliveryTarget: Sendable, Equatable, ExpressibleByStringLiteral {
    /// The force whose destination it is; nil for the force the report was made to.
    public var force: String?
    public var destination: String
    /// Where that destination sends now (`DeliveryConfig.Kind.address`), kept with the
    /// delivery: an edited deliveries file does not move it.
    public var address: String?
    /// A transfer notice (no answers) rather than the report.
    public var notice: Bool
    /// Sent only once the force the report was made to has had it (delivered or given up):
    /// a missing person report reaches the force acting on it first.
    public var held: Bool
    /// A confirmation to the person who reported, not a delivery to a force's system.
    public var message: Bool = false

    public var kind: DeliveryKind { message ? .message : notice ? .notice : .report }

    public init(force: String? = nil, destination: String, address: String? = nil, notice: Bool = false, held: Bool = false, message: Bool = false) {
        self.message = message
        self.force = force
        self.destination = destination
        self.address = address
        self.notice = notice
        self.held = held
    }

    public init(stringLiteral destination: String) { self.init(destination: destination) }
}

/// A submission as `soh submissions export` wrote it, to be imported into another database.
public struct ImportedSubmission: Sendable {
    public var submission: StoredSubmission
    public var deliveries: [DeliveryStatus]

    public init(submission: StoredSubmission, deliveries: [DeliveryStatus]) {
        self.submission = submission
        self.deliveries = deliveries
    }
}

/// What storing a submission did.
public enum StoreOutcome: Sendable, Equatable {
    /// Stored now.
    case created(StoredSubmission)
    /// Already stored under the same idempotency key with the same content: stored once.
    case replayed(StoredSubmission)
    /// The idempotency key was used before for other content; nothing was stored.
    case keyReused
}

public enum StoreError: Error {
    case notStored
    /// An upload the report names was taken by another report, or removed, meanwhile.
    case uploadGone
}

/// A delivery as operators and the force see it.
public struct DeliveryStatus: Sendable, Equatable {
    public var id: String
    public var reference: String
    /// The force the report was made to.
    public var force: String
    public var form: String
    public var destination: String
    public var state: DeliveryState
    public var attempts: Int
    public var nextAttemptAt: String?
    public var finishedAt: String?
    public var forceReference: String?
    public var lastError: String?
    public var fallbackFor: String?
    /// The force whose destination it is, when not the force the report was made to (a report
    /// about another force's area).
    public var toForce: String? = nil
    public var kind: DeliveryKind = .report

    public init(id: String, reference: String, force: String, form: String, destination: String, state: DeliveryState, attempts: Int,
                nextAttemptAt: String? = nil, finishedAt: String? = nil, forceReference: String? = nil, lastError: String? = nil,
                fallbackFor: String? = nil, toForce: String? = nil, kind: DeliveryKind = .report) {
        self.id = id
        self.reference = reference
        self.force = force
        self.form = form
        self.destination = destination
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.finishedAt = finishedAt
        self.forceReference = forceReference
        self.lastError = lastError
        self.fallbackFor = fallbackFor
        self.toForce = toForce
        self.kind = kind
    }
}

public struct AttemptRecord: Sendable, Equatable {
    public var at: String
    public var outcome: Attempt.Outcome
    public var status: Int?
    public var milliseconds: Int
    public var detail: String
}

/// The outbox at a glance, for `/healthz` and `/metrics`.
public struct QueueDepth: Sendable, Equatable {
    public var pending: Int
    public var dead: Int
    public var oldestPending: Date?
    /// When the oldest report not yet delivered everywhere (a delivery waiting or dead) was
    /// received: its answers go at the retention cap, so an alert on this comes well before.
    public var oldestUndelivered: Date? = nil
}

extension StoreTime {
    /// How long a delivery waits when the worker's keys cannot open its report's answers: it is
    /// not attempted (nor counted as an attempt), and the others go on.
    static let unopenedWait: Int64 = 300_000

    /// What a held delivery says while it waits for the delivery to `force`.
    static func waiting(for force: String) -> String { "waiting for the delivery to \(force)" }
}
