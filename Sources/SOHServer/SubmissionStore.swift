import Crypto
import Foundation
import GRDB

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
}

/// Durable storage for submissions in SQLite (through GRDB), in write-ahead-log mode with full
/// synchronisation: a submission is acknowledged only after its transaction is on disk, so an
/// acknowledged submission survives a crash. Schema changes are versioned migrations.
public final class SubmissionStore: Sendable {
    let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL (GRDB's default for a pool) + FULL: each commit is fsynced before it returns.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: submissions") { db in
            try db.execute(sql: """
                CREATE TABLE submission (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  reference TEXT NOT NULL UNIQUE,
                  force TEXT NOT NULL,
                  form TEXT NOT NULL,
                  form_version INTEGER NOT NULL,
                  language TEXT NOT NULL,
                  answers TEXT NOT NULL,
                  received_at TEXT NOT NULL,
                  started_at TEXT,
                  submitted_at TEXT,
                  idempotency_key TEXT,
                  UNIQUE (force, idempotency_key)
                );
                CREATE INDEX submission_force ON submission (force, id);
                """)
        }
        migrator.registerMigration("v2: request digests") { db in
            // The digest of what was sent with an idempotency key: the same key with other
            // content is refused instead of answered with the first report's reference.
            try db.execute(sql: "ALTER TABLE submission ADD COLUMN request_digest TEXT")
            let rows = try Row.fetchAll(db, sql: "SELECT id, form, form_version, language, answers FROM submission WHERE idempotency_key IS NOT NULL")
            for row in rows {
                let digest = NewSubmission.digest(form: row["form"], version: row["form_version"], language: row["language"], answers: row["answers"])
                try db.execute(sql: "UPDATE submission SET request_digest = ? WHERE id = ?", arguments: [digest, row["id"] as Int64])
            }
        }
        migrator.registerMigration("v3: delivery outbox") { db in
            // One delivery per destination, written with its submission (a transactional
            // outbox); every attempt kept. Times are milliseconds since 1970.
            try db.execute(sql: """
                CREATE TABLE delivery (
                  id TEXT PRIMARY KEY,
                  submission_id INTEGER NOT NULL REFERENCES submission (id),
                  destination TEXT NOT NULL,
                  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
                  attempts INTEGER NOT NULL DEFAULT 0,
                  next_attempt_at INTEGER NOT NULL,
                  lease_until INTEGER,
                  created_at INTEGER NOT NULL,
                  finished_at INTEGER,
                  force_reference TEXT,
                  last_error TEXT,
                  fallback_for TEXT REFERENCES delivery (id),
                  UNIQUE (submission_id, destination)
                );
                CREATE INDEX delivery_due ON delivery (state, next_attempt_at);
                CREATE TABLE delivery_attempt (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  delivery_id TEXT NOT NULL REFERENCES delivery (id),
                  at INTEGER NOT NULL,
                  outcome TEXT NOT NULL,
                  http_status INTEGER,
                  milliseconds INTEGER NOT NULL,
                  detail TEXT NOT NULL
                );
                CREATE INDEX delivery_attempt_delivery ON delivery_attempt (delivery_id, id);
                """)
        }
        return migrator
    }

    /// Applied migrations, for the health check and tests.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
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
        public var destinations: [String]

        public init(force: String, code: String, form: String, version: Int, language: String, answers: String,
                    startedAt: String? = nil, submittedAt: String? = nil, idempotencyKey: String? = nil, destinations: [String] = []) {
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
            return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    /// What storing a submission did.
    public enum Outcome: Sendable, Equatable {
        /// Stored now.
        case created(StoredSubmission)
        /// Already stored under the same idempotency key with the same content: stored once.
        case replayed(StoredSubmission)
        /// The idempotency key was used before for other content; nothing was stored.
        case keyReused
    }

    public enum StoreError: Error { case notStored }

    /// Stores a submission; with an idempotency key already used by this force, returns the
    /// stored one when the content is the same and refuses it when it is not.
    public func store(_ new: NewSubmission) async throws -> Outcome {
        let digest = new.requestDigest
        return try await pool.write { db in
            if let key = new.idempotencyKey,
               let row = try Row.fetchOne(db, sql: "SELECT id, request_digest FROM submission WHERE force = ? AND idempotency_key = ?",
                                          arguments: [new.force, key]) {
                guard row["request_digest"] as String? == digest,
                      let existing = try Self.fetch(db, "WHERE id = ?", [row["id"] as Int64]).first else { return .keyReused }
                return .replayed(existing)
            }
            let receivedAt = Self.timestamp()
            for _ in 0..<10 {
                let reference = Reference.make(code: new.code)
                do {
                    try db.execute(sql: """
                        INSERT INTO submission (reference, force, form, form_version, language, answers, received_at, started_at, submitted_at,
                                                idempotency_key, request_digest)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [reference, new.force, new.form, new.version, new.language, new.answers, receivedAt,
                                         new.startedAt, new.submittedAt, new.idempotencyKey, digest])
                    let id = db.lastInsertedRowID
                    let now = Self.milliseconds(Date())
                    for destination in new.destinations {
                        try db.execute(sql: """
                            INSERT INTO delivery (id, submission_id, destination, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)
                            """, arguments: [UUID().uuidString.lowercased(), id, destination, now, now])
                    }
                    let stored = StoredSubmission(id: id, reference: reference, force: new.force, form: new.form,
                                                  version: new.version, language: new.language, answers: new.answers,
                                                  receivedAt: receivedAt, startedAt: new.startedAt, submittedAt: new.submittedAt)
                    return .created(stored)
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE && error.message?.contains("reference") == true {
                    continue  // a reference collision: draw again
                }
            }
            throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "could not draw a unique reference")
        }
    }

    /// A force's submissions, oldest first, after the `after` cursor and received at or after `since`.
    public func list(force: String, since: String? = nil, after: Int64? = nil, limit: Int = 50) throws -> [StoredSubmission] {
        try pool.read { db in
            var sql = "WHERE force = ?"
            var args: [any DatabaseValueConvertible] = [force]
            if let since { sql += " AND received_at >= ?"; args.append(since) }
            if let after { sql += " AND id > ?"; args.append(after) }
            return try Self.fetch(db, sql + " ORDER BY id LIMIT ?", StatementArguments(args + [limit]))
        }
    }

    public func get(force: String, reference: String) throws -> StoredSubmission? {
        try pool.read { db in try Self.fetch(db, "WHERE force = ? AND reference = ?", [force, reference.uppercased()]).first }
    }

    public func count() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM submission") ?? 0 }
    }

    static func fetch(_ db: Database, _ clause: String, _ arguments: StatementArguments) throws -> [StoredSubmission] {
        try Row.fetchAll(db, sql: """
            SELECT id, reference, force, form, form_version, language, answers, received_at, started_at, submitted_at
            FROM submission \(clause)
            """, arguments: arguments).map { row in
            StoredSubmission(id: row["id"], reference: row["reference"], force: row["force"], form: row["form"],
                             version: row["form_version"], language: row["language"], answers: row["answers"],
                             receivedAt: row["received_at"], startedAt: row["started_at"], submittedAt: row["submitted_at"])
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func timestamp() -> String { iso(milliseconds(Date())) }

    /// A time in milliseconds as stored timestamps are written (ISO 8601, UTC, milliseconds).
    static func iso(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
