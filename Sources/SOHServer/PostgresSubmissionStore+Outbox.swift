import Foundation
import SOHModel
import Logging
import PostgresNIO
import SOHDelivery
import SOHForms

/// The delivery outbox in PostgreSQL. Workers in several instances lease with `FOR UPDATE SKIP
/// LOCKED`: each due delivery goes to one of them, and one that dies lets its leases expire.
extension PostgresSubmissionStore {
    /// The channel on which new due deliveries are announced to every instance's worker.
    static let channel = "soh_deliveries"

    /// Tells every listening worker that deliveries fell due (sent when the transaction commits).
    static func announce(_ db: PostgresConnection, logger: Logger) async throws {
        try await db.query("SELECT pg_notify(\(channel), '')", logger: logger)
    }

    public var announcesDeliveries: Bool { true }

    /// Listens on one connection of the pool for as long as the worker runs; when the connection
    /// is lost (a restart, a failover), listens again on another, waking the worker each time
    /// in case something was announced meanwhile.
    public func watchForDeliveries(_ wake: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        await wake()
                        for try await _ in notifications { await wake() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("not listening for new deliveries (polling meanwhile): \(Self.describe(error))")
            }
            try? await Task.sleep(for: .seconds(2))
        }
    }

    public func lease(limit: Int, seconds: Double, now: Date) async throws -> [PendingDelivery] {
        let at = StoreTime.milliseconds(now), until = StoreTime.milliseconds(now.addingTimeInterval(seconds))
        let keys = try AnswerKeys.required(keys)
        return try await client.withTransaction(logger: logger) { db in
            let leased = try await db.query("""
                UPDATE delivery SET lease_until = \(until)
                WHERE id IN (SELECT id FROM delivery WHERE state = 'pending' AND next_attempt_at <= \(at)
                             AND (lease_until IS NULL OR lease_until <= \(at)) ORDER BY next_attempt_at LIMIT \(limit)
                             FOR UPDATE SKIP LOCKED)
                RETURNING id, submission_id, destination, attempts, force, kind
                """, logger: logger).decode((String, Int64, String, Int, String, String).self).array()
            guard !leased.isEmpty else { return [] }
            var reports: [Int64: StoredSubmission] = [:]
            var unopened: [Int64: String] = [:]
            for try await row in try await db.query("""
                SELECT \(unescaped: Self.columns) FROM submission WHERE id = ANY(\(leased.map(\.1)))
                """, logger: logger) {
                do {
                    let s = try Self.submission(row, keys)
                    reports[s.id] = s
                } catch let error as AnswerKeys.CannotOpen {
                    unopened[try row.decode((Int64).self)] = error.description
                }
            }
            for (id, submission, _, _, _, _) in leased {
                guard let reason = unopened[submission] else { continue }
                // Said where operators look (soh deliveries show), and tried again later.
                try await db.query("""
                    INSERT INTO delivery_attempt (delivery_id, at, outcome, http_status, milliseconds, detail)
                    VALUES (\(id), \(at), 'retry', NULL, 0, \(reason))
                    """, logger: logger)
                try await db.query("""
                    UPDATE delivery SET lease_until = NULL, next_attempt_at = \(at + StoreTime.unopenedWait), last_error = \(reason) WHERE id = \(id)
                    """, logger: logger)
            }
            return try leased.compactMap { id, submission, destination, attempts, force, kind -> PendingDelivery? in
                // A purged report has nothing to send (its waiting deliveries were given up with it).
                guard let s = reports[submission], s.purgedAt == nil else { return nil }
                let answers = try JSONDecoder().decode([String: Answer].self, from: Data(s.answers.utf8))
                return PendingDelivery(id: id, destination: destination, attempts: attempts, report: .init(
                    reference: s.reference, force: force, form: s.form, version: s.version, language: s.language,
                    answers: answers, receivedAt: s.receivedAt, submittedAt: s.submittedAt, routing: s.routing, notice: kind == "notice"))
            }
        }
    }

    public func record(_ attempts: [RecordedAttempt]) async throws {
        try await client.withTransaction(logger: logger) { db in
            for recorded in attempts {
                let (delivery, attempt) = (recorded.delivery, recorded.attempt)
                let now = StoreTime.milliseconds(recorded.at)
                try await db.query("""
                    INSERT INTO delivery_attempt (delivery_id, at, outcome, http_status, milliseconds, detail)
                    VALUES (\(delivery.id), \(now), \(attempt.outcome.rawValue), \(attempt.status), \(attempt.milliseconds), \(String(attempt.detail.prefix(1000))))
                    """, logger: logger)
                switch recorded.next {
                case .delivered(let reference):
                    try await db.query("""
                        UPDATE delivery SET state = 'delivered', attempts = attempts + 1, lease_until = NULL, finished_at = \(now),
                          force_reference = \(reference), last_error = NULL WHERE id = \(delivery.id)
                        """, logger: logger)
                    try await Self.releaseHeld(db, after: delivery.id, now: now, logger: logger)
                case .retry(let when):
                    try await db.query("""
                        UPDATE delivery SET attempts = attempts + 1, lease_until = NULL, next_attempt_at = \(StoreTime.milliseconds(when)),
                          last_error = \(attempt.detail) WHERE id = \(delivery.id)
                        """, logger: logger)
                case .dead(let reason, let fallback):
                    try await db.query("""
                        UPDATE delivery SET state = 'dead', attempts = attempts + 1, lease_until = NULL, finished_at = \(now),
                          last_error = \(reason) WHERE id = \(delivery.id)
                        """, logger: logger)
                    try await Self.releaseHeld(db, after: delivery.id, now: now, logger: logger)
                    if let fallback {
                        // The report goes to the fallback instead (once, however often this one dies).
                        try await db.query("""
                            INSERT INTO delivery (id, submission_id, force, destination, kind, next_attempt_at, created_at, fallback_for)
                            SELECT \(UUID().uuidString.lowercased()), submission_id, force, \(fallback), kind, \(now), \(now), id FROM delivery WHERE id = \(delivery.id)
                            ON CONFLICT DO NOTHING
                            """, logger: logger)
                    }
                }
            }
        }
    }

    static func releaseHeld(_ db: PostgresConnection, after id: String, now: Int64, logger: Logger) async throws {
        var query = PostgresQuery(unsafeSQL: StoreTime.releaseHeldSQL)
        query.binds.append(now, context: .default)
        query.binds.append(id, context: .default)
        try await db.query(query, logger: logger)
    }

    public func deliveries(force: String?, reference: String?, state: String?, limit: Int) async throws -> [DeliveryStatus] {
        try await statuses("""
            SELECT \(unescaped: Self.statusColumns) FROM delivery d JOIN submission s ON s.id = d.submission_id
            WHERE (\(force)::text IS NULL OR s.force = \(force) OR s.area_force = \(force))
              AND (\(reference?.uppercased())::text IS NULL OR s.reference = \(reference?.uppercased()))
              AND (\(state)::text IS NULL OR d.state = \(state))
            ORDER BY d.created_at DESC, d.id LIMIT \(limit)
            """)
    }

    public func deliveries(ofSubmissions ids: [Int64]) async throws -> [DeliveryStatus] {
        guard !ids.isEmpty else { return [] }
        return try await statuses("""
            SELECT \(unescaped: Self.statusColumns) FROM delivery d JOIN submission s ON s.id = d.submission_id
            WHERE d.submission_id = ANY(\(ids)) ORDER BY d.submission_id, d.force, d.destination, d.id
            """)
    }

    static let statusColumns = """
        d.id, s.reference, s.force, s.form, d.destination, d.state, d.attempts, d.next_attempt_at, d.finished_at,
        d.force_reference, d.last_error, d.fallback_for, d.force, d.kind
        """

    /// Deliveries from a query of `statusColumns`.
    func statuses(_ query: PostgresQuery) async throws -> [DeliveryStatus] {
        var result: [DeliveryStatus] = []
        let rows = try await client.query(query, logger: logger)
        for try await (id, ref, force, form, destination, state, attempts, next, finished, forceReference, lastError, fallbackFor, toForce, kind)
            in rows.decode((String, String, String, String, String, String, Int, Int64, Int64?, String?, String?, String?, String, String).self) {
            let held = state == "pending" && next == StoreTime.held
            result.append(DeliveryStatus(id: id, reference: ref, force: force, form: form, destination: destination, state: state,
                                         attempts: attempts, nextAttemptAt: state == "pending" && !held ? StoreTime.iso(next) : nil,
                                         finishedAt: finished.map(StoreTime.iso), forceReference: forceReference,
                                         lastError: lastError, fallbackFor: fallbackFor,
                                         toForce: toForce == force ? nil : toForce, notice: kind == "notice" ? true : nil, held: held ? true : nil))
        }
        return result
    }

    public func attempts(delivery id: String) async throws -> [AttemptRecord] {
        var result: [AttemptRecord] = []
        let rows = try await client.query("""
            SELECT at, outcome, http_status, milliseconds, detail FROM delivery_attempt WHERE delivery_id = \(id) ORDER BY id
            """, logger: logger)
        for try await (at, outcome, status, milliseconds, detail) in rows.decode((Int64, String, Int?, Int, String).self) {
            result.append(AttemptRecord(at: StoreTime.iso(at), outcome: outcome, status: status, milliseconds: milliseconds, detail: detail))
        }
        return result
    }

    public func retry(delivery id: String, now: Date) async throws -> String? {
        try await client.withTransaction(logger: logger) { db in
            let changed = try await db.query("""
                UPDATE delivery SET state = 'pending', next_attempt_at = \(StoreTime.milliseconds(now)), lease_until = NULL, finished_at = NULL
                WHERE id = \(id.lowercased()) AND state = 'dead'
                  AND submission_id IN (SELECT id FROM submission WHERE purged_at IS NULL) RETURNING force
                """, logger: logger).decode(String.self).array()
            if !changed.isEmpty { try await Self.announce(db, logger: logger) }
            return changed.first
        }
    }

    public func redeliver(force: String, since: Date, until: Date, destination: String?, dryRun: Bool, now: Date) async throws -> Int {
        let (since, until) = (StoreTime.iso(since), StoreTime.iso(until))
        if dryRun {
            return try await client.query("""
                SELECT COUNT(*) FROM delivery
                WHERE force = \(force)
                  AND submission_id IN (SELECT id FROM submission WHERE (force = \(force) OR area_force = \(force)) AND received_at >= \(since) AND received_at < \(until) AND purged_at IS NULL)
                  AND state != 'pending' AND (\(destination)::text IS NULL OR destination = \(destination))
                """, logger: logger).decode(Int.self).array().first ?? 0
        }
        return try await client.withTransaction(logger: logger) { db in
            let count = try await db.query("""
                UPDATE delivery SET state = 'pending', next_attempt_at = \(StoreTime.milliseconds(now)), lease_until = NULL, finished_at = NULL
                WHERE force = \(force)
                  AND submission_id IN (SELECT id FROM submission WHERE (force = \(force) OR area_force = \(force)) AND received_at >= \(since) AND received_at < \(until) AND purged_at IS NULL)
                  AND state != 'pending' AND (\(destination)::text IS NULL OR destination = \(destination))
                RETURNING id
                """, logger: logger).decode(String.self).array().count
            if count > 0 { try await Self.announce(db, logger: logger) }
            return count
        }
    }

    public func queueDepth() async throws -> QueueDepth {
        let rows = try await client.query("""
            SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'dead'),
                   MIN(created_at) FILTER (WHERE state = 'pending')
            FROM delivery
            """, logger: logger).decode((Int, Int, Int64?).self).array()
        let (pending, dead, oldest) = rows.first ?? (0, 0, nil)
        let undelivered = try await client.query(PostgresQuery(unsafeSQL: StoreTime.oldestUndeliveredSQL), logger: logger)
            .decode(String?.self).array().first ?? nil
        return QueueDepth(pending: pending, dead: dead, oldestPending: oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) },
                          oldestUndelivered: StoreTime.date(undelivered))
    }
}
