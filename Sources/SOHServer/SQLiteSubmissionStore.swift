import Crypto
import Foundation
import SOHModel
import GRDB

/// The store in SQLite (through GRDB), the embedded default for one machine: write-ahead-log
/// mode with full synchronisation, so a submission is acknowledged only after its transaction is
/// on disk and survives a crash. Schema changes are versioned migrations.
public final class SQLiteSubmissionStore: SubmissionStore {
    let pool: DatabasePool
    /// Seals answers before they are written and opens them when they are read; nil for a
    /// command that only looks at deliveries (storing or reading answers then fails).
    let keys: AnswerKeys?
    public let appliedAtOpen: [String]

    public init(path: String, keys: AnswerKeys?) throws {
        self.keys = keys
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL (GRDB's default for a pool) + FULL: each commit is fsynced before it returns.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        let before = try pool.read { db in try Self.migrator.appliedIdentifiers(db) }
        try Self.migrator.migrate(pool)
        appliedAtOpen = Self.migrator.migrations.filter { !before.contains($0) }
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
        migrator.registerMigration("v4: sealed answers") { db in
            // The id of the key that sealed the row's answers (`AnswerKeys`); NULL for rows
            // stored before, whose answers are plain until `soh api rotate-key` seals them.
            try db.execute(sql: "ALTER TABLE submission ADD COLUMN answers_key TEXT")
        }
        migrator.registerMigration("v5: retention") { db in
            // When the answers were purged (`Retention`); the rest of the row is kept.
            try db.execute(sql: "ALTER TABLE submission ADD COLUMN purged_at TEXT")
        }
        migrator.registerMigration("v6: audit log") { db in
            // Appended only (`AuditLog`): each entry's hash covers it and the one before.
            try db.execute(sql: """
                CREATE TABLE audit (
                  id INTEGER PRIMARY KEY,
                  at TEXT NOT NULL,
                  actor TEXT NOT NULL,
                  action TEXT NOT NULL,
                  force TEXT,
                  target TEXT NOT NULL,
                  address TEXT,
                  previous TEXT NOT NULL,
                  hash TEXT NOT NULL
                );
                CREATE INDEX audit_force ON audit (force, id);
                """)
        }
        migrator.registerMigration("v7: routing") { db in
            // A report about another force's area (`ReportRouting`): the area, its force and
            // what was done. Each delivery names the force whose destination it is, and
            // whether it is a transfer notice, so two forces' destinations may share a name:
            // the table is made again with that in its unique key (SQLite's way to change one).
            try db.execute(sql: """
                ALTER TABLE submission ADD COLUMN area TEXT;
                ALTER TABLE submission ADD COLUMN area_name TEXT;
                ALTER TABLE submission ADD COLUMN area_force TEXT;
                ALTER TABLE submission ADD COLUMN routing TEXT;
                CREATE INDEX submission_area_force ON submission (area_force, id) WHERE area_force IS NOT NULL;
                CREATE TABLE delivery_new (
                  id TEXT PRIMARY KEY,
                  submission_id INTEGER NOT NULL REFERENCES submission (id),
                  force TEXT NOT NULL,
                  destination TEXT NOT NULL,
                  kind TEXT NOT NULL DEFAULT 'report' CHECK (kind IN ('report', 'notice')),
                  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
                  attempts INTEGER NOT NULL DEFAULT 0,
                  next_attempt_at INTEGER NOT NULL,
                  lease_until INTEGER,
                  created_at INTEGER NOT NULL,
                  finished_at INTEGER,
                  force_reference TEXT,
                  last_error TEXT,
                  fallback_for TEXT REFERENCES delivery_new (id),
                  UNIQUE (submission_id, force, destination)
                );
                INSERT INTO delivery_new (id, submission_id, force, destination, state, attempts, next_attempt_at, lease_until, created_at,
                                          finished_at, force_reference, last_error, fallback_for)
                  SELECT d.id, d.submission_id, s.force, d.destination, d.state, d.attempts, d.next_attempt_at, d.lease_until, d.created_at,
                         d.finished_at, d.force_reference, d.last_error, d.fallback_for
                  FROM delivery d JOIN submission s ON s.id = d.submission_id;
                DROP TABLE delivery;
                ALTER TABLE delivery_new RENAME TO delivery;
                CREATE INDEX delivery_due ON delivery (state, next_attempt_at);
                """)
        }
        return migrator
    }

    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try Self.migrator.appliedMigrations(db) }
    }

    public func pendingMigrations() async throws -> [String] {
        let applied = Set(try await appliedMigrations())
        return Self.migrator.migrations.filter { !applied.contains($0) }
    }

    public func importSubmission(_ imported: ImportedSubmission) async throws -> Bool {
        let s = imported.submission
        // A purged report comes in purged: there is nothing to seal.
        let sealed = s.purgedAt == nil ? try AnswerKeys.required(keys).seal(s.answers, force: s.force, reference: s.reference) : ("", nil)
        return try await pool.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO submission (reference, force, form, form_version, language, answers, answers_key, received_at, started_at,
                                                  submitted_at, purged_at, area, area_name, area_force, routing)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [s.reference, s.force, s.form, s.version, s.language, sealed.0, sealed.1, s.receivedAt, s.startedAt,
                                 s.submittedAt, s.purgedAt, s.routing?.area, s.routing?.areaName, s.routing?.areaForce, s.routing?.action.rawValue])
            guard db.changesCount == 1 else { return false }
            let id = db.lastInsertedRowID, now = StoreTime.milliseconds(Date())
            for d in imported.deliveries {
                // A held delivery stays held: it is released when the delivery it waits for ends.
                let held = d.state == "pending" && d.held == true
                try db.execute(sql: """
                    INSERT INTO delivery (id, submission_id, force, destination, kind, state, attempts, next_attempt_at, created_at, finished_at,
                                          force_reference, last_error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [d.id, id, d.toForce ?? s.force, d.destination, d.notice == true ? "notice" : "report", d.state, d.attempts,
                                     held ? StoreTime.held : now, now, d.state == "pending" ? nil : now, d.forceReference,
                                     held ? StoreTime.waiting(for: s.force) : d.lastError])
            }
            return true
        }
    }

    public func store(_ new: NewSubmission) async throws -> StoreOutcome {
        let digest = new.requestDigest
        let keys = try AnswerKeys.required(keys)
        return try await pool.write { db in
            if let key = new.idempotencyKey,
               let row = try Row.fetchOne(db, sql: "SELECT id, request_digest FROM submission WHERE force = ? AND idempotency_key = ?",
                                          arguments: [new.force, key]) {
                guard row["request_digest"] as String? == digest,
                      let existing = try Self.fetch(db, keys, "WHERE id = ?", [row["id"] as Int64]).first else { return .keyReused }
                return .replayed(existing)
            }
            let receivedAt = StoreTime.now()
            for _ in 0..<10 {
                let reference = Reference.make(code: new.code)
                let sealed = try keys.seal(new.answers, force: new.force, reference: reference)
                do {
                    try db.execute(sql: """
                        INSERT INTO submission (reference, force, form, form_version, language, answers, answers_key, received_at, started_at,
                                                submitted_at, idempotency_key, request_digest, area, area_name, area_force, routing)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [reference, new.force, new.form, new.version, new.language, sealed.text, sealed.keyID, receivedAt,
                                         new.startedAt, new.submittedAt, new.idempotencyKey, digest,
                                         new.routing?.area, new.routing?.areaName, new.routing?.areaForce, new.routing?.action.rawValue])
                    let id = db.lastInsertedRowID
                    let now = StoreTime.milliseconds(Date())
                    for target in new.destinations {
                        try db.execute(sql: """
                            INSERT INTO delivery (id, submission_id, force, destination, kind, next_attempt_at, created_at, last_error)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [UUID().uuidString.lowercased(), id, target.force ?? new.force, target.destination,
                                             target.notice ? "notice" : "report", target.held ? StoreTime.held : now, now,
                                             target.held ? StoreTime.waiting(for: new.force) : nil])
                    }
                    var stored = StoredSubmission(id: id, reference: reference, force: new.force, form: new.form,
                                                  version: new.version, language: new.language, answers: new.answers,
                                                  receivedAt: receivedAt, startedAt: new.startedAt, submittedAt: new.submittedAt)
                    stored.routing = new.routing
                    return .created(stored)
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE && error.message?.contains("reference") == true {
                    continue  // a reference collision: draw again
                }
            }
            throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "could not draw a unique reference")
        }
    }

    public func list(force: String, since: Date?, after: Int64?, limit: Int) async throws -> [StoredSubmission] {
        let keys = try AnswerKeys.required(keys)
        return try await pool.read { db in
            var sql = "WHERE (force = ? OR area_force = ?)"
            var args: [any DatabaseValueConvertible] = [force, force]
            if let since { sql += " AND received_at >= ?"; args.append(StoreTime.iso(since)) }
            if let after { sql += " AND id > ?"; args.append(after) }
            return try Self.fetch(db, keys, sql + " ORDER BY id LIMIT ?", StatementArguments(args + [limit]))
        }
    }

    public func get(force: String, reference: String) async throws -> StoredSubmission? {
        let keys = try AnswerKeys.required(keys)
        return try await pool.read { db in try Self.fetch(db, keys, "WHERE (force = ? OR area_force = ?) AND reference = ?", [force, force, reference.uppercased()]).first }
    }

    public func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM submission") ?? 0 }
    }

    /// Submissions with their answers opened; a row whose answers cannot be opened is an error,
    /// never an empty answer.
    static func fetch(_ db: Database, _ keys: AnswerKeys, _ clause: String, _ arguments: StatementArguments) throws -> [StoredSubmission] {
        try Row.fetchAll(db, sql: """
            SELECT id, reference, force, form, form_version, language, answers, answers_key, received_at, started_at, submitted_at, purged_at,
                   area, area_name, area_force, routing
            FROM submission \(clause)
            """, arguments: arguments).map { row in
            let (force, reference): (String, String) = (row["force"], row["reference"])
            var stored = StoredSubmission(id: row["id"], reference: reference, force: force, form: row["form"],
                                          version: row["form_version"], language: row["language"],
                                          answers: try keys.open(row["answers"], keyID: row["answers_key"], force: force, reference: reference),
                                          receivedAt: row["received_at"], startedAt: row["started_at"], submittedAt: row["submitted_at"],
                                          purgedAt: row["purged_at"])
            stored.routing = StoredRouting.read(receivedBy: force, area: row["area"], areaName: row["area_name"], areaForce: row["area_force"], action: row["routing"])
            return stored
        }
    }

    public func purge(_ rule: Retention.Cutoffs, now: Date, dryRun: Bool) async throws -> Retention.Purged {
        let delivered = StoreTime.milliseconds(rule.deliveredBefore), deliveredISO = StoreTime.iso(delivered)
        let capISO = StoreTime.iso(StoreTime.milliseconds(rule.receivedBefore)), nowMS = StoreTime.milliseconds(now)
        return try await pool.write { db in
            let atCap = try Int64.fetchAll(db, sql: "SELECT id FROM submission WHERE purged_at IS NULL AND received_at < ?", arguments: [capISO])
            let afterDelivery = try Int64.fetchAll(db, sql: """
                SELECT s.id FROM submission s WHERE s.purged_at IS NULL AND s.received_at >= ? AND (
                  (EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = s.id)
                   AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = s.id AND d.state <> 'delivered')
                   AND (SELECT MAX(finished_at) FROM delivery d WHERE d.submission_id = s.id) < ?)
                  OR (NOT EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = s.id) AND s.received_at < ?))
                """, arguments: [capISO, delivered, deliveredISO])
            let ids = (atCap + afterDelivery).map(String.init).joined(separator: ",")
            let capIDs = atCap.map(String.init).joined(separator: ",")
            let waiting = atCap.isEmpty ? 0 : try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE state = 'pending' AND submission_id IN (\(capIDs))") ?? 0
            if !dryRun, !ids.isEmpty {
                if !atCap.isEmpty {
                    try db.execute(sql: """
                        UPDATE delivery SET state = 'dead', last_error = ?, finished_at = ?, lease_until = NULL
                        WHERE state = 'pending' AND submission_id IN (\(capIDs))
                        """, arguments: [Retention.givenUp, nowMS])
                }
                try db.execute(sql: "UPDATE submission SET answers = '', answers_key = NULL, purged_at = ? WHERE id IN (\(ids))",
                               arguments: [StoreTime.iso(nowMS)])
            }
            return Retention.Purged(afterDelivery: afterDelivery.count, atCap: atCap.count, deliveriesGivenUp: waiting)
        }
    }

    public func reseal(batch: Int, sealUnsealed: Bool) async throws -> Int {
        let keys = try AnswerKeys.required(keys)
        return try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, reference, force, answers, answers_key FROM submission
                WHERE purged_at IS NULL AND (answers_key IS NULL OR answers_key != ?) ORDER BY id LIMIT ?
                """, arguments: [keys.current, batch])
            for row in rows {
                let (force, reference): (String, String) = (row["force"], row["reference"])
                let answers = try keys.open(row["answers"], keyID: row["answers_key"], force: force, reference: reference, acceptUnsealed: sealUnsealed)
                let sealed = try keys.seal(answers, force: force, reference: reference)
                try db.execute(sql: "UPDATE submission SET answers = ?, answers_key = ? WHERE id = ?",
                               arguments: [sealed.text, sealed.keyID, row["id"] as Int64])
            }
            return rows.count
        }
    }

    public func audit(_ entry: AuditLog.Entry, now: Date) async throws {
        let at = StoreTime.iso(StoreTime.milliseconds(now))
        try await pool.write { db in
            let last = try Row.fetchOne(db, sql: "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
            let id = (last?["id"] as Int64? ?? 0) + 1, previous = last?["hash"] as String? ?? AuditLog.genesis
            try db.execute(sql: """
                INSERT INTO audit (id, at, actor, action, force, target, address, previous, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, at, entry.actor, entry.action, entry.force, entry.target, entry.address, previous,
                                 AuditLog.hash(id: id, at: at, entry: entry, previous: previous)])
        }
    }

    public func auditRecords(force: String?, after: Int64?, limit: Int) async throws -> [AuditLog.Record] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, at, actor, action, force, target, address, previous, hash FROM audit
                WHERE (? IS NULL OR force = ?) AND id > ? ORDER BY id LIMIT ?
                """, arguments: [force, force, after ?? 0, limit]).map { row in
                AuditLog.Record(id: row["id"], at: row["at"], actor: row["actor"], action: row["action"], force: row["force"], target: row["target"],
                                address: row["address"], previous: row["previous"], hash: row["hash"])
            }
        }
    }
}
