import Foundation
import Logging
import SQLKit
import SOHModel
import SOHDelivery
import SOHForms

/// Where submissions and their deliveries are kept: a SQLite file for one machine (the
/// default) or a PostgreSQL server for several instances, with the same SQL on both
/// (`StoreDatabase` holds what differs). A submission and its deliveries are written in one
/// transaction and acknowledged only once durable; an idempotency key is unique per force;
/// answers are sealed before they are written (`AnswerKeys`).
public final class SubmissionStore: DeliveryQueue {
    let database: any StoreDatabase
    /// Seals answers before they are written and opens them when they are read; nil for a
    /// command that only looks at deliveries (storing or reading answers then fails).
    let keys: AnswerKeys?
    /// The migrations this store applied when it was opened (none when another process had
    /// applied them), for `soh api migrate` to say what it did.
    public let appliedAtOpen: [String]

    init(database: any StoreDatabase, keys: AnswerKeys?) async throws {
        (self.database, self.keys) = (database, keys)
        appliedAtOpen = try await Migrations.apply(on: database)
    }

    /// The store in a SQLite file, made when missing.
    public static func sqlite(path: String, keys: AnswerKeys?) async throws -> SubmissionStore {
        let file = try await SQLiteFile.open(path: path)
        do { return try await SubmissionStore(database: file, keys: keys) } catch { file.close(); throw error }
    }

    /// The store in a PostgreSQL database,
    /// `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]`.
    public static func postgres(url: String, keys: AnswerKeys?, logger: Logger) async throws -> SubmissionStore {
        let server = try await PostgresServer(url: url, logger: logger)
        do {
            return try await TimeLimit.within(30) { try await SubmissionStore(database: server, keys: keys) }
        } catch {
            server.close()
            throw CannotOpen(description: error is TimeLimit.Exceeded ? "the database did not answer within 30 s" : describe(error))
        }
    }

    /// Lets the database's connections go.
    public func close() { database.close() }

    /// A database URL that cannot be used, or a database that cannot be opened.
    public struct CannotOpen: Error, CustomStringConvertible {
        public var description: String
    }

    /// An error this store threw, in words for the log (the database's own where it gave some).
    public static func describe(_ error: any Error) -> String { PostgresServer.describe(error) }

    /// A database URL without its password, for messages.
    public static func redacted(_ url: String) -> String { PostgresURL.redacted(url) }

    /// Why the database cannot be reached now, when that can be told quickly (a server that
    /// refuses connections); nil when it may be. Requests during an outage are answered at once
    /// rather than at the end of their time limit.
    public func unreachable() async -> String? { await database.unreachable() }

    // MARK: Migrations

    /// Applied migrations, for the health check and tests.
    public func appliedMigrations() async throws -> [String] { try await Migrations.applied(on: database) }

    /// Migrations this version knows and the database lacks (`/readyz` is not ready until none).
    public func pendingMigrations() async throws -> [String] {
        let applied = Set(try await appliedMigrations())
        return Migrations.names.filter { !applied.contains($0) }
    }

    // MARK: Submissions

    static let columns = """
        id, reference, force, form, form_version, language, answers, answers_key, received_at, started_at, submitted_at, purged_at,
        area, area_name, area_force, routing
        """

    /// The submissions `where` selects, with their answers opened.
    func submissions(_ where: SQLQueryString) async throws -> [StoredSubmission] {
        let keys = try AnswerKeys.required(keys)
        return try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM submission WHERE \(`where`)").all(decoding: SubmissionRow.self, with: Self.rows)
                .map { try $0.opened(keys) }
        }
    }

    /// Stores a submission and one delivery per destination; with an idempotency key already
    /// used by this force, returns the stored one when the content is the same and refuses it
    /// when it is not.
    public func store(_ new: NewSubmission) async throws -> StoreOutcome {
        let digest = new.requestDigest
        let keys = try AnswerKeys.required(keys)
        return try await database.write { [database] db in
            let receivedAt = StoreTime.now()
            for _ in 0..<10 {
                let reference = Reference.make(code: new.code)
                let sealed = try keys.seal(new.answers, force: new.force, reference: reference)
                let routing = new.routing
                // Nothing inserted: this force has this idempotency key already (the unique
                // constraint decides, whichever instance stored it), or the reference was drawn
                // before.
                guard let id = try await db.raw("""
                    INSERT INTO submission (reference, force, form, form_version, language, answers, answers_key, received_at, started_at,
                                            submitted_at, idempotency_key, request_digest, area, area_name, area_force, routing)
                    VALUES (\(bind: reference), \(bind: new.force), \(bind: new.form), \(bind: new.version), \(bind: new.language),
                            \(bind: sealed.text), \(bind: sealed.keyID), \(bind: receivedAt), \(bind: new.startedAt), \(bind: new.submittedAt),
                            \(bind: new.idempotencyKey), \(bind: digest), \(bind: routing?.area), \(bind: routing?.areaName),
                            \(bind: routing?.areaForce), \(bind: routing?.action.rawValue))
                    ON CONFLICT DO NOTHING RETURNING id
                    """).first(decodingColumn: "id", as: Int64.self) else {
                    if let key = new.idempotencyKey, let outcome = try await Self.replay(db, keys, force: new.force, key: key, digest: digest) {
                        return outcome
                    }
                    continue
                }
                if !new.uploads.isEmpty {
                    let joined = try await db.raw("""
                        UPDATE upload SET submission_id = \(bind: id)
                        WHERE id IN (\(binds: new.uploads)) AND force = \(bind: new.force) AND form = \(bind: new.form) AND submission_id IS NULL
                          AND purged_at IS NULL
                          AND state IN (\(UploadState.scanning), \(UploadState.clean))
                        RETURNING id
                        """).all()
                    guard joined.count == Set(new.uploads).count else { throw StoreError.uploadGone }
                }
                let now = StoreTime.milliseconds(Date())
                for target in new.destinations {
                    try await Self.insertDelivery(db, submission: id, force: target.force ?? new.force, destination: target.destination,
                                                  address: target.address, kind: target.kind, state: target.held ? .held : .pending, now: now,
                                                  lastError: target.held ? StoreTime.waiting(for: new.force) : nil)
                }
                if !new.destinations.isEmpty { try await database.announce(in: db) }
                var stored = StoredSubmission(id: id, reference: reference, force: new.force, form: new.form, version: new.version,
                                              language: new.language, answers: new.answers, receivedAt: receivedAt,
                                              startedAt: new.startedAt, submittedAt: new.submittedAt)
                stored.routing = new.routing
                return .created(stored)
            }
            throw StoreError.notStored
        }
    }

    /// The outcome for an idempotency key already stored by this force, nil when it is new.
    static func replay(_ db: any SQLDatabase, _ keys: AnswerKeys, force: String, key: String, digest: String) async throws -> StoreOutcome? {
        guard let row = try await db.raw("""
            SELECT request_digest, \(unsafeRaw: columns) FROM submission WHERE force = \(bind: force) AND idempotency_key = \(bind: key)
            """).first() else { return nil }
        guard try row.decode(column: "request_digest", as: String?.self) == digest else { return .keyReused }
        return .replayed(try row.decode(model: SubmissionRow.self, with: rows).opened(keys))
    }

    static func insertDelivery(_ db: any SQLDatabase, id: String = UUID().uuidString.lowercased(), submission: Int64, force: String,
                               destination: String, address: String? = nil, kind: DeliveryKind, state: DeliveryState, attempts: Int = 0, now: Int64,
                               finishedAt: Int64? = nil, forceReference: String? = nil, lastError: String?) async throws {
        try await db.raw("""
            INSERT INTO delivery (id, submission_id, force, destination, address, kind, state, attempts, next_attempt_at, created_at,
                                  finished_at, force_reference, last_error)
            VALUES (\(bind: id), \(bind: submission), \(bind: force), \(bind: destination), \(bind: address), \(bind: kind.rawValue), \(bind: state.rawValue),
                    \(bind: attempts), \(bind: now), \(bind: now), \(bind: finishedAt), \(bind: forceReference), \(bind: lastError))
            """).run()
    }

    /// Adds a submission exported from another database (`soh submissions import`), keeping
    /// its reference, times and deliveries (with their ids, states and the force's references);
    /// false when a submission with that reference is already here.
    public func importSubmission(_ imported: ImportedSubmission) async throws -> Bool {
        let s = imported.submission
        // A purged report comes in purged: there is nothing to seal.
        let sealed: (text: String, keyID: String?) = s.purgedAt == nil
            ? try { let k = try AnswerKeys.required(keys).seal(s.answers, force: s.force, reference: s.reference); return (k.text, k.keyID) }()
            : ("", nil)
        return try await database.write { [database] db in
            guard let id = try await db.raw("""
                INSERT INTO submission (reference, force, form, form_version, language, answers, answers_key, received_at, started_at,
                                        submitted_at, purged_at, area, area_name, area_force, routing)
                VALUES (\(bind: s.reference), \(bind: s.force), \(bind: s.form), \(bind: s.version), \(bind: s.language), \(bind: sealed.text),
                        \(bind: sealed.keyID), \(bind: s.receivedAt), \(bind: s.startedAt), \(bind: s.submittedAt), \(bind: s.purgedAt),
                        \(bind: s.routing?.area), \(bind: s.routing?.areaName), \(bind: s.routing?.areaForce), \(bind: s.routing?.action.rawValue))
                ON CONFLICT (reference) DO NOTHING RETURNING id
                """).first(decodingColumn: "id", as: Int64.self) else { return false }
            let now = StoreTime.milliseconds(Date())
            for d in imported.deliveries {
                // A held delivery stays held: it is released when the delivery it waits for ends.
                try await Self.insertDelivery(db, id: d.id, submission: id, force: d.toForce ?? s.force, destination: d.destination, kind: d.kind,
                                              state: d.state, attempts: d.attempts, now: now, finishedAt: d.state.waiting ? nil : now,
                                              forceReference: d.forceReference, lastError: d.state == .held ? StoreTime.waiting(for: s.force) : d.lastError)
            }
            if imported.deliveries.contains(where: { $0.state == .pending }) { try await database.announce(in: db) }
            return true
        }
    }

    /// A force's submissions, oldest first, after the `after` cursor and received at or after the
    /// instant `since`: those made to it and those about its area (`routing`).
    public func list(force: String, since: Date? = nil, after: Int64? = nil, limit: Int = 50) async throws -> [StoredSubmission] {
        var query: SQLQueryString = "(force = \(bind: force) OR area_force = \(bind: force))"
        if let since { query += " AND received_at >= \(bind: StoreTime.iso(since))" }
        if let after { query += " AND id > \(bind: after)" }
        return try await submissions(query + " ORDER BY id LIMIT \(bind: limit)")
    }

    public func get(force: String, reference: String) async throws -> StoredSubmission? {
        try await submissions("(force = \(bind: force) OR area_force = \(bind: force)) AND reference = \(bind: reference.uppercased())").first
    }

    public func count() async throws -> Int {
        try await database.read { db in try await db.raw("SELECT COUNT(*) AS n FROM submission").first(decodingColumn: "n", as: Int.self) ?? 0 }
    }

    // MARK: Keys, retention and audit

    /// Seals again, with the current key, up to `batch` submissions whose answers another key
    /// sealed, in one transaction; returns how many. Rows with no key id (from before answers
    /// were sealed) are sealed only with `sealUnsealed`, and are otherwise an error naming
    /// the first. `soh api rotate-key` calls it until it returns 0, so a rotation stopped
    /// half-way resumes.
    public func reseal(batch: Int, sealUnsealed: Bool) async throws -> Int {
        let keys = try AnswerKeys.required(keys)
        return try await database.write { [dialect = database.dialect] db in
            let rows = try await db.raw("""
                SELECT id, reference, force, answers, answers_key FROM submission
                WHERE purged_at IS NULL AND (answers_key IS NULL OR answers_key <> \(bind: keys.current)) ORDER BY id LIMIT \(bind: batch)
                \(unsafeRaw: dialect.forUpdate)
                """).all()
            for row in rows {
                let (force, reference) = (try row.decode(column: "force", as: String.self), try row.decode(column: "reference", as: String.self))
                let answers = try keys.open(try row.decode(column: "answers", as: String.self), keyID: try row.decode(column: "answers_key", as: String?.self),
                                            force: force, reference: reference, acceptUnsealed: sealUnsealed)
                let sealed = try keys.seal(answers, force: force, reference: reference)
                try await db.raw("""
                    UPDATE submission SET answers = \(bind: sealed.text), answers_key = \(bind: sealed.keyID)
                    WHERE id = \(bind: try row.decode(column: "id", as: Int64.self))
                    """).run()
            }
            return rows.count
        }
    }

    /// Purges the answers of submissions whose every delivery was confirmed before
    /// `rule.deliveredBefore` (received before it, when they had no destination), and of every
    /// submission received before `rule.receivedBefore` whatever became of it, giving up its
    /// waiting deliveries; the rest of each row is kept. With `dryRun`, only counts.
    public func purge(_ rule: Retention.Cutoffs, now: Date, dryRun: Bool) async throws -> Retention.Purged {
        let delivered = StoreTime.milliseconds(rule.deliveredBefore), nowMS = StoreTime.milliseconds(now)
        let cap = StoreTime.iso(StoreTime.milliseconds(rule.receivedBefore))
        let atCap: SQLQueryString = "purged_at IS NULL AND received_at < \(bind: cap)"
        let afterDelivery: SQLQueryString = """
            purged_at IS NULL AND received_at >= \(bind: cap) AND (
              (EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = submission.id)
               AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = submission.id AND d.state <> \(DeliveryState.delivered))
               AND (SELECT MAX(finished_at) FROM delivery d WHERE d.submission_id = submission.id) < \(bind: delivered))
              OR (NOT EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = submission.id) AND received_at < \(bind: StoreTime.iso(delivered))))
            """
        let waitingAtCap: SQLQueryString = """
            state IN (\(DeliveryState.pending), \(DeliveryState.held)) AND submission_id IN (SELECT id FROM submission WHERE \(atCap))
            """
        // Evidence goes with its report's answers, and an upload no report took goes after a day
        // (docs/evidence.md); the files themselves are removed by `EvidenceFolder.sweep`.
        let orphanBefore = nowMS - Int64(Retention.orphanDays) * 86_400_000
        let files: SQLQueryString = """
            purged_at IS NULL AND (submission_id IN (SELECT id FROM submission WHERE purged_at IS NOT NULL OR (\(atCap)) OR (\(afterDelivery)))
              OR (submission_id IS NULL AND created_at < \(bind: orphanBefore)))
            """
        return try await database.write { db in
            func count(_ query: SQLQueryString) async throws -> Int { try await db.raw(query).first(decodingColumn: "n", as: Int.self) ?? 0 }
            let purged = Retention.Purged(afterDelivery: try await count("SELECT COUNT(*) AS n FROM submission WHERE \(afterDelivery)"),
                                          atCap: try await count("SELECT COUNT(*) AS n FROM submission WHERE \(atCap)"),
                                          deliveriesGivenUp: try await count("SELECT COUNT(*) AS n FROM delivery WHERE \(waitingAtCap)"),
                                          files: try await count("SELECT COUNT(*) AS n FROM upload WHERE \(files)"))
            if !dryRun {
                try await db.raw("UPDATE upload SET purged_at = \(bind: nowMS), name = '' WHERE \(files)").run()
                try await db.raw("""
                    UPDATE delivery SET state = \(DeliveryState.dead), last_error = \(bind: Retention.givenUp), finished_at = \(bind: nowMS),
                      lease_until = NULL WHERE \(waitingAtCap)
                    """).run()
                try await db.raw("""
                    UPDATE submission SET answers = '', answers_key = NULL, purged_at = \(bind: StoreTime.iso(nowMS))
                    WHERE (\(atCap)) OR (\(afterDelivery))
                    """).run()
            }
            return purged
        }
    }

    /// Appends an entry to the audit log, chained to the last (one writer at a time, whatever
    /// the number of instances).
    public func audit(_ entry: AuditLog.Entry, now: Date) async throws {
        let at = StoreTime.iso(StoreTime.milliseconds(now))
        try await database.write { [dialect = database.dialect] db in
            if let exclusive = dialect.exclusive(.audit) { try await db.raw(exclusive).run() }
            let last = try await db.raw("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").first()
            let id = try (last?.decode(column: "id", as: Int64.self) ?? 0) + 1
            let previous = try last?.decode(column: "hash", as: String.self) ?? AuditLog.genesis
            try await db.raw("""
                INSERT INTO audit (id, at, actor, action, force, target, address, previous, hash)
                VALUES (\(bind: id), \(bind: at), \(bind: entry.actor), \(bind: entry.action), \(bind: entry.force), \(bind: entry.target),
                        \(bind: entry.address), \(bind: previous), \(bind: AuditLog.hash(id: id, at: at, entry: entry, previous: previous)))
                """).run()
        }
    }

    /// Audit entries oldest first, after the id `after`: a force's, or all when `force` is nil.
    public func auditRecords(force: String?, after: Int64?, limit: Int) async throws -> [AuditLog.Record] {
        var query: SQLQueryString = "SELECT id, at, actor, action, force, target, address, previous, hash FROM audit WHERE id > \(bind: after ?? 0)"
        if let force { query += " AND force = \(bind: force)" }
        let all = query + " ORDER BY id LIMIT \(bind: limit)"
        return try await database.read { db in try await db.raw(all).all(decoding: AuditLog.Record.self) }
    }
}
