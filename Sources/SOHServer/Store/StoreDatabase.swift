import SQLKit

/// A database the store runs on, and all that differs between SQLite and PostgreSQL: how a
/// transaction is taken and made durable, how other instances hear of new deliveries, and the
/// few pieces of SQL each spells its own way (`StoreDialect`). The store's SQL is written once
/// (`SubmissionStore`), as SQLKit queries with bound values.
protocol StoreDatabase: Sendable {
    var dialect: StoreDialect { get }
    /// `body` on one connection, each statement on its own.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// `body` in one transaction: committed, and on disk, when it returns; rolled back when it
    /// throws.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// `body` in one transaction, with what a table rebuilt in SQLite needs (its foreign keys
    /// checked at the end, not at each step).
    func migrating<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Why the database cannot be reached now, when that can be told quickly; nil when it may be.
    func unreachable() async -> String?
    /// Tells every instance's worker, when the transaction commits, that deliveries fell due.
    func announce(in db: any SQLDatabase) async throws
    /// Whether `watch` hears of deliveries other processes add.
    var announces: Bool { get }
    /// Calls `wake` whenever another process may have added due deliveries, until cancelled.
    func watch(_ wake: @escaping @Sendable () async -> Void) async
    /// Lets the connections go.
    func close()
}

extension StoreDatabase {
    func announce(in db: any SQLDatabase) async throws {}
    var announces: Bool { false }
    func watch(_ wake: @escaping @Sendable () async -> Void) async {}
    func unreachable() async -> String? { nil }
}

/// The SQL that SQLite and PostgreSQL spell differently, each with why.
enum StoreDialect: Sendable {
    case sqlite, postgres

    /// A table's own numbering: SQLite's row id, PostgreSQL's sequence.
    var autoID: String {
        switch self {
        case .sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT"
        case .postgres: "BIGSERIAL PRIMARY KEY"
        }
    }

    /// Locks the rows a statement reads until the transaction ends, skipping those another
    /// worker holds; SQLite has one writer at a time, so there is nothing to lock.
    var skipLocked: String { self == .postgres ? "FOR UPDATE SKIP LOCKED" : "" }

    /// Locks the rows a statement reads until the transaction ends; SQLite's write transaction
    /// already holds the whole database.
    var forUpdate: String { self == .postgres ? "FOR UPDATE" : "" }

    /// What only one transaction at a time, across instances, may do.
    enum Turn: Int {
        /// Applying migrations: a second instance starting at the same moment waits, then finds
        /// nothing left to do.
        case migrations = 7358821
        /// Appending to the audit log: the chain has one order.
        case audit = 7358822
    }

    /// Makes the transaction the only one, across instances, to take this turn until it ends;
    /// SQLite's write transaction is already the only one.
    func exclusive(_ turn: Turn) -> SQLQueryString? {
        self == .postgres ? "SELECT pg_advisory_xact_lock(\(literal: turn.rawValue))" : nil
    }
}

extension SQLQueryString {
    /// A delivery state or kind, written into the SQL as its stored value.
    mutating func appendInterpolation<Value: RawRepresentable<String>>(_ value: Value) {
        appendInterpolation(literal: value.rawValue)
    }
}

extension RawRepresentable where RawValue == String, Self: CaseIterable {
    /// Every stored value, for a `CHECK (column IN (…))`.
    static var sqlList: SQLQueryString { "\(literals: allCases.map(\.rawValue), joinedBy: ", ")" }
}
