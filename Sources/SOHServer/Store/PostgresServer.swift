import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresKit
import PostgresNIO
import Synchronization
import SOHDelivery

/// A PostgreSQL server (through postgres-nio's pool), for several API instances on one
/// database: each transaction committed before it is acknowledged; the unique constraints
/// decide between instances given the same idempotency key at once; deliveries leased with
/// `FOR UPDATE SKIP LOCKED`, so one worker attempts each; new due deliveries announced on a
/// channel every instance's worker listens on; migrations applied under an advisory lock.
final class PostgresServer: StoreDatabase {
    let dialect = StoreDialect.postgres
    let client: PostgresClient
    let logger: Logger
    let runner: Task<Void, Never>
    /// Where the server is, for `unreachable()`.
    let target: PostgresURL
    /// The last answer of `unreachable()` and when it was found, shared by the requests of a
    /// second: one probe a second, whatever the load.
    let lastProbe = Mutex<(at: ContinuousClock.Instant, reason: String?)?>(nil)
    /// The channel on which new due deliveries are announced.
    static let channel = "soh_deliveries"

    /// `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]`.
    init(url: String, logger: Logger) async throws {
        let target = try PostgresURL(url)
        // One connection first, on its own: the pool retries a connection that fails (right for
        // a database that restarts later), so only this says at once why it cannot start (a
        // wrong password, a missing database, nothing listening).
        do {
            let connection = try await PostgresConnection.connect(configuration: try target.connection(), id: 0, logger: logger)
            try? await connection.close()
        } catch {
            throw SubmissionStore.CannotOpen(description: Self.describe(error))
        }
        let client = PostgresClient(configuration: try target.client(), backgroundLogger: logger)
        (self.target, self.client, self.logger) = (target, client, logger)
        runner = Task { await client.run() }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection.sql()) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withTransaction(logger: logger) { connection in try await body(connection.sql()) }
    }

    func migrating<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await write(body)
    }

    func announce(in db: any SQLDatabase) async throws {
        try await db.raw("SELECT pg_notify(\(bind: Self.channel), '')").run()
    }

    var announces: Bool { true }

    /// Listens on one connection of the pool for as long as the worker runs; when the connection
    /// is lost (a restart, a failover), listens again on another, waking the worker each time
    /// in case something was announced meanwhile.
    func watch(_ wake: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        await wake()
                        for try await _ in notifications { await wake() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("not listening for new deliveries (polling meanwhile): \(Self.describe(error))")
            }
            try? await Task.sleep(for: .seconds(2))
        }
    }

    /// Why the server cannot be reached, when a TCP connection to it is refused or not made
    /// within a second; nil when it connects. The pool itself keeps a request waiting while it
    /// retries (for up to a minute), so this is what lets a request during an outage be answered
    /// 503 at once.
    func unreachable() async -> String? {
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

    func close() { runner.cancel() }

    /// What went wrong, in the server's words when it said something (postgres-nio's own
    /// description hides them): a wrong password, a missing database, a refused connection.
    static func describe(_ error: any Error) -> String {
        if let failed = error as? PostgresTransactionError, let inner = failed.closureError ?? failed.beginError ?? failed.commitError {
            return SubmissionStore.describe(inner)
        }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            return "the database says: \(message)" + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        return error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)"
    }
}
