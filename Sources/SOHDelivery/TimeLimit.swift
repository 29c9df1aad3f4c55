import Synchronization

/// Work that must finish within a time: a delivery attempt (whatever the peer does), a database
/// operation (whatever the database does), connecting to a database at start.
public enum TimeLimit {
    public struct Exceeded: Error, CustomStringConvertible {
        public var seconds: Double
        public var description: String { "took longer than \(seconds.formatted()) s" }
    }

    /// `operation`'s result, or `Exceeded` once `seconds` have passed. The operation is then
    /// cancelled but not waited for: work that ignores cancellation (a connection pool waiting
    /// for a database that is down) cannot hold the caller past the limit.
    public static func within<T: Sendable>(_ seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                outcome.start(continuation,
                              work: Task { outcome.finish(with: await Result(catching: operation)) },
                              timer: Task {
                                  try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                                  outcome.finish(with: .failure(Exceeded(seconds: seconds)))
                              })
            }
        } onCancel: {
            outcome.finish(with: .failure(CancellationError()))
        }
    }

    /// Resumes the caller once, with whichever comes first, and cancels the others.
    final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var tasks: [Task<Void, Never>] = []
            var early: Result<T, any Error>?
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>, work: Task<Void, Never>, timer: Task<Void, Never>) {
            let early: Result<T, any Error>? = state.withLock { s in
                s.tasks = [work, timer]
                if let early = s.early { return early }
                s.continuation = continuation
                return nil
            }
            if let early {
                work.cancel()
                timer.cancel()
                continuation.resume(with: early)
            }
        }

        func finish(with result: Result<T, any Error>) {
            let (continuation, tasks): (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) = state.withLock { s in
                guard let continuation = s.continuation else {
                    if s.early == nil && s.tasks.isEmpty { s.early = result }
                    return (nil, [])
                }
                s.continuation = nil
                return (continuation, s.tasks)
            }
            tasks.forEach { $0.cancel() }
            continuation?.resume(with: result)
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
