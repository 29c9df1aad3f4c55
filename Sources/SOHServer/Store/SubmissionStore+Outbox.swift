import Foundation
import SQLKit
import SOHModel
import SOHDelivery
import SOHForms

/// The delivery outbox: what the workers lease and record, and what operators and forces read.
extension SubmissionStore {
    public var announcesDeliveries: Bool { database.announces }

    public func watchForDeliveries(_ wake: @escaping @Sendable () async -> Void) async { await database.watch(wake) }

    public func lease(limit: Int, seconds: Double, now: Date) async throws -> [PendingDelivery] {
        let at = StoreTime.milliseconds(now), until = StoreTime.milliseconds(now.addingTimeInterval(seconds))
        let keys = try AnswerKeys.required(keys)
        return try await database.write { [dialect = database.dialect] db in
            let leased = try await db.raw("""
                UPDATE delivery SET lease_until = \(bind: until)
                WHERE id IN (SELECT id FROM delivery WHERE state = \(DeliveryState.pending) AND next_attempt_at <= \(bind: at)
                             AND (lease_until IS NULL OR lease_until <= \(bind: at))
                             -- A report goes once each of its files has been scanned (docs/evidence.md).
                             -- A confirmation to the person does not wait for them.
                             AND (kind = \(DeliveryKind.message) OR NOT EXISTS (
                               SELECT 1 FROM upload u WHERE u.submission_id = delivery.submission_id AND u.state = \(UploadState.scanning)))
                             ORDER BY next_attempt_at LIMIT \(bind: limit)
                             \(unsafeRaw: dialect.skipLocked))
                RETURNING id, submission_id, force, destination, address, kind, attempts
                """).all(decoding: Leased.self, with: Self.rows)
            guard !leased.isEmpty else { return [] }
            var reports: [Int64: StoredSubmission] = [:]
            var unopened: [Int64: String] = [:]
            for row in try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM submission WHERE id IN (\(binds: Set(leased.map(\.submissionId)).sorted()))
                """).all(decoding: SubmissionRow.self, with: Self.rows) {
                do {
                    reports[row.id] = try row.opened(keys)
                } catch let error as AnswerKeys.CannotOpen {
                    unopened[row.id] = error.description
                }
            }
            let files = try await Self.evidence(db, keys, ofSubmissions: reports.keys.sorted())
            for delivery in leased {
                guard let reason = unopened[delivery.submissionId] else { continue }
                // Said where operators look (soh deliveries show), and tried again later.
                try await db.raw("""
                    INSERT INTO delivery_attempt (delivery_id, at, outcome, http_status, milliseconds, detail)
                    VALUES (\(bind: delivery.id), \(bind: at), \(Attempt.Outcome.retry), NULL, 0, \(bind: reason))
                    """).run()
                try await db.raw("""
                    UPDATE delivery SET lease_until = NULL, next_attempt_at = \(bind: at + StoreTime.unopenedWait), last_error = \(bind: reason)
                    WHERE id = \(bind: delivery.id)
                    """).run()
            }
            return try leased.compactMap { delivery -> PendingDelivery? in
                // A purged report has nothing to send (its waiting deliveries were given up with it).
                guard let s = reports[delivery.submissionId], s.purgedAt == nil else { return nil }
                let answers = try JSONDecoder().decode([String: Answer].self, from: Data(s.answers.utf8))
                return PendingDelivery(id: delivery.id, destination: delivery.destination, address: delivery.address, attempts: delivery.attempts,
                                       message: delivery.kind == .message, report: .init(
                    reference: s.reference, force: delivery.force, form: s.form, version: s.version, language: s.language,
                    answers: answers, receivedAt: s.receivedAt, submittedAt: s.submittedAt, routing: s.routing, notice: delivery.kind == .notice,
                    evidence: delivery.kind == .notice ? [] : files[s.id] ?? []))
            }
        }
    }

    public func record(_ attempts: [RecordedAttempt]) async throws {
        try await database.write { db in
            for recorded in attempts {
                let (delivery, attempt) = (recorded.delivery, recorded.attempt)
                let now = StoreTime.milliseconds(recorded.at)
                try await db.raw("""
                    INSERT INTO delivery_attempt (delivery_id, at, outcome, http_status, milliseconds, detail)
                    VALUES (\(bind: delivery.id), \(bind: now), \(bind: attempt.outcome.rawValue), \(bind: attempt.status), \(bind: attempt.milliseconds),
                            \(bind: String(attempt.detail.prefix(1000))))
                    """).run()
                switch recorded.next {
                case .delivered(let reference):
                    try await db.raw("""
                        UPDATE delivery SET state = \(DeliveryState.delivered), attempts = attempts + 1, lease_until = NULL, finished_at = \(bind: now),
                          force_reference = \(bind: reference), last_error = NULL WHERE id = \(bind: delivery.id)
                        """).run()
                    try await Self.releaseHeld(db, after: delivery.id, now: now)
                case .retry(let when):
                    try await db.raw("""
                        UPDATE delivery SET attempts = attempts + 1, lease_until = NULL, next_attempt_at = \(bind: StoreTime.milliseconds(when)),
                          last_error = \(bind: attempt.detail) WHERE id = \(bind: delivery.id)
                        """).run()
                case .dead(let reason, let fallback):
                    try await db.raw("""
                        UPDATE delivery SET state = \(DeliveryState.dead), attempts = attempts + 1, lease_until = NULL, finished_at = \(bind: now),
                          last_error = \(bind: reason) WHERE id = \(bind: delivery.id)
                        """).run()
                    try await Self.releaseHeld(db, after: delivery.id, now: now)
                    if let fallback {
                        // The report goes to the fallback instead (once, however often this one dies).
                        try await db.raw("""
                            INSERT INTO delivery (id, submission_id, force, destination, kind, next_attempt_at, created_at, fallback_for)
                            SELECT \(bind: UUID().uuidString.lowercased()), submission_id, force, \(bind: fallback), kind, \(bind: now), \(bind: now), id
                            FROM delivery WHERE id = \(bind: delivery.id)
                            ON CONFLICT DO NOTHING
                            """).run()
                    }
                }
            }
        }
    }

    /// Releases the held deliveries of a report once a delivery to the force it was made to
    /// (`id`) is delivered or given up.
    static func releaseHeld(_ db: any SQLDatabase, after id: String, now: Int64) async throws {
        try await db.raw("""
            UPDATE delivery SET state = \(DeliveryState.pending), next_attempt_at = \(bind: now), last_error = NULL
            WHERE state = \(DeliveryState.held) AND submission_id IN (
              SELECT d.submission_id FROM delivery d JOIN submission s ON s.id = d.submission_id
              WHERE d.id = \(bind: id) AND d.force = s.force AND d.kind <> \(DeliveryKind.message))
            """).run()
    }

    /// Deliveries, newest first, of a force, a submission or a state (all when nil), at most
    /// `limit`: what operators list.
    public func deliveries(force: String? = nil, reference: String? = nil, state: DeliveryState? = nil, limit: Int = 2000) async throws -> [DeliveryStatus] {
        var query: SQLQueryString = "TRUE"
        if let force { query += " AND (s.force = \(bind: force) OR s.area_force = \(bind: force))" }
        if let reference { query += " AND s.reference = \(bind: reference.uppercased())" }
        if let state { query += " AND d.state = \(bind: state.rawValue)" }
        return try await statuses(query + " ORDER BY d.created_at DESC, d.id LIMIT \(bind: limit)")
    }

    /// Every delivery of these submissions (by row id), whatever their number, ordered by
    /// submission, force and destination: a page of reads or of an export, each report whole.
    public func deliveries(ofSubmissions ids: [Int64]) async throws -> [DeliveryStatus] {
        guard !ids.isEmpty else { return [] }
        return try await statuses("d.submission_id IN (\(binds: ids)) ORDER BY d.submission_id, d.force, d.destination, d.id")
    }

    func statuses(_ where: SQLQueryString) async throws -> [DeliveryStatus] {
        try await database.read { db in
            try await db.raw("""
                SELECT d.id, d.destination, d.state, d.attempts, d.next_attempt_at, d.finished_at, d.force_reference, d.last_error, d.fallback_for,
                       d.force AS to_force, d.kind, s.reference, s.force, s.form
                FROM delivery d JOIN submission s ON s.id = d.submission_id WHERE \(`where`)
                """).all(decoding: StatusRow.self, with: Self.rows).map(\.status)
        }
    }

    /// What became of a confirmation once Notify handed it on (its delivery-status callback,
    /// docs/messages.md): recorded as an attempt of the report's `message` delivery for `force`;
    /// a failure Notify gives up on makes it dead, never retried. False when there is no such
    /// confirmation.
    public func recordMessageStatus(force: String, reference: String, notification: String, status: String, now: Date) async throws -> Bool {
        let failed = ["permanent-failure", "temporary-failure", "technical-failure"].contains(status)
        let detail = "Notify \(notification.prefix(40)): \(status)" + (status == "permanent-failure" ? " (the address or number does not exist, or refuses it)" : "")
        let at = StoreTime.milliseconds(now)
        return try await database.write { db in
            guard let id = try await db.raw("""
                SELECT d.id FROM delivery d JOIN submission s ON s.id = d.submission_id
                WHERE s.reference = \(bind: reference) AND d.force = \(bind: force) AND d.kind = \(DeliveryKind.message)
                """).first(decodingColumn: "id", as: String.self) else { return false }
            try await db.raw("""
                INSERT INTO delivery_attempt (delivery_id, at, outcome, http_status, milliseconds, detail)
                VALUES (\(bind: id), \(bind: at), \(bind: (failed ? Attempt.Outcome.refused : Attempt.Outcome.delivered).rawValue), NULL, 0, \(bind: detail))
                """).run()
            if failed {
                try await db.raw("""
                    UPDATE delivery SET state = \(DeliveryState.dead), lease_until = NULL, finished_at = \(bind: at), last_error = \(bind: detail)
                    WHERE id = \(bind: id)
                    """).run()
            }
            return true
        }
    }

    public func attempts(delivery id: String) async throws -> [AttemptRecord] {
        try await database.read { db in
            try await db.raw("""
                SELECT at, outcome, http_status, milliseconds, detail FROM delivery_attempt WHERE delivery_id = \(bind: id) ORDER BY id
                """).all().map { row in
                AttemptRecord(at: StoreTime.iso(try row.decode(column: "at", as: Int64.self)), outcome: try row.decode(column: "outcome", as: Attempt.Outcome.self),
                              status: try row.decode(column: "http_status", as: Int?.self), milliseconds: try row.decode(column: "milliseconds", as: Int.self),
                              detail: try row.decode(column: "detail", as: String.self))
            }
        }
    }

    /// Puts a dead delivery back in the queue, due now; returns the force whose destination it
    /// is (for the audit log), nil when there is no dead delivery with that id.
    public func retry(delivery id: String, now: Date = Date()) async throws -> String? {
        try await database.write { [database] db in
            let force = try await db.raw("""
                UPDATE delivery SET state = \(DeliveryState.pending), next_attempt_at = \(bind: StoreTime.milliseconds(now)), lease_until = NULL,
                  finished_at = NULL
                WHERE id = \(bind: id.lowercased()) AND state = \(DeliveryState.dead)
                  AND submission_id IN (SELECT id FROM submission WHERE purged_at IS NULL) RETURNING force
                """).first(decodingColumn: "force", as: String.self)
            if force != nil { try await database.announce(in: db) }
            return force
        }
    }

    /// Makes a force's deliveries of reports received from the instant `since` up to `until` due
    /// again, delivered or dead, with their ids unchanged; `destination` limits it to one.
    /// Returns how many; with `dryRun`, only counts them. A purged report has nothing left to send.
    /// With `readdress`, each is sent where its destination sends now (the address its
    /// deliveries file gives), not where it did when the report was stored.
    public func redeliver(force: String, since: Date, until: Date, destination: String? = nil, readdress: String? = nil,
                          dryRun: Bool, now: Date = Date()) async throws -> Int {
        // The force's own destinations, for reports made to it or about its area.
        var which: SQLQueryString = """
            force = \(bind: force) AND state IN (\(DeliveryState.delivered), \(DeliveryState.dead)) AND submission_id IN (
              SELECT id FROM submission WHERE (force = \(bind: force) OR area_force = \(bind: force)) AND purged_at IS NULL
                AND received_at >= \(bind: StoreTime.iso(since)) AND received_at < \(bind: StoreTime.iso(until)))
            """
        if let destination { which += " AND destination = \(bind: destination)" }
        if dryRun {
            return try await database.read { [which] db in try await db.raw("SELECT COUNT(*) AS n FROM delivery WHERE \(which)").first(decodingColumn: "n", as: Int.self) ?? 0 }
        }
        let address: SQLQueryString = readdress.map { "\(bind: $0)" } ?? "address"
        return try await database.write { [database, which] db in
            let count = try await db.raw("""
                UPDATE delivery SET state = \(DeliveryState.pending), next_attempt_at = \(bind: StoreTime.milliseconds(now)), lease_until = NULL,
                  finished_at = NULL, address = \(address) WHERE \(which) RETURNING id
                """).all().count
            if count > 0 { try await database.announce(in: db) }
            return count
        }
    }

    /// How many deliveries wait (held ones among them), and since when the oldest of them has;
    /// when the oldest report not yet delivered everywhere (a delivery waiting or dead) was
    /// received.
    public func queueDepth() async throws -> QueueDepth {
        try await database.read { db in
            let waiting: SQLQueryString = "state IN (\(DeliveryState.pending), \(DeliveryState.held))"
            let depth = try await db.raw("""
                SELECT COUNT(*) FILTER (WHERE \(waiting)) AS waiting_count, COUNT(*) FILTER (WHERE state = \(DeliveryState.dead)) AS dead_count,
                       MIN(created_at) FILTER (WHERE \(waiting)) AS oldest
                FROM delivery
                """).first()
            let undelivered = try await db.raw("""
                SELECT MIN(s.received_at) AS oldest FROM submission s WHERE s.purged_at IS NULL
                  AND EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = s.id AND d.state <> \(DeliveryState.delivered))
                """).first(decodingColumn: "oldest", as: String?.self) ?? nil
            return QueueDepth(pending: try depth?.decode(column: "waiting_count", as: Int.self) ?? 0,
                              dead: try depth?.decode(column: "dead_count", as: Int.self) ?? 0,
                              oldestPending: try depth?.decode(column: "oldest", as: Int64?.self).map { StoreTime.date(milliseconds: $0) },
                              oldestUndelivered: StoreTime.date(undelivered))
        }
    }
}
