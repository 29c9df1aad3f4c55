import Foundation
import SOHModel
import Logging
import Metrics
import ServiceLifecycle
import SOHForms

/// Sends what the outbox holds: leases due deliveries, attempts several at once, records each
/// attempt, and schedules the next from the retry schedule (or `Retry-After`), until delivered
/// or dead. Runs inside `soh api`; any number of workers may share one outbox.
public struct DeliveryWorker: Service {
    let queue: any DeliveryQueue
    let config: DeliveryConfig
    let sender: DeliverySender
    let forms: [String: FormDefinition]
    let logger: Logger
    let doorbell: Doorbell
    let log: AttemptLog
    /// How confirmations to people are worded (docs/messages.md); nil when this worker sends none.
    public var confirmation: Confirmation?
    /// How many deliveries are attempted at once.
    public var concurrency = 16
    /// How long a leased delivery is kept from other workers: longer than it can wait and take (the
    /// round under way, then its own attempt, each bounded by the timeout); a crashed worker's
    /// deliveries are taken again after it.
    public var leaseSeconds: Double
    /// How often the outbox is looked at when nothing wakes the worker: often when only this
    /// process's own submissions ring it, seldom when the database announces new deliveries
    /// from every instance (PostgreSQL's LISTEN/NOTIFY) and polling only finds retries due.
    public var pollSeconds: Double

    public init(queue: any DeliveryQueue, config: DeliveryConfig, sender: DeliverySender, forms: [String: FormDefinition],
                logger: Logger, doorbell: Doorbell) {
        self.queue = queue
        self.config = config
        self.sender = sender
        self.forms = forms
        self.logger = logger
        self.doorbell = doorbell
        log = AttemptLog(queue: queue)
        leaseSeconds = 2 * config.timeout + 30
        pollSeconds = queue.announcesDeliveries ? 5 : 0.5
    }

    public func run() async throws {
        // Deliveries written by other instances ring the doorbell too.
        let watcher = Task { [queue, doorbell] in await queue.watchForDeliveries { await doorbell.ring() } }
        defer { watcher.cancel() }
        // Attempts run `concurrency` at a time, and the next deliveries are leased while the
        // last are being attempted, so the senders never wait for the slowest of a batch. On
        // SIGTERM the loop stops leasing: attempts under way are finished and recorded (if the
        // process dies first, their leases expire and they are tried again).
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let batch: [PendingDelivery]
                do {
                    // Bounded: a database that is down makes the worker wait and try again, and a
                    // SIGTERM meanwhile is not held up by it. One round at a time, so that a leased
                    // delivery waits for at most the round under way before its own attempt.
                    batch = try await TimeLimit.within(30) { [queue, concurrency, leaseSeconds] in
                        try await queue.lease(limit: concurrency, seconds: leaseSeconds, now: Date())
                    }
                } catch {
                    logger.error("cannot read the outbox: \(error)")
                    try? await Task.sleep(for: .seconds(2))
                    continue
                }
                if batch.isEmpty {
                    if running > 0 {
                        // Look again when an attempt ends (its retry, or more work, may be due).
                        await group.next()
                        running -= 1
                    } else {
                        // Until a new submission rings, or the next poll (retries fall due by time).
                        await doorbell.wait(seconds: pollSeconds)
                    }
                    continue
                }
                for delivery in batch {
                    if running >= concurrency { await group.next(); running -= 1 }
                    group.addTask { await self.attempt(delivery) }
                    running += 1
                }
            }
        }
    }

    /// One attempt and its record. Never throws: a failure to record leaves the lease to expire,
    /// and the delivery is attempted again (receivers de-duplicate on its id).
    func attempt(_ delivery: PendingDelivery) async {
        guard let destination = config.destination(force: delivery.report.force, name: delivery.destination) else {
            await record(delivery, Attempt(.refused, detail: "destination '\(delivery.destination)' is no longer configured for \(delivery.report.force)"))
            return
        }
        // An edited deliveries file does not move a stored report by itself: an operator does.
        if let stored = delivery.address, stored != destination.kind.address {
            await record(delivery, Attempt(.refused, detail: """
                '\(delivery.destination)' moved since the report was stored, from \(stored) to \(destination.kind.address): nothing was \
                sent (soh deliveries redeliver --force \(delivery.report.force) --to \(delivery.destination) … sends it there)
                """))
            return
        }
        let attempt: Attempt
        if delivery.message {
            if let confirmation, let recipient = confirmation.recipient(delivery.report) {
                attempt = await sender.sendMessage(confirmation, to: recipient, delivery: delivery, destination: destination)
            } else if confirmation == nil {
                attempt = Attempt(.retry, detail: "this worker cannot word confirmations (it was started without the site's interface strings)")
            } else {
                attempt = Attempt(.refused, detail: "the report names nowhere to send a confirmation")
            }
        } else {
            do {
                let body = try DeliveryDocument.make(delivery.report, definition: forms[delivery.report.form])
                attempt = await sender.send(body, delivery: delivery, to: destination)
            } catch {
                attempt = Attempt(.refused, detail: "the report could not be made into a document: \(error)")
            }
        }
        await record(delivery, attempt)
    }

    func record(_ delivery: PendingDelivery, _ attempt: Attempt) async {
        let now = Date()
        let tried = delivery.attempts + 1
        let next: NextStep
        switch attempt.outcome {
        case .delivered:
            next = .delivered(forceReference: attempt.forceReference)
        case .retry:
            // Retry-After is honoured, within the schedule: it never makes a delivery live longer.
            if let scheduled = config.retry.delay(after: tried) {
                next = .retry(at: now.addingTimeInterval(attempt.retryAfter.map { min(max($0, 0), 86400) } ?? scheduled))
            } else {
                next = .dead(reason: "gave up after \(tried) attempts: \(attempt.detail)", fallback: fallback(of: delivery))
            }
        case .refused:
            next = .dead(reason: attempt.detail, fallback: fallback(of: delivery))
        }
        do {
            try await log.record(RecordedAttempt(delivery: delivery, attempt: attempt, next: next, at: now))
            DeliveryMetrics.attempted(attempt.outcome, receivedAt: delivery.report.receivedAt, now: now)
        } catch {
            logger.error("cannot record an attempt of delivery \(delivery.id): \(error)")
        }
        // No personal data in the log: the reference, the destination and the outcome.
        logger.log(level: attempt.outcome == .delivered ? .info : .warning, "delivery attempt",
                   metadata: ["delivery": .string(delivery.id), "reference": .string(delivery.report.reference),
                              "destination": .string("\(delivery.report.force)/\(delivery.destination)"),
                              "outcome": .string(attempt.outcome.rawValue), "status": .string(attempt.status.map(String.init) ?? "-")])
    }

    func fallback(of delivery: PendingDelivery) -> String? {
        config.destination(force: delivery.report.force, name: delivery.destination)?.fallback
    }
}

/// Records attempts as they finish, several in one transaction: the first to finish is written
/// at once, and those finishing while it is written go together in the next (a group commit).
/// Under load, a worker needs one durable write for many attempts, not one each; each caller
/// still returns only once its attempt is durable.
actor AttemptLog {
    let queue: any DeliveryQueue
    private var waiting: [(RecordedAttempt, CheckedContinuation<String?, Never>)] = []
    private var writing = false

    init(queue: any DeliveryQueue) {
        self.queue = queue
    }

    struct NotRecorded: Error, CustomStringConvertible {
        var description: String
    }

    func record(_ attempt: RecordedAttempt) async throws {
        let failure: String? = await withCheckedContinuation { continuation in
            waiting.append((attempt, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
        if let failure { throw NotRecorded(description: failure) }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let group = waiting
            waiting = []
            var failure: String?
            do {
                try await TimeLimit.within(30) { [queue] in try await queue.record(group.map(\.0)) }
            } catch {
                failure = "\(error)"
            }
            for (_, continuation) in group { continuation.resume(returning: failure) }
        }
        writing = false
    }
}

/// Wakes a worker waiting for work: the API rings it after storing a submission with
/// deliveries, so the first attempt follows at once instead of at the next poll.
public actor Doorbell {
    private var waiting: CheckedContinuation<Void, Never>?
    private var rung = false

    public init() {}

    public func ring() {
        if let waiting {
            self.waiting = nil
            waiting.resume()
        } else {
            rung = true
        }
    }

    /// Returns when rung (or rung since the last wait), or after `seconds`.
    public func wait(seconds: Double) async {
        if rung {
            rung = false
            return
        }
        await withCheckedContinuation { continuation in
            waiting = continuation
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(seconds))
                await self?.ring()
            }
        }
        rung = false
    }
}

/// What the delivery worker counts, through swift-metrics (`soh api` exports it at `/metrics` in
/// the Prometheus text format).
public enum DeliveryMetrics {
    public static let attempts = "soh_delivery_attempts_total"
    public static let submitToDelivered = "soh_delivery_submit_to_delivered_seconds"
    public static let pending = "soh_delivery_pending"
    public static let dead = "soh_delivery_dead"
    public static let oldestPending = "soh_delivery_oldest_pending_seconds"
    /// Age of the oldest report not yet delivered everywhere: its answers are purged at the
    /// retention cap, so alert on this well before (docs/privacy.md).
    public static let oldestUndelivered = "soh_report_oldest_undelivered_seconds"

    static func attempted(_ outcome: Attempt.Outcome, receivedAt: String, now: Date) {
        Counter(label: attempts, dimensions: [("outcome", outcome.rawValue)]).increment()
        guard outcome == .delivered else { return }
        if let received = StoreTime.date(receivedAt) {
            Timer(label: submitToDelivered).recordNanoseconds(Int64(max(0, now.timeIntervalSince(received)) * 1e9))
        }
    }

    /// The queue as it stands, set just before each scrape.
    public static func queue(pending count: Int, dead deadCount: Int, oldestPendingSeconds: Int?, oldestUndeliveredSeconds: Int? = nil) {
        Gauge(label: pending).record(count)
        Gauge(label: dead).record(deadCount)
        Gauge(label: oldestPending).record(oldestPendingSeconds ?? 0)
        Gauge(label: oldestUndelivered).record(oldestUndeliveredSeconds ?? 0)
    }
}
