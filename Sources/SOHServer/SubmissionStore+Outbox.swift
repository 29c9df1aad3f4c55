import Foundation
import GRDB
import SOHDelivery
import SOHForms

/// The delivery outbox in the submissions database: what the workers lease and record, and
/// what operators and forces read.
extension SubmissionStore: DeliveryQueue {
    public func lease(limit: Int, seconds: Double, now: Date) async throws -> [PendingDelivery] {
        let at = Self.milliseconds(now), until = Self.milliseconds(now.addingTimeInterval(seconds))
        return try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: """
                UPDATE delivery SET lease_until = ?
                WHERE id IN (SELECT id FROM delivery WHERE state = 'pending' AND next_attempt_at <= ?
                             AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at LIMIT ?)
                RETURNING id, submission_id, destination, attempts
                """, arguments: [until, at, at, limit])
            return try rows.compactMap { row -> PendingDelivery? in
                guard let s = try Self.fetch(db, "WHERE id = ?", [row["submission_id"] as Int64]).first else { return nil }
                let answers = try JSONDecoder().decode([String: Answer].self, from: Data(s.answers.utf8))
                return PendingDelivery(id: row["id"], destination: row["destination"], attempts: row["attempts"], report: .init(
                    reference: s.reference, force: s.force, form: s.form, version: s.version, language: s.language,
                    answers: answers, receivedAt: s.receivedAt, submittedAt: s.submittedAt))
            }
        }
    }

    public func record(_ attempts: [RecordedAttempt]) async throws {
        try await pool.write { db in
            for recorded in attempts { try Self.record(recorded, in: db) }
        }
    }

    static func record(_ recorded: RecordedAttempt, in db: Database) throws {
        let (delivery, attempt) = (recorded.delivery, recorded.attempt)
        let now = milliseconds(recorded.at)
        try db.execute(sql: """
            INSERT INTO delivery_attempt (delivery_id, at, outcome, http_status, milliseconds, detail) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [delivery.id, now, attempt.outcome.rawValue, attempt.status, attempt.milliseconds, String(attempt.detail.prefix(1000))])
        switch recorded.next {
        case .delivered(let reference):
            try db.execute(sql: """
                UPDATE delivery SET state = 'delivered', attempts = attempts + 1, lease_until = NULL, finished_at = ?,
                  force_reference = ?, last_error = NULL WHERE id = ?
                """, arguments: [now, reference, delivery.id])
        case .retry(let when):
            try db.execute(sql: """
                UPDATE delivery SET attempts = attempts + 1, lease_until = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?
                """, arguments: [milliseconds(when), attempt.detail, delivery.id])
        case .dead(let reason, let fallback):
            try db.execute(sql: """
                UPDATE delivery SET state = 'dead', attempts = attempts + 1, lease_until = NULL, finished_at = ?, last_error = ? WHERE id = ?
                """, arguments: [now, reason, delivery.id])
            if let fallback {
                // The report goes to the fallback instead (once, however often this one dies).
                try db.execute(sql: """
                    INSERT OR IGNORE INTO delivery (id, submission_id, destination, next_attempt_at, created_at, fallback_for)
                    SELECT ?, submission_id, ?, ?, ?, id FROM delivery WHERE id = ?
                    """, arguments: [UUID().uuidString.lowercased(), fallback, now, now, delivery.id])
            }
        }
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
    }

    public struct AttemptRecord: Sendable, Codable, Equatable {
        public var at: String
        public var outcome: String
        public var status: Int?
        public var milliseconds: Int
        public var detail: String
    }

    /// Deliveries, newest first, of a force, a submission or a state (all when nil); `since` keeps
    /// those of submissions from that row on (a page of the read endpoint).
    public func deliveries(force: String? = nil, reference: String? = nil, state: String? = nil, since: Int64? = nil, limit: Int = 2000) throws -> [DeliveryStatus] {
        try pool.read { db in
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if let force { clauses.append("s.force = ?"); args.append(force) }
            if let since { clauses.append("s.id >= ?"); args.append(since) }
            if let reference { clauses.append("s.reference = ?"); args.append(reference.uppercased()) }
            if let state { clauses.append("d.state = ?"); args.append(state) }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: """
                SELECT d.*, s.reference, s.force, s.form FROM delivery d JOIN submission s ON s.id = d.submission_id
                \(filter) ORDER BY d.created_at DESC, d.id LIMIT ?
                """, arguments: StatementArguments(args + [limit])).map(Self.status)
        }
    }

    public func attempts(delivery id: String) throws -> [AttemptRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM delivery_attempt WHERE delivery_id = ? ORDER BY id", arguments: [id]).map { row in
                AttemptRecord(at: Self.iso(row["at"]), outcome: row["outcome"], status: row["http_status"], milliseconds: row["milliseconds"], detail: row["detail"])
            }
        }
    }

    /// Puts a dead delivery back in the queue, due now; false when there is no dead delivery with that id.
    public func retry(delivery id: String, now: Date = Date()) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE delivery SET state = 'pending', next_attempt_at = ?, lease_until = NULL, finished_at = NULL WHERE id = ? AND state = 'dead'
                """, arguments: [Self.milliseconds(now), id.lowercased()])
            return db.changesCount == 1
        }
    }

    /// Makes a force's deliveries of reports received from `since` up to `until` (ISO 8601) due
    /// again, delivered or dead, with their ids unchanged; `destination` limits it to one.
    /// Returns how many; with `dryRun`, only counts them.
    public func redeliver(force: String, since: String, until: String, destination: String? = nil, dryRun: Bool, now: Date = Date()) async throws -> Int {
        try await pool.write { db in
            var filter = "submission_id IN (SELECT id FROM submission WHERE force = ? AND received_at >= ? AND received_at < ?) AND state != 'pending'"
            var args: [any DatabaseValueConvertible] = [force, since, until]
            if let destination { filter += " AND destination = ?"; args.append(destination) }
            if dryRun {
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE \(filter)", arguments: StatementArguments(args)) ?? 0
            }
            try db.execute(sql: "UPDATE delivery SET state = 'pending', next_attempt_at = ?, lease_until = NULL, finished_at = NULL WHERE \(filter)",
                           arguments: StatementArguments([Self.milliseconds(now)] + args))
            return db.changesCount
        }
    }

    /// How many deliveries wait, and since when the oldest of them has.
    public func queueDepth() throws -> (pending: Int, dead: Int, oldestPending: Date?) {
        try pool.read { db in
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE state = 'pending'") ?? 0
            let dead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE state = 'dead'") ?? 0
            let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(created_at) FROM delivery WHERE state = 'pending'")
            return (pending, dead, oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) })
        }
    }

    static func status(_ row: Row) -> DeliveryStatus {
        DeliveryStatus(id: row["id"], reference: row["reference"], force: row["force"], form: row["form"], destination: row["destination"],
                       state: row["state"], attempts: row["attempts"],
                       nextAttemptAt: row["state"] == "pending" ? iso(row["next_attempt_at"]) : nil,
                       finishedAt: (row["finished_at"] as Int64?).map(iso), forceReference: row["force_reference"],
                       lastError: row["last_error"], fallbackFor: row["fallback_for"])
    }
}
