import Foundation
import SQLiteKit
import Synchronization

/// A SQLite file, the embedded default for one machine: write-ahead log with full
/// synchronisation, so a transaction is on disk when its commit returns and survives a crash.
/// One connection writes (SQLite has one writer): the write transactions asked for while one
/// commits are taken together into one transaction and answered once it is committed, so one
/// fsync makes several reports durable; when one of them fails, the transaction is rolled back
/// and each is run again on its own, so none takes another with it. Two connections read
/// beside it (the log lets readers go on while a write commits).
/// Other processes on the same file (the commands) wait their turn for up to 10 s.
final class SQLiteFile: StoreDatabase {
    let dialect = StoreDialect.sqlite
    let writer: SQLiteConnection
    let readers: [SQLiteConnection]
    let turn = AsyncLock()
    /// Write transactions waiting for the writer, and whether it is taking them.
    private let waiting = Mutex<(jobs: [Job], draining: Bool)>(([], false))
    let nextReader = Atomic<Int>(0)

    private init(writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.writer = writer
        self.readers = readers
    }

    static func open(path: String) async throws -> SQLiteFile {
        var connections: [SQLiteConnection] = []
        do {
            for _ in 0..<3 {
                let connection = try await SQLiteConnection.open(storage: .file(path: path))
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
        let result = try await withCheckedThrowingContinuation { (done: CheckedContinuation<any Sendable, any Error>) in
            let start = waiting.withLock { w in
                w.jobs.append(Job(body: { try await body($0) }, done: done))
                defer { w.draining = true }
                return !w.draining
            }
            if start { Task { await drain() } }
        }
        return result as! T
    }

    /// A write transaction's work and who waits for it.
    private struct Job: Sendable {
        var body: @Sendable (any SQLDatabase) async throws -> any Sendable
        var done: CheckedContinuation<any Sendable, any Error>
    }

    /// Commits what waits, a batch at a time, until nothing does.
    private func drain() async {
        while true {
            let batch = waiting.withLock { w in
                let batch = Array(w.jobs.prefix(100))
                w.jobs.removeFirst(batch.count)
                if batch.isEmpty { w.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            if batch.count > 1, let results = try? await turn.holding({ try await transaction { db in try await Self.run(batch, in: db) } }) {
                for (job, result) in zip(batch, results) { job.done.resume(returning: result) }
                continue
            }
            for job in batch {
                do {
                    job.done.resume(returning: try await turn.holding { try await transaction { db in try await job.body(db) } })
                } catch {
                    job.done.resume(throwing: error)
                }
            }
        }
    }

    /// Every job of a batch in one transaction; the first that fails fails them all (they are
    /// then run one by one).
    private static func run(_ batch: [Job], in db: any SQLDatabase) async throws -> [any Sendable] {
        var results: [any Sendable] = []
        for job in batch { results.append(try await job.body(db)) }
        return results
    }

    /// Foreign keys off while a migration rebuilds a table (SQLite's way to change one), then
    /// checked over the whole database before it commits.
    func migrating<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await turn.holding {
            _ = try await writer.query("PRAGMA foreign_keys = OFF")
            do {
                let result = try await transaction { db in
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
    private func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
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
