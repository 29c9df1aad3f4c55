import Foundation

/// A delivery taken from the outbox to be attempted: which report, where to, how many times
/// it was tried before.
public struct PendingDelivery: Sendable {
    /// The same on every attempt (and sent with each), so a receiver can tell a repeat.
    public var id: String
    public var destination: String
    /// Where the destination sent when the report was stored (`Kind.address`); nil for a
    /// delivery stored before addresses were kept, or made by a fallback: sent where the
    /// deliveries file says.
    public var address: String?
    public var attempts: Int
    /// A confirmation to the person who reported (docs/messages.md) rather than the report.
    public var message: Bool
    public var report: DeliveryDocument.Report

    public init(id: String, destination: String, address: String? = nil, attempts: Int, message: Bool = false, report: DeliveryDocument.Report) {
        self.message = message
        self.id = id
        self.destination = destination
        self.address = address
        self.attempts = attempts
        self.report = report
    }
}

/// What one attempt gave.
public struct Attempt: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// Stored by the force (a 201 from a Standard API, a 2xx from a webhook, a file written).
        case delivered
        /// A fault that may pass (5xx, 429, a timeout, a reset): tried again later.
        case retry
        /// Refused for good (a 4xx business error): not tried again by itself.
        case refused
    }

    public var outcome: Outcome
    /// The HTTP status, when there was a reply.
    public var status: Int?
    /// What happened, in words, with a capped excerpt of the reply.
    public var detail: String
    /// The force's own reference for the report, when its reply carried one.
    public var forceReference: String?
    /// Seconds the receiver asked to wait (`Retry-After`).
    public var retryAfter: Double?
    public var milliseconds: Int

    public init(_ outcome: Outcome, status: Int? = nil, detail: String, forceReference: String? = nil, retryAfter: Double? = nil, milliseconds: Int = 0) {
        self.outcome = outcome
        self.status = status
        self.detail = detail
        self.forceReference = forceReference
        self.retryAfter = retryAfter
        self.milliseconds = milliseconds
    }
}

/// One attempt as it is recorded: the delivery, what the attempt gave, what follows, and when.
public struct RecordedAttempt: Sendable {
    public var delivery: PendingDelivery
    public var attempt: Attempt
    public var next: NextStep
    public var at: Date

    public init(delivery: PendingDelivery, attempt: Attempt, next: NextStep, at: Date) {
        self.delivery = delivery
        self.attempt = attempt
        self.next = next
        self.at = at
    }
}

/// What happens to a delivery after an attempt.
public enum NextStep: Sendable, Equatable {
    case delivered(forceReference: String?)
    case retry(at: Date)
    /// No more attempts; `fallback` names the destination that takes the report instead.
    case dead(reason: String, fallback: String?)
}

/// The outbox as the workers see it. Deliveries are written with their submission, in the same
/// transaction, by the API; workers lease the due ones (a lease that expires, so a crashed
/// worker's deliveries are taken again) and record each attempt.
public protocol DeliveryQueue: Sendable {
    /// Up to `limit` deliveries due at `now`, leased for `seconds`.
    func lease(limit: Int, seconds: Double, now: Date) async throws -> [PendingDelivery]
    /// Records attempts and what follows each, all in one transaction; a dead delivery with a
    /// fallback adds a delivery to that destination.
    func record(_ attempts: [RecordedAttempt]) async throws
    /// Whether `watchForDeliveries` hears of deliveries added by other processes (then workers
    /// poll less often: polling is only the fallback, and for retries falling due by time).
    var announcesDeliveries: Bool { get }
    /// Calls `wake` whenever another process may have added due deliveries, until the task is
    /// cancelled; returns at once when the queue has no such signal.
    func watchForDeliveries(_ wake: @escaping @Sendable () async -> Void) async
}

extension DeliveryQueue {
    public var announcesDeliveries: Bool { false }
    public func watchForDeliveries(_ wake: @escaping @Sendable () async -> Void) async {}
}
