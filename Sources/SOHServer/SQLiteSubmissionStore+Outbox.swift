import Foundation
import SOHModel
import GRDB
import SOHDelivery
import SOHForms

/// The delivery outbox in SQLite: what the workers lease and record, and what operators and
/// forces read.
extension SQLiteSubmissionStore {
    public func lease(limit: Int, seconds: Double, now: Date) async throws -> [PendingDelivery] {
        let at = StoreTime.milliseconds(now), until = StoreTime.milliseconds(now.addingTimeInterval(seconds))
        let keys = try AnswerKeys.required(keys)
        return try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: """
                UPDATE delivery SET lease_until = ?
                WHERE id IN (SELECT id FROM delivery WHERE state = 'pending' AND next_attempt_at <= ?
                             AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at LIMIT ?)
                RETURNING id, submission_id, force, destination, kind, attempts
                """, arguments: [until, at, at, limit])
            var unopened: [(id: String, reason: String)] = []
            let leased = try rows.compactMap { row -> PendingDelivery? in
                let s: StoredSubmission
                do {
                    // A purged report has nothing to send (its waiting deliveries were given up with it).
                    guard let found = try Self.fetch(db, keys, "WHERE id = ?", [row["submission_id"] as Int64]).first, found.purgedAt == nil else { return nil }
                    s = found
                } catch let error as AnswerKeys.CannotOpen {
                    unopened.append((row["id"], error.description))
                    return nil
                }
                let answers = try JSONDecoder().decode([String: Answer].self, from: Data(s.answers.utf8))
                return PendingDelivery(id: row["id"], destination: row["destination"], attempts: row["attempts"], report: .init(
                    reference: s.reference, force: row["force"], form: s.form, version: s.version, language: s.language,
                    answers: answers, receivedAt: s.receivedAt, submittedAt: s.submittedAt, routing: s.routing, notice: row["kind"] == "notice"))
            }
            for (id, reason) in unopened {
                // Said where operators look (soh deliveries show), and tried again later.
                try db.execute(sql: """
                    INSERT INTO delivery_attempt (delivery_id, at, outcome, http_status, milliseconds, detail) VALUES (?, ?, 'retry', NULL, 0, ?)
                    """, arguments: [id, at, reason])
                try db.execute(sql: "UPDATE delivery SET lease_until = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?",
                               arguments: [at + StoreTime.unopenedWait, reason, id])
            }
            return leased
        }
    }

    public func record(_ attempts: [RecordedAttempt]) async throws {
        try await pool.write { db in
            for recorded in attempts { try Self.record(recorded, in: db) }
        }
    }

    /// `StoreTime.releaseHeldSQL` with SQLite's placeholders.
    static let releaseHeldSQL = StoreTime.releaseHeldSQL.replacingOccurrences(of: "$1", with: "?").replacingOccurrences(of: "$2", with: "?")

    static func record(_ recorded: RecordedAttempt, in db: Database) throws {
        let (delivery, attempt) = (recorded.delivery, recorded.attempt)
        let now = StoreTime.milliseconds(recorded.at)
        try db.execute(sql: """
            INSERT INTO delivery_attempt (delivery_id, at, outcome, http_status, milliseconds, detail) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [delivery.id, now, attempt.outcome.rawValue, attempt.status, attempt.milliseconds, String(attempt.detail.prefix(1000))])
        switch recorded.next {
        case .delivered(let reference):
            try db.execute(sql: """
                UPDATE delivery SET state = 'delivered', attempts = attempts + 1, lease_until = NULL, finished_at = ?,
                  force_reference = ?, last_error = NULL WHERE id = ?
                """, arguments: [now, reference, delivery.id])
            try db.execute(sql: releaseHeldSQL, arguments: [now, delivery.id])
        case .retry(let when):
            try db.execute(sql: """
                UPDATE delivery SET attempts = attempts + 1, lease_until = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?
                """, arguments: [StoreTime.milliseconds(when), attempt.detail, delivery.id])
        case .dead(let reason, let fallback):
            try db.execute(sql: """
                UPDATE delivery SET state = 'dead', attempts = attempts + 1, lease_until = NULL, finished_at = ?, last_error = ? WHERE id = ?
                """, arguments: [now, reason, delivery.id])
            try db.execute(sql: releaseHeldSQL, arguments: [now, delivery.id])
            if let fallback {
                // The report goes to the fallback instead (once, however often this one dies).
                try db.execute(sql: """
                    INSERT OR IGNORE INTO delivery (id, submission_id, force, destination, kind, next_attempt_at, created_at, fallback_for)
                    SELECT ?, submission_id, force, ?, kind, ?, ?, id FROM delivery WHERE id = ?
                    """, arguments: [UUID().uuidString.lowercased(), fallback, now, now, delivery.id])
            }
        }
    }

    public func deliveries(force: String?, reference: String?, state: String?, limit: Int) async throws -> [DeliveryStatus] {
        try await pool.read { db in
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if let force { clauses.append("(s.force = ? OR s.area_force = ?)"); args += [force, force] }
            if let reference { clauses.append("s.reference = ?"); args.append(reference.uppercased()) }
            if let state { clauses.append("d.state = ?"); args.append(state) }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: """
                SELECT \(Self.deliveryColumns), s.reference, s.force, s.form FROM delivery d JOIN submission s ON s.id = d.submission_id
                \(filter) ORDER BY d.created_at DESC, d.id LIMIT ?
                """, arguments: StatementArguments(args + [limit])).map(Self.status)
        }
    }

    public func deliveries(ofSubmissions ids: [Int64]) async throws -> [DeliveryStatus] {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.deliveryColumns), s.reference, s.force, s.form FROM delivery d JOIN submission s ON s.id = d.submission_id
                WHERE d.submission_id IN (\(ids.map(String.init).joined(separator: ",")))
                ORDER BY d.submission_id, d.force, d.destination, d.id
                """).map(Self.status)
        }
    }

    public func attempts(delivery id: String) async throws -> [AttemptRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM delivery_attempt WHERE delivery_id = ? ORDER BY id", arguments: [id]).map { row in
                AttemptRecord(at: StoreTime.iso(row["at"] as Int64), outcome: row["outcome"], status: row["http_status"], milliseconds: row["milliseconds"], detail: row["detail"])
            }
        }
    }

    public func retry(delivery id: String, now: Date) async throws -> String? {
        try await pool.write { db in
            try String.fetchOne(db, sql: """
                UPDATE delivery SET state = 'pending', next_attempt_at = ?, lease_until = NULL, finished_at = NULL WHERE id = ? AND state = 'dead'
                AND submission_id IN (SELECT id FROM submission WHERE purged_at IS NULL) RETURNING force
                """, arguments: [StoreTime.milliseconds(now), id.lowercased()])
        }
    }

    public func redeliver(force: String, since: Date, until: Date, destination: String?, dryRun: Bool, now: Date) async throws -> Int {
        try await pool.write { db in
            // A purged report has nothing left to send.
            // The force's own destinations, for reports made to it or about its area.
            var filter = "force = ? AND submission_id IN (SELECT id FROM submission WHERE (force = ? OR area_force = ?) AND received_at >= ? AND received_at < ? AND purged_at IS NULL) AND state != 'pending'"
            var args: [any DatabaseValueConvertible] = [force, force, force, StoreTime.iso(since), StoreTime.iso(until)]
            if let destination { filter += " AND destination = ?"; args.append(destination) }
            if dryRun {
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE \(filter)", arguments: StatementArguments(args)) ?? 0
            }
            try db.execute(sql: "UPDATE delivery SET state = 'pending', next_attempt_at = ?, lease_until = NULL, finished_at = NULL WHERE \(filter)",
                           arguments: StatementArguments([StoreTime.milliseconds(now)] + args))
            return db.changesCount
        }
    }

    public func queueDepth() async throws -> QueueDepth {
        try await pool.read { db in
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE state = 'pending'") ?? 0
            let dead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE state = 'dead'") ?? 0
            let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(created_at) FROM delivery WHERE state = 'pending'")
            let undelivered = try String.fetchOne(db, sql: StoreTime.oldestUndeliveredSQL)
            return QueueDepth(pending: pending, dead: dead, oldestPending: oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) },
                              oldestUndelivered: StoreTime.date(undelivered))
        }
    }

    /// A delivery's columns, its force named `to_force` (the submission's is `force`).
    static let deliveryColumns = """
        d.id, d.destination, d.state, d.attempts, d.next_attempt_at, d.finished_at, d.force_reference, d.last_error, d.fallback_for,
        d.force AS to_force, d.kind
        """

    static func status(_ row: Row) -> DeliveryStatus {
        let force: String = row["force"], toForce: String? = row["to_force"]
        let held = row["state"] == "pending" && row["next_attempt_at"] == StoreTime.held
        return DeliveryStatus(id: row["id"], reference: row["reference"], force: force, form: row["form"], destination: row["destination"],
                              state: row["state"], attempts: row["attempts"],
                              nextAttemptAt: row["state"] == "pending" && !held ? StoreTime.iso(row["next_attempt_at"] as Int64) : nil,
                              finishedAt: (row["finished_at"] as Int64?).map(StoreTime.iso), forceReference: row["force_reference"],
                              lastError: row["last_error"], fallbackFor: row["fallback_for"],
                              toForce: toForce == force ? nil : toForce, notice: row["kind"] == "notice" ? true : nil, held: held ? true : nil)
    }
}
