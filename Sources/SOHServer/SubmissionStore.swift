import Crypto
import Foundation
import SOHModel
import SOHDelivery
import SOHForms

/// Where submissions and their deliveries are kept, whichever database holds them: SQLite for
/// one machine (`SQLiteSubmissionStore`, the default). Every implementation behaves the same
/// (the shared store tests run against each): a submission and its deliveries are written in one
/// transaction and acknowledged only once durable; an idempotency key is unique per force.
public protocol SubmissionStore: DeliveryQueue {
    /// An error this store threw, in words for the log (the database's own where it gave some).
    static func describe(_ error: any Error) -> String
    /// Stores a submission and one delivery per destination; with an idempotency key already
    /// used by this force, returns the stored one when the content is the same and refuses it
    /// when it is not.
    func store(_ new: NewSubmission) async throws -> StoreOutcome
    /// A force's submissions, oldest first, after the `after` cursor and received at or after the
    /// instant `since`: those made to it and those about its area (`routing`).
    func list(force: String, since: Date?, after: Int64?, limit: Int) async throws -> [StoredSubmission]
    func get(force: String, reference: String) async throws -> StoredSubmission?
    func count() async throws -> Int
    /// Deliveries, newest first, of a force, a submission or a state (all when nil), at most
    /// `limit`: what operators list.
    func deliveries(force: String?, reference: String?, state: String?, limit: Int) async throws -> [DeliveryStatus]
    /// Every delivery of these submissions (by row id), whatever their number, ordered by
    /// submission, force and destination: a page of reads or of an export, each report whole.
    func deliveries(ofSubmissions ids: [Int64]) async throws -> [DeliveryStatus]
    func attempts(delivery id: String) async throws -> [AttemptRecord]
    /// Puts a dead delivery back in the queue, due now; returns the force whose destination it
    /// is (for the audit log), nil when there is no dead delivery with that id.
    func retry(delivery id: String, now: Date) async throws -> String?
    /// Makes a force's deliveries of reports received from the instant `since` up to `until` due
    /// again, delivered or dead, with their ids unchanged; `destination` limits it to one.
    /// Returns how many; with `dryRun`, only counts them.
    func redeliver(force: String, since: Date, until: Date, destination: String?, dryRun: Bool, now: Date) async throws -> Int
    /// How many deliveries wait, and since when the oldest of them has.
    func queueDepth() async throws -> QueueDepth
    /// Applied migrations, for the health check and tests.
    func appliedMigrations() async throws -> [String]
    /// The migrations this store applied when it was opened (none when another process had
    /// applied them), for `soh api migrate` to say what it did.
    var appliedAtOpen: [String] { get }
    /// Migrations this version knows and the database lacks (`/readyz` is not ready until none).
    func pendingMigrations() async throws -> [String]
    /// Adds a submission exported from another database (`soh submissions import`), keeping
    /// its reference, times and deliveries (with their ids, states and the force's references);
    /// false when a submission with that reference is already here.
    func importSubmission(_ submission: ImportedSubmission) async throws -> Bool
    /// Seals again, with the current key, up to `batch` submissions whose answers another key
    /// sealed, in one transaction; returns how many. Rows with no key id (from before answers
    /// were sealed) are sealed only with `sealUnsealed`, and are otherwise an error naming
    /// the first. `soh api rotate-key` calls it until it returns 0, so a rotation stopped
    /// half-way resumes.
    func reseal(batch: Int, sealUnsealed: Bool) async throws -> Int
    /// Purges the answers of submissions whose every delivery was confirmed before
    /// `rule.deliveredBefore` (received before it, when they had no destination), and of every
    /// submission received before `rule.receivedBefore` whatever became of it, marking its
    /// waiting deliveries dead; the rest of each row is kept. With `dryRun`, only counts.
    func purge(_ rule: Retention.Cutoffs, now: Date, dryRun: Bool) async throws -> Retention.Purged
    /// Why the database cannot be reached now, when that can be told quickly (a server that
    /// refuses connections); nil when it may be. Requests during an outage are answered at once
    /// rather than at the end of their time limit.
    func unreachable() async -> String?
    /// Appends an entry to the audit log, chained to the last (one writer at a time, whatever
    /// the number of instances).
    func audit(_ entry: AuditLog.Entry, now: Date) async throws
    /// Audit entries oldest first, after the id `after`: a force's, or all when `force` is nil.
    func auditRecords(force: String?, after: Int64?, limit: Int) async throws -> [AuditLog.Record]
}

extension SubmissionStore {
    public func list(force: String, since: Date? = nil, after: Int64? = nil) async throws -> [StoredSubmission] {
        try await list(force: force, since: since, after: after, limit: 50)
    }

    public func deliveries(force: String? = nil, reference: String? = nil, state: String? = nil) async throws -> [DeliveryStatus] {
        try await deliveries(force: force, reference: reference, state: state, limit: 2000)
    }

    public func retry(delivery id: String) async throws -> String? { try await retry(delivery: id, now: Date()) }

    public func redeliver(force: String, since: Date, until: Date, destination: String? = nil, dryRun: Bool) async throws -> Int {
        try await redeliver(force: force, since: since, until: until, destination: destination, dryRun: dryRun, now: Date())
    }
}

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

    public init(force: String, code: String, form: String, version: Int, language: String, answers: String,
                startedAt: String? = nil, submittedAt: String? = nil, idempotencyKey: String? = nil, destinations: [DeliveryTarget] = [],
                routing: ReportRouting? = nil) {
        self.routing = routing
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
    /// A transfer notice (no answers) rather than the report.
    public var notice: Bool
    /// Sent only once the force the report was made to has had it (delivered or given up):
    /// a missing person report reaches the force acting on it first.
    public var held: Bool

    public init(force: String? = nil, destination: String, notice: Bool = false, held: Bool = false) {
        self.force = force
        self.destination = destination
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

public enum StoreError: Error { case notStored }

extension SubmissionStore {
    public static func describe(_ error: any Error) -> String { "\(error)" }

    /// A database on this machine (SQLite) is never out of reach.
    public func unreachable() async -> String? { nil }
}

/// A delivery as operators and the force see it.
public struct DeliveryStatus: Sendable, Codable, Equatable {
    public var id: String
    public var reference: String
    public var force: String
    public var form: String
    public var destination: String
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: String?
    public var finishedAt: String?
    public var forceReference: String?
    public var lastError: String?
    public var fallbackFor: String?
    /// The force whose destination it is, when not the force the report was made to (a report
    /// about another force's area), and whether it is a transfer notice.
    public var toForce: String? = nil
    public var notice: Bool? = nil
    /// Waiting, never due by itself, until the force the report was made to has had its own
    /// delivery (a missing person report about another force's area).
    public var held: Bool? = nil

    public init(id: String, reference: String, force: String, form: String, destination: String, state: String, attempts: Int,
                nextAttemptAt: String? = nil, finishedAt: String? = nil, forceReference: String? = nil, lastError: String? = nil,
                fallbackFor: String? = nil, toForce: String? = nil, notice: Bool? = nil, held: Bool? = nil) {
        self.held = held
        self.toForce = toForce
        self.notice = notice
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
    }
}

public struct AttemptRecord: Sendable, Codable, Equatable {
    public var at: String
    public var outcome: String
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

    /// The due time of a delivery held until the force the report was made to has had its own
    /// (missing persons, docs/routing.md): never due by itself.
    static let held: Int64 = 9_000_000_000_000_000

    /// What a held delivery says while it waits for the delivery to `force`.
    static func waiting(for force: String) -> String { "waiting for the delivery to \(force)" }

    /// Releases the held deliveries of a report once a delivery to the force it was made to is
    /// delivered or given up (`?` the time, then that delivery's id): the SQL both stores run.
    static let releaseHeldSQL = """
        UPDATE delivery SET next_attempt_at = $1, last_error = NULL
        WHERE next_attempt_at = \(held) AND submission_id IN (
          SELECT d.submission_id FROM delivery d JOIN submission s ON s.id = d.submission_id WHERE d.id = $2 AND d.force = s.force)
        """

    /// The oldest report, not purged, with a delivery waiting or dead: the SQL both stores run.
    static let oldestUndeliveredSQL = """
        SELECT MIN(s.received_at) FROM submission s WHERE s.purged_at IS NULL
          AND EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = s.id AND d.state <> 'delivered')
        """
}
