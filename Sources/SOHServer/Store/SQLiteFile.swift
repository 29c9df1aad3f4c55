import Foundation
import SQLiteKit
import Synchronization

/// A SQLite file, the embedded default for one machine: write-ahead log with full
/// synchronisation, so a transaction is on disk when its commit returns and survives a crash.
/// One connection writes (SQLite has one writer), the writes asked for while one commits taken
/// together (`WriteBatches`); two connections read beside it (the log lets readers go on while a
/// write commits).
/// Other processes on the same file (the commands) wait their turn for up to 10 s.
final class SQLiteFile: StoreDatabase {
    let dialect = StoreDialect.sqlite
    let writer: SQLiteConnection
    let readers: [SQLiteConnection]
    /// The writer's turn: a batch of writes, or a migration.
    let turn: AsyncLock
    let batches: WriteBatches
    let nextReader = Atomic<Int>(0)

    private init(writer: SQLiteConnection, readers: [SQLiteConnection]) {
        let turn = AsyncLock()
        (self.writer, self.readers, self.turn) = (writer, readers, turn)
        batches = WriteBatches { bodies in
            try await turn.holding {
                try await Self.transaction(on: writer) { db in
                    var results: [any Sendable] = []
                    for body in bodies { results.append(try await body(db)) }
                    return results
                }
            }
        }
    }

    static func open(path: String) async throws -> SQLiteFile {
        // Always the file at that path: sqlite-nio lets SQLite read `file:…` as a URI, and SQLite
        // takes `:memory:` for no file at all (acknowledged reports that a restart loses).
        let file = path.hasPrefix("/") ? path : "./" + path
        var connections: [SQLiteConnection] = []
        do {
            for _ in 0..<3 {
                let connection = try await SQLiteConnection.open(storage: .file(path: file))
                connections.append(connection)
                for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"] {
                    _ = try await connection.query(pragma)
                }
            }
        } catch {
            for connection in connections { try? await connection.close() }
            throw error
        }
        return SQLiteFile(writer: connections[0], readers: Array(connections.dropFirst()))
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let (index, _) = nextReader.add(1, ordering: .relaxed)
        return try await body(readers[index % readers.count].sql())
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await batches.write(body)
    }

    /// Foreign keys off while a migration rebuilds a table (SQLite's way to change one), then
    /// checked over the whole database before it commits.
    func migrating<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await turn.holding {
            _ = try await writer.query("PRAGMA foreign_keys = OFF")
            do {
                let result = try await Self.transaction(on: writer) { db in
                    let result = try await body(db)
                    if let broken = try await db.raw("PRAGMA foreign_key_check").first() {
                        throw SubmissionStore.CannotOpen(description: "a migration left a broken reference in \(try broken.decode(column: "table", as: String.self))")
                    }
                    return result
                }
                _ = try await writer.query("PRAGMA foreign_keys = ON")
                return result
            } catch {
                _ = try? await writer.query("PRAGMA foreign_keys = ON")
                throw error
            }
        }
    }

    /// Begins before `body` takes its first lock (`IMMEDIATE`), so two processes never both
    /// read and then both wait to write.
    private static func transaction<T: Sendable>(on writer: SQLiteConnection, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = writer.sql()
        try await db.raw("BEGIN IMMEDIATE").run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    /// Each connection closed on its own task (which keeps it until then).
    func close() {
        for connection in [writer] + readers { Task { try? await connection.close() } }
    }

    deinit { close() }
}
