import Foundation
import SOHModel
import Logging
import NIOSSL
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import SOHDelivery

/// The store in PostgreSQL (through postgres-nio), for several API instances on one database.
/// The same behaviour as `SQLiteSubmissionStore`: a submission and its deliveries in one
/// transaction, acknowledged once committed; an idempotency key unique per force, enforced by the
/// database (so two instances given the same key at once store one row); deliveries leased with
/// `FOR UPDATE SKIP LOCKED`, so one worker at a time attempts each. Migrations are applied at
/// start under an advisory lock: instances starting together do not race.
public final class PostgresSubmissionStore: SubmissionStore {
    let client: PostgresClient
    let logger: Logger
    let runner: Task<Void, Never>
    /// Seals answers before they are written and opens them when they are read; nil for a
    /// command that only looks at deliveries (storing or reading answers then fails).
    let keys: AnswerKeys?
    /// What `migrate()` applied when the store was opened.
    public let appliedAtOpen: [String]
    /// Where the server is, for `unreachable()`.
    let target: Target
    /// The last answer of `unreachable()` and when it was found, shared by the requests of a
    /// second: one probe a second, whatever the load.
    let lastProbe = Mutex<(at: ContinuousClock.Instant, reason: String?)?>(nil)

    /// `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]`.
    public init(url: String, keys: AnswerKeys?, logger: Logger) async throws {
        self.keys = keys
        let target = try Target(url)
        self.target = target
        // One connection first, on its own: the pool retries a connection that fails (right for
        // a database that restarts later), so only this says at once why it cannot start (a
        // wrong password, a missing database, nothing listening).
        do {
            let connection = try await PostgresConnection.connect(configuration: try target.connection(), id: 0, logger: logger)
            try? await connection.close()
        } catch {
            throw CannotOpen(description: Self.describe(error))
        }
        let client = PostgresClient(configuration: try target.client(), backgroundLogger: logger)
        self.client = client
        self.logger = logger
        let runner = Task { await client.run() }
        self.runner = runner
        do {
            appliedAtOpen = try await TimeLimit.within(30) { try await Self.migrate(client, logger: logger) }
        } catch is TimeLimit.Exceeded {
            runner.cancel()
            throw CannotOpen(description: "the database did not answer within 30 s")
        } catch {
            runner.cancel()
            throw CannotOpen(description: Self.describe(error))
        }
    }

    /// What went wrong, in the server's words when it said something (postgres-nio's own
    /// description hides them): a wrong password, a missing database, a refused connection.
    public static func describe(_ error: any Error) -> String {
        if let failed = error as? PostgresTransactionError, let inner = failed.closureError ?? failed.beginError ?? failed.commitError {
            return describe(inner)
        }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            return "the database says: \(message)" + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        return error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)"
    }

    /// Why the server cannot be reached, when a TCP connection to it is refused or not made
    /// within a second; nil when it connects. The pool itself keeps a request waiting while it
    /// retries (for up to a minute), so this is what lets a request during an outage be answered
    /// 503 at once.
    public func unreachable() async -> String? {
        if let last = lastProbe.withLock({ $0 }), last.at.duration(to: .now) < .seconds(1) { return last.reason }
        let reason: String?
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(1)).connect(host: target.host, port: target.port).get()
            try? await channel.close()
            reason = nil
        } catch {
            reason = "cannot connect to the database at \(target.host):\(target.port): \(error)"
        }
        lastProbe.withLock { $0 = (.now, reason) }
        return reason
    }

    /// Stops the connections (the client's run task).
    public func close() {
        runner.cancel()
    }

    /// A database URL that cannot be used, or a database that cannot be reached.
    public struct CannotOpen: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where the database is, from its URL.
    struct Target {
        var host: String, port: Int, user: String, password: String?, database: String?
        var tls: String

        init(_ url: String) throws {
            guard let u = URLComponents(string: url), ["postgres", "postgresql"].contains(u.scheme ?? ""),
                  let host = u.host, !host.isEmpty, let user = u.user, !user.isEmpty else {
                throw CannotOpen(description: "a database URL is postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, found '\(PostgresSubmissionStore.redacted(url))'")
            }
            let database = String(u.path.drop { $0 == "/" })
            tls = u.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
            guard ["disable", "prefer", "require", "verify-full"].contains(tls) else {
                throw CannotOpen(description: "sslmode is disable, prefer or require, found '\(tls)'")
            }
            (self.host, port, self.user, password) = (host, u.port ?? 5432, user, u.password)
            self.database = database.isEmpty ? nil : database
        }

        func client() throws -> PostgresClient.Configuration {
            let tls: PostgresClient.Configuration.TLS = switch self.tls {
            case "disable": .disable
            case "prefer": .prefer(.makeClientConfiguration())
            default: .require(.makeClientConfiguration())
            }
            var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
            configuration.options.connectTimeout = .seconds(5)
            return configuration
        }

        func connection() throws -> PostgresConnection.Configuration {
            let tls: PostgresConnection.Configuration.TLS = switch self.tls {
            case "disable": .disable
            case "prefer": .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
            configuration.options.connectTimeout = .seconds(5)
            return configuration
        }
    }

    /// The URL without its password, for messages.
    public static func redacted(_ url: String) -> String {
        guard var u = URLComponents(string: url), u.password != nil else { return url }
        u.password = "redacted"
        return u.string ?? "(a database URL)"
    }

    // MARK: Migrations

    /// The same versions as the SQLite store's, each a list of statements.
    static let migrations: [(name: String, statements: [String])] = [
        ("v1: submissions", [
            """
            CREATE TABLE submission (
              id BIGSERIAL PRIMARY KEY,
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
            )
            """,
            "CREATE INDEX submission_force ON submission (force, id)",
        ]),
        ("v2: request digests", ["ALTER TABLE submission ADD COLUMN request_digest TEXT"]),
        ("v3: delivery outbox", [
            """
            CREATE TABLE delivery (
              id TEXT PRIMARY KEY,
              submission_id BIGINT NOT NULL REFERENCES submission (id),
              destination TEXT NOT NULL,
              state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
              attempts INTEGER NOT NULL DEFAULT 0,
              next_attempt_at BIGINT NOT NULL,
              lease_until BIGINT,
              created_at BIGINT NOT NULL,
              finished_at BIGINT,
              force_reference TEXT,
              last_error TEXT,
              fallback_for TEXT REFERENCES delivery (id),
              UNIQUE (submission_id, destination)
            )
            """,
            "CREATE INDEX delivery_due ON delivery (state, next_attempt_at)",
            """
            CREATE TABLE delivery_attempt (
              id BIGSERIAL PRIMARY KEY,
              delivery_id TEXT NOT NULL REFERENCES delivery (id),
              at BIGINT NOT NULL,
              outcome TEXT NOT NULL,
              http_status INTEGER,
              milliseconds INTEGER NOT NULL,
              detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX delivery_attempt_delivery ON delivery_attempt (delivery_id, id)",
        ]),
        ("v4: sealed answers", ["ALTER TABLE submission ADD COLUMN answers_key TEXT"]),
        ("v5: retention", ["ALTER TABLE submission ADD COLUMN purged_at TEXT"]),
        ("v6: audit log", [
            """
            CREATE TABLE audit (
              id BIGINT PRIMARY KEY,
              at TEXT NOT NULL,
              actor TEXT NOT NULL,
              action TEXT NOT NULL,
              force TEXT,
              target TEXT NOT NULL,
              address TEXT,
              previous TEXT NOT NULL,
              hash TEXT NOT NULL
            )
            """,
            "CREATE INDEX audit_force ON audit (force, id)",
        ]),
        // A report about another force's area (`ReportRouting`); each delivery names the
        // force whose destination it is (two forces' destinations may share a name) and
        // whether it is a transfer notice.
        ("v7: routing", [
            "ALTER TABLE submission ADD COLUMN area TEXT, ADD COLUMN area_name TEXT, ADD COLUMN area_force TEXT, ADD COLUMN routing TEXT",
            "CREATE INDEX submission_area_force ON submission (area_force, id) WHERE area_force IS NOT NULL",
            "ALTER TABLE delivery ADD COLUMN force TEXT, ADD COLUMN kind TEXT NOT NULL DEFAULT 'report' CHECK (kind IN ('report', 'notice'))",
            "UPDATE delivery d SET force = s.force FROM submission s WHERE s.id = d.submission_id",
            "ALTER TABLE delivery ALTER COLUMN force SET NOT NULL",
            "ALTER TABLE delivery DROP CONSTRAINT delivery_submission_id_destination_key",
            "ALTER TABLE delivery ADD CONSTRAINT delivery_submission_force_destination UNIQUE (submission_id, force, destination)",
        ]),
    ]

    /// Applies what is missing, in one transaction holding an advisory lock: a second instance
    /// starting at the same moment waits, then finds nothing left to do.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withTransaction(logger: logger) { db in
            try await db.query("SELECT pg_advisory_xact_lock(7358821)", logger: logger)
            try await db.query("CREATE TABLE IF NOT EXISTS soh_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                               logger: logger)
            var applied = Set<String>()
            for try await name in try await db.query("SELECT name FROM soh_migration", logger: logger).decode(String.self) { applied.insert(name) }
            var now: [String] = []
            for migration in Self.migrations where !applied.contains(migration.name) {
                for statement in migration.statements { try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await db.query("INSERT INTO soh_migration (name) VALUES (\(migration.name))", logger: logger)
                now.append(migration.name)
            }
            return now
        }
    }

    public func appliedMigrations() async throws -> [String] {
        var names: [String] = []
        for try await name in try await client.query("SELECT name FROM soh_migration ORDER BY name", logger: logger).decode(String.self) {
            names.append(name)
        }
        return names
    }

    public func pendingMigrations() async throws -> [String] {
        let applied = Set(try await appliedMigrations())
        return Self.migrations.map(\.name).filter { !applied.contains($0) }
    }

    // MARK: Submissions

    public func store(_ new: NewSubmission) async throws -> StoreOutcome {
        let digest = new.requestDigest
        let keys = try AnswerKeys.required(keys)
        return try await client.withTransaction(logger: logger) { db in
            if let key = new.idempotencyKey, let outcome = try await Self.replay(db, keys, force: new.force, key: key, digest: digest, logger: logger) {
                return outcome
            }
            let receivedAt = StoreTime.now()
            for _ in 0..<10 {
                let reference = Reference.make(code: new.code)
                let sealed = try keys.seal(new.answers, force: new.force, reference: reference)
                // Nothing inserted: the reference was drawn before, or another instance stored
                // this idempotency key since the check above (the unique constraint decides).
                let inserted = try await db.query("""
                    INSERT INTO submission (reference, force, form, form_version, language, answers, answers_key, received_at, started_at,
                                            submitted_at, idempotency_key, request_digest, area, area_name, area_force, routing)
                    VALUES (\(reference), \(new.force), \(new.form), \(new.version), \(new.language), \(sealed.text), \(sealed.keyID),
                            \(receivedAt), \(new.startedAt), \(new.submittedAt), \(new.idempotencyKey), \(digest),
                            \(new.routing?.area), \(new.routing?.areaName), \(new.routing?.areaForce), \(new.routing?.action.rawValue))
                    ON CONFLICT DO NOTHING RETURNING id
                    """, logger: logger).decode(Int64.self).array()
                guard let id = inserted.first else {
                    if let key = new.idempotencyKey, let outcome = try await Self.replay(db, keys, force: new.force, key: key, digest: digest, logger: logger) {
                        return outcome
                    }
                    continue
                }
                let now = StoreTime.milliseconds(Date())
                for target in new.destinations {
                    try await db.query("""
                        INSERT INTO delivery (id, submission_id, force, destination, kind, next_attempt_at, created_at, last_error)
                        VALUES (\(UUID().uuidString.lowercased()), \(id), \(target.force ?? new.force), \(target.destination),
                                \(target.notice ? "notice" : "report"), \(target.held ? StoreTime.held : now), \(now),
                                \(target.held ? StoreTime.waiting(for: new.force) : nil))
                        """, logger: logger)
                }
                if !new.destinations.isEmpty { try await Self.announce(db, logger: logger) }
                var stored = StoredSubmission(id: id, reference: reference, force: new.force, form: new.form, version: new.version,
                                              language: new.language, answers: new.answers, receivedAt: receivedAt,
                                              startedAt: new.startedAt, submittedAt: new.submittedAt)
                stored.routing = new.routing
                return .created(stored)
            }
            throw StoreError.notStored
        }
    }

    public func importSubmission(_ imported: ImportedSubmission) async throws -> Bool {
        let s = imported.submission
        // A purged report comes in purged: there is nothing to seal.
        let sealed: (text: String, keyID: String?) = s.purgedAt == nil
            ? try { let k = try AnswerKeys.required(keys).seal(s.answers, force: s.force, reference: s.reference); return (k.text, k.keyID) }()
            : ("", nil)
        return try await client.withTransaction(logger: logger) { db in
            let inserted = try await db.query("""
                INSERT INTO submission (reference, force, form, form_version, language, answers, answers_key, received_at, started_at, submitted_at, purged_at,
                                        area, area_name, area_force, routing)
                VALUES (\(s.reference), \(s.force), \(s.form), \(s.version), \(s.language), \(sealed.text), \(sealed.keyID), \(s.receivedAt),
                        \(s.startedAt), \(s.submittedAt), \(s.purgedAt),
                        \(s.routing?.area), \(s.routing?.areaName), \(s.routing?.areaForce), \(s.routing?.action.rawValue))
                ON CONFLICT (reference) DO NOTHING RETURNING id
                """, logger: logger).decode(Int64.self).array()
            guard let id = inserted.first else { return false }
            let now = StoreTime.milliseconds(Date())
            for d in imported.deliveries {
                let finished: Int64? = d.state == "pending" ? nil : now
                // A held delivery stays held: it is released when the delivery it waits for ends.
                let held = d.state == "pending" && d.held == true
                try await db.query("""
                    INSERT INTO delivery (id, submission_id, force, destination, kind, state, attempts, next_attempt_at, created_at, finished_at,
                                          force_reference, last_error)
                    VALUES (\(d.id), \(id), \(d.toForce ?? s.force), \(d.destination), \(d.notice == true ? "notice" : "report"), \(d.state),
                            \(d.attempts), \(held ? StoreTime.held : now), \(now), \(finished), \(d.forceReference),
                            \(held ? StoreTime.waiting(for: s.force) : d.lastError))
                    """, logger: logger)
            }
            if imported.deliveries.contains(where: { $0.state == "pending" }) { try await Self.announce(db, logger: logger) }
            return true
        }
    }

    /// The outcome for an idempotency key already stored by this force, nil when it is new.
    static func replay(_ db: PostgresConnection, _ keys: AnswerKeys, force: String, key: String, digest: String, logger: Logger) async throws -> StoreOutcome? {
        let rows = try await db.query("""
            SELECT request_digest, \(unescaped: columns) FROM submission WHERE force = \(force) AND idempotency_key = \(key)
            """, logger: logger)
        for try await row in rows {
            guard try row.decode((String?, Int64).self).0 == digest else { return .keyReused }
            return .replayed(try submission(row, keys, from: 1))
        }
        return nil
    }

    static let columns = """
        id, reference, force, form, form_version, language, answers, answers_key, received_at, started_at, submitted_at, purged_at,
        area, area_name, area_force, routing
        """

    /// A submission from `columns` (starting at column `from`), its answers opened; a row whose
    /// answers cannot be opened is an error, never an empty answer.
    static func submission(_ row: PostgresRow, _ keys: AnswerKeys, from first: Int = 0) throws -> StoredSubmission {
        let cells = Array(row)
        func value<T: PostgresDecodable>(_ i: Int, _ type: T.Type) throws -> T { try cells[first + i].decode(T.self) }
        let (reference, force) = (try value(1, String.self), try value(2, String.self))
        var stored = StoredSubmission(id: try value(0, Int64.self), reference: reference, force: force, form: try value(3, String.self),
                                      version: try value(4, Int.self), language: try value(5, String.self),
                                      answers: try keys.open(try value(6, String.self), keyID: try value(7, String?.self), force: force, reference: reference),
                                      receivedAt: try value(8, String.self), startedAt: try value(9, String?.self), submittedAt: try value(10, String?.self),
                                      purgedAt: try value(11, String?.self))
        stored.routing = StoredRouting.read(receivedBy: force, area: try value(12, String?.self), areaName: try value(13, String?.self),
                                            areaForce: try value(14, String?.self), action: try value(15, String?.self))
        return stored
    }

    func submissions(_ query: PostgresQuery) async throws -> [StoredSubmission] {
        var result: [StoredSubmission] = []
        for try await row in try await client.query(query, logger: logger) { result.append(try Self.submission(row, try AnswerKeys.required(keys))) }
        return result
    }

    public func purge(_ rule: Retention.Cutoffs, now: Date, dryRun: Bool) async throws -> Retention.Purged {
        let delivered = StoreTime.milliseconds(rule.deliveredBefore), deliveredISO = StoreTime.iso(delivered)
        let capISO = StoreTime.iso(StoreTime.milliseconds(rule.receivedBefore)), nowMS = StoreTime.milliseconds(now)
        return try await client.withTransaction(logger: logger) { db in
            let atCap = try await db.query("""
                SELECT id FROM submission WHERE purged_at IS NULL AND received_at < \(capISO) FOR UPDATE
                """, logger: logger).decode(Int64.self).array()
            let afterDelivery = try await db.query("""
                SELECT s.id FROM submission s WHERE s.purged_at IS NULL AND s.received_at >= \(capISO) AND (
                  (EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = s.id)
                   AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = s.id AND d.state <> 'delivered')
                   AND (SELECT MAX(finished_at) FROM delivery d WHERE d.submission_id = s.id) < \(delivered))
                  OR (NOT EXISTS (SELECT 1 FROM delivery d WHERE d.submission_id = s.id) AND s.received_at < \(deliveredISO)))
                FOR UPDATE OF s
                """, logger: logger).decode(Int64.self).array()
            let waiting = atCap.isEmpty ? 0 : try await db.query("""
                SELECT COUNT(*)::bigint FROM delivery WHERE state = 'pending' AND submission_id = ANY(\(atCap))
                """, logger: logger).decode(Int64.self).array().first ?? 0
            if !dryRun {
                if !atCap.isEmpty {
                    try await db.query("""
                        UPDATE delivery SET state = 'dead', last_error = \(Retention.givenUp), finished_at = \(nowMS), lease_until = NULL
                        WHERE state = 'pending' AND submission_id = ANY(\(atCap))
                        """, logger: logger)
                }
                let ids = atCap + afterDelivery
                if !ids.isEmpty {
                    try await db.query("""
                        UPDATE submission SET answers = '', answers_key = NULL, purged_at = \(StoreTime.iso(nowMS)) WHERE id = ANY(\(ids))
                        """, logger: logger)
                }
            }
            return Retention.Purged(afterDelivery: afterDelivery.count, atCap: atCap.count, deliveriesGivenUp: Int(waiting))
        }
    }

    public func audit(_ entry: AuditLog.Entry, now: Date) async throws {
        let at = StoreTime.iso(StoreTime.milliseconds(now))
        try await client.withTransaction(logger: logger) { db in
            // One appender at a time across instances: the chain has one order.
            try await db.query("SELECT pg_advisory_xact_lock(7358822)", logger: logger)
            let last = try await db.query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", logger: logger)
                .decode((Int64, String).self).array().first
            let id = (last?.0 ?? 0) + 1, previous = last?.1 ?? AuditLog.genesis
            let hash = AuditLog.hash(id: id, at: at, entry: entry, previous: previous)
            try await db.query("""
                INSERT INTO audit (id, at, actor, action, force, target, address, previous, hash)
                VALUES (\(id), \(at), \(entry.actor), \(entry.action), \(entry.force), \(entry.target), \(entry.address), \(previous), \(hash))
                """, logger: logger)
        }
    }

    public func auditRecords(force: String?, after: Int64?, limit: Int) async throws -> [AuditLog.Record] {
        var records: [AuditLog.Record] = []
        let rows = try await client.query("""
            SELECT id, at, actor, action, force, target, address, previous, hash FROM audit
            WHERE (\(force)::text IS NULL OR force = \(force)) AND id > \(after ?? 0) ORDER BY id LIMIT \(limit)
            """, logger: logger)
        for try await (id, at, actor, action, force, target, address, previous, hash) in
            rows.decode((Int64, String, String, String, String?, String, String?, String, String).self) {
            records.append(AuditLog.Record(id: id, at: at, actor: actor, action: action, force: force, target: target, address: address,
                                           previous: previous, hash: hash))
        }
        return records
    }

    public func reseal(batch: Int, sealUnsealed: Bool) async throws -> Int {
        let keys = try AnswerKeys.required(keys)
        return try await client.withTransaction(logger: logger) { db in
            let rows = try await db.query("""
                SELECT id, reference, force, answers, answers_key FROM submission
                WHERE purged_at IS NULL AND (answers_key IS NULL OR answers_key <> \(keys.current)) ORDER BY id LIMIT \(batch) FOR UPDATE
                """, logger: logger).decode((Int64, String, String, String, String?).self).array()
            for (id, reference, force, answers, keyID) in rows {
                let sealed = try keys.seal(try keys.open(answers, keyID: keyID, force: force, reference: reference, acceptUnsealed: sealUnsealed), force: force, reference: reference)
                try await db.query("UPDATE submission SET answers = \(sealed.text), answers_key = \(sealed.keyID) WHERE id = \(id)", logger: logger)
            }
            return rows.count
        }
    }

    public func list(force: String, since: Date?, after: Int64?, limit: Int) async throws -> [StoredSubmission] {
        let since = since.map(StoreTime.iso(_:))
        return try await submissions("""
            SELECT \(unescaped: Self.columns) FROM submission
            WHERE (force = \(force) OR area_force = \(force)) AND (\(since)::text IS NULL OR received_at >= \(since)) AND (\(after)::bigint IS NULL OR id > \(after))
            ORDER BY id LIMIT \(limit)
            """)
    }

    public func get(force: String, reference: String) async throws -> StoredSubmission? {
        try await submissions("SELECT \(unescaped: Self.columns) FROM submission WHERE (force = \(force) OR area_force = \(force)) AND reference = \(reference.uppercased())").first
    }

    public func count() async throws -> Int {
        try await client.query("SELECT COUNT(*) FROM submission", logger: logger).decode(Int.self).array().first ?? 0
    }
}

extension AsyncSequence {
    /// Every element, in order.
    func array() async throws -> [Element] {
        var result: [Element] = []
        for try await element in self { result.append(element) }
        return result
    }
}
