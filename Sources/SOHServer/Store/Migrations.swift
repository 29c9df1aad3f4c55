import SQLKit

/// The schema's versions, oldest first, one list for both databases: each applied once, in
/// order, recorded in `soh_migration`. Where SQLite and PostgreSQL cannot share a statement
/// (changing a constraint), the migration says which and why. Times in `delivery` are
/// milliseconds since 1970; those in `submission` ISO 8601 in UTC with milliseconds
/// (`StoreTime.iso`), one fixed width, so they sort as the instants they name.
enum Migrations {
    typealias Step = @Sendable (StoreDialect, any SQLDatabase) async throws -> Void

    static let all: [(name: String, apply: Step)] = [
        ("v1: submissions", { d, db in try await run(db, [
            """
            CREATE TABLE submission (
              id \(unsafeRaw: d.autoID), reference TEXT NOT NULL UNIQUE, force TEXT NOT NULL, form TEXT NOT NULL,
              form_version INTEGER NOT NULL, language TEXT NOT NULL, answers TEXT NOT NULL, received_at TEXT NOT NULL,
              started_at TEXT, submitted_at TEXT, idempotency_key TEXT, UNIQUE (force, idempotency_key))
            """,
            "CREATE INDEX submission_force ON submission (force, id)",
        ]) }),
        // The digest of what was sent with an idempotency key: the same key with other content
        // is refused instead of answered with the first report's reference.
        ("v2: request digests", { _, db in
            try await db.raw("ALTER TABLE submission ADD COLUMN request_digest TEXT").run()
            for row in try await db.raw("SELECT id, form, form_version, language, answers FROM submission WHERE idempotency_key IS NOT NULL").all() {
                let digest = NewSubmission.digest(form: try row.decode(column: "form", as: String.self), version: try row.decode(column: "form_version", as: Int.self),
                                                  language: try row.decode(column: "language", as: String.self), answers: try row.decode(column: "answers", as: String.self))
                try await db.raw("UPDATE submission SET request_digest = \(bind: digest) WHERE id = \(bind: try row.decode(column: "id", as: Int64.self))").run()
            }
        }),
        // One delivery per destination, written with its submission (a transactional outbox);
        // every attempt kept.
        ("v3: delivery outbox", { d, db in try await run(db, [
            """
            CREATE TABLE delivery (
              id TEXT PRIMARY KEY, submission_id BIGINT NOT NULL REFERENCES submission (id), destination TEXT NOT NULL,
              state TEXT NOT NULL DEFAULT \(DeliveryState.pending) CHECK (state IN (\(DeliveryState.sqlList))),
              attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, lease_until BIGINT, created_at BIGINT NOT NULL,
              finished_at BIGINT, force_reference TEXT, last_error TEXT, fallback_for TEXT REFERENCES delivery (id),
              UNIQUE (submission_id, destination))
            """,
            "CREATE INDEX delivery_due ON delivery (state, next_attempt_at)",
            """
            CREATE TABLE delivery_attempt (
              id \(unsafeRaw: d.autoID), delivery_id TEXT NOT NULL REFERENCES delivery (id), at BIGINT NOT NULL, outcome TEXT NOT NULL,
              http_status INTEGER, milliseconds INTEGER NOT NULL, detail TEXT NOT NULL)
            """,
            "CREATE INDEX delivery_attempt_delivery ON delivery_attempt (delivery_id, id)",
        ]) }),
        // The id of the key that sealed the row's answers (`AnswerKeys`); NULL for rows stored
        // before, whose answers are plain until `soh api rotate-key` seals them.
        ("v4: sealed answers", { _, db in try await run(db, ["ALTER TABLE submission ADD COLUMN answers_key TEXT"]) }),
        // When the answers were purged (`Retention`); the rest of the row is kept.
        ("v5: retention", { _, db in try await run(db, ["ALTER TABLE submission ADD COLUMN purged_at TEXT"]) }),
        // Appended only (`AuditLog`): each entry's hash covers it and the one before.
        ("v6: audit log", { _, db in try await run(db, [
            """
            CREATE TABLE audit (
              id BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, force TEXT, target TEXT NOT NULL,
              address TEXT, previous TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            "CREATE INDEX audit_force ON audit (force, id)",
        ]) }),
        // A report about another force's area (`ReportRouting`): the area, its force and what
        // was done. Each delivery names the force whose destination it is (two forces'
        // destinations may share a name) and whether it is a transfer notice.
        ("v7: routing", { d, db in
            try await run(db, ["area", "area_name", "area_force", "routing"].map { "ALTER TABLE submission ADD COLUMN \(unsafeRaw: $0) TEXT" })
            try await run(db, ["CREATE INDEX submission_area_force ON submission (area_force, id) WHERE area_force IS NOT NULL"])
            switch d {
            case .sqlite:  // SQLite changes a unique key by making the table again
                try await rebuildDelivery(db, copying: """
                    SELECT d.id, d.submission_id, s.force, d.destination, \(DeliveryKind.report), d.state, d.attempts, d.next_attempt_at,
                           d.lease_until, d.created_at, d.finished_at, d.force_reference, d.last_error, d.fallback_for
                    FROM delivery d JOIN submission s ON s.id = d.submission_id
                    """)
            case .postgres:
                try await run(db, [
                    "ALTER TABLE delivery ADD COLUMN force TEXT, ADD COLUMN kind TEXT NOT NULL DEFAULT \(DeliveryKind.report) CHECK (kind IN (\(DeliveryKind.sqlList)))",
                    "UPDATE delivery d SET force = s.force FROM submission s WHERE s.id = d.submission_id",
                    "ALTER TABLE delivery ALTER COLUMN force SET NOT NULL",
                    "ALTER TABLE delivery DROP CONSTRAINT delivery_submission_id_destination_key",
                    "ALTER TABLE delivery ADD CONSTRAINT delivery_submission_force_destination UNIQUE (submission_id, force, destination)",
                ])
            }
        }),
        // A delivery held for the force a report was made to has a state of its own (it was a
        // due time no clock reaches).
        ("v8: held deliveries", { d, db in
            let heldUntil: Int64 = 9_000_000_000_000_000
            switch d {
            case .sqlite:  // SQLite changes a CHECK constraint by making the table again
                try await rebuildDelivery(db, copying: """
                    SELECT id, submission_id, force, destination, kind,
                           CASE WHEN state = \(DeliveryState.pending) AND next_attempt_at = \(literal: heldUntil) THEN \(DeliveryState.held) ELSE state END,
                           attempts, next_attempt_at, lease_until, created_at, finished_at, force_reference, last_error, fallback_for
                    FROM delivery
                    """)
            case .postgres:
                try await run(db, [
                    "ALTER TABLE delivery DROP CONSTRAINT delivery_state_check",
                    "ALTER TABLE delivery ADD CONSTRAINT delivery_state_check CHECK (state IN (\(DeliveryState.sqlList)))",
                    "UPDATE delivery SET state = \(DeliveryState.held) WHERE state = \(DeliveryState.pending) AND next_attempt_at = \(literal: heldUntil)",
                ])
            }
        }),
        // Where each delivery's destination sent when the report was stored
        // (`DeliveryConfig.Kind.address`); NULL for those stored before, sent as configured.
        ("v9: delivery addresses", { _, db in try await run(db, ["ALTER TABLE delivery ADD COLUMN address TEXT"]) }),
        // Evidence files (docs/evidence.md): each upload as it arrives, is scanned and joins a
        // report. The name is sealed like answers; the bytes are in the evidence folder.
        ("v10: uploads", { _, db in try await run(db, [
            """
            CREATE TABLE upload (
              id TEXT PRIMARY KEY, force TEXT NOT NULL, form TEXT NOT NULL, question TEXT NOT NULL, name TEXT NOT NULL, key_id TEXT NOT NULL,
              size BIGINT NOT NULL, received BIGINT NOT NULL DEFAULT 0, sealed_length BIGINT NOT NULL DEFAULT 0, pieces INTEGER NOT NULL DEFAULT 0,
              media_type TEXT, sha256 TEXT, state TEXT NOT NULL DEFAULT \(UploadState.receiving) CHECK (state IN (\(UploadState.sqlList))),
              detail TEXT, scan_until BIGINT, created_at BIGINT NOT NULL, scanned_at BIGINT, submission_id BIGINT REFERENCES submission (id))
            """,
            "CREATE INDEX upload_state ON upload (state, created_at)",
            "CREATE INDEX upload_submission ON upload (submission_id)",
        ]) }),
        // When an upload's name and bytes went under the retention rules (`purge`); its size,
        // kind, digest and scan stay, as a purged report's delivery outcomes do.
        ("v11: upload retention", { _, db in try await run(db, ["ALTER TABLE upload ADD COLUMN purged_at BIGINT"]) }),
        // Confirmations to the person who reported go through the outbox as deliveries of
        // their own kind (docs/messages.md).
        ("v12: confirmation messages", { d, db in
            switch d {
            case .sqlite:  // SQLite changes a CHECK constraint by making the table again
                try await rebuildDelivery(db, copying: """
                    SELECT id, submission_id, force, destination, kind, state, attempts, next_attempt_at, lease_until, created_at, finished_at,
                           force_reference, last_error, fallback_for, address
                    FROM delivery
                    """, withAddress: true)
            case .postgres:
                try await run(db, [
                    "ALTER TABLE delivery DROP CONSTRAINT delivery_kind_check",
                    "ALTER TABLE delivery ADD CONSTRAINT delivery_kind_check CHECK (kind IN (\(DeliveryKind.sqlList)))",
                ])
            }
        }),
    ]

    static var names: [String] { all.map(\.name) }

    /// Applies what is missing in one transaction (`StoreDatabase.migrating`), one instance at a
    /// time; returns what it applied. A SQLite file from before this list was kept here has its record in GRDB's
    /// table, which is read once.
    static func apply(on database: any StoreDatabase) async throws -> [String] {
        let dialect = database.dialect
        return try await database.migrating { db in
            if let exclusive = dialect.exclusive(.migrations) { try await db.raw(exclusive).run() }
            try await db.raw("CREATE TABLE IF NOT EXISTS soh_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)").run()
            var applied = Set(try await db.raw("SELECT name FROM soh_migration").all(decodingColumn: "name", as: String.self))
            if dialect == .sqlite, applied.isEmpty,  // only SQLite files were kept by GRDB
               try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'grdb_migrations'").first() != nil {
                try await db.raw("INSERT INTO soh_migration (name) SELECT identifier FROM grdb_migrations").run()
                try await db.raw("DROP TABLE grdb_migrations").run()
                applied = Set(try await db.raw("SELECT name FROM soh_migration").all(decodingColumn: "name", as: String.self))
            }
            var now: [String] = []
            for migration in all where !applied.contains(migration.name) {
                try await migration.apply(dialect, db)
                try await db.raw("INSERT INTO soh_migration (name) VALUES (\(bind: migration.name))").run()
                now.append(migration.name)
            }
            return now
        }
    }

    /// The applied migrations in this list's order (for `/readyz` and `soh api migrate`).
    static func applied(on database: any StoreDatabase) async throws -> [String] {
        let names = Set(try await database.read { db in try await db.raw("SELECT name FROM soh_migration").all(decodingColumn: "name", as: String.self) })
        return self.names.filter(names.contains) + names.subtracting(self.names).sorted()
    }

    static func run(_ db: any SQLDatabase, _ statements: [SQLQueryString]) async throws {
        for statement in statements { try await db.raw(statement).run() }
    }

    /// SQLite's way to change a delivery constraint: the table made again as it is now, with
    /// the rows `select` gives, in its columns' order (`address` last, from v9 on).
    static func rebuildDelivery(_ db: any SQLDatabase, copying select: SQLQueryString, withAddress: Bool = false) async throws {
        try await run(db, [
            """
            CREATE TABLE delivery_new (
              id TEXT PRIMARY KEY, submission_id BIGINT NOT NULL REFERENCES submission (id), force TEXT NOT NULL, destination TEXT NOT NULL,
              kind TEXT NOT NULL DEFAULT \(DeliveryKind.report) CHECK (kind IN (\(DeliveryKind.sqlList))),
              state TEXT NOT NULL DEFAULT \(DeliveryState.pending) CHECK (state IN (\(DeliveryState.sqlList))),
              attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, lease_until BIGINT, created_at BIGINT NOT NULL,
              finished_at BIGINT, force_reference TEXT, last_error TEXT, fallback_for TEXT REFERENCES delivery_new (id),
              \(unsafeRaw: withAddress ? "address TEXT, " : "")UNIQUE (submission_id, force, destination))
            """,
            """
            INSERT INTO delivery_new (id, submission_id, force, destination, kind, state, attempts, next_attempt_at, lease_until, created_at,
                                      finished_at, force_reference, last_error, fallback_for\(unsafeRaw: withAddress ? ", address" : "")) \(select)
            """,
            "DROP TABLE delivery",
            "ALTER TABLE delivery_new RENAME TO delivery",
            "CREATE INDEX delivery_due ON delivery (state, next_attempt_at)",
        ])
    }
}
