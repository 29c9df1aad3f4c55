import SQLKit
import Synchronization

/// Write transactions asked for while one commits, taken together: the next transaction runs
/// them all (one fsync for several) and each is answered once it is committed. When one of them
/// fails, that transaction is rolled back and each is run again in a transaction of its own, so
/// none takes another with it. For a database with one writer (SQLite).
final class WriteBatches: Sendable {
    typealias Body = @Sendable (any SQLDatabase) async throws -> any Sendable
    /// Runs the bodies, in order, in one transaction; returns their results once it is committed.
    typealias Transaction = @Sendable ([Body]) async throws -> [any Sendable]

    private let transaction: Transaction
    private let waiting = Mutex<(jobs: [Job], draining: Bool)>(([], false))

    init(_ transaction: @escaping Transaction) { self.transaction = transaction }

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
        var body: Body
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
            if batch.count > 1, let results = try? await transaction(batch.map(\.body)) {
                for (job, result) in zip(batch, results) { job.done.resume(returning: result) }
                continue
            }
            for job in batch {
                do {
                    job.done.resume(returning: try await transaction([job.body])[0])
                } catch {
                    job.done.resume(throwing: error)
                }
            }
        }
    }
}
