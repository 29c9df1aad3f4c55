import Synchronization

/// Work that must finish within a time: a delivery attempt (whatever the peer does), a database
/// operation (whatever the database does), connecting to a database at start.
public enum TimeLimit {
    public struct Exceeded: Error, CustomStringConvertible {
        public var seconds: Double
        public var description: String { "took longer than \(seconds.formatted()) s" }
    }

    /// What the check of `within` found: the work cannot succeed now (a database that refuses
    /// connections), said without waiting for the whole limit.
    public struct Unreachable: Error, CustomStringConvertible {
        public var description: String
    }

    /// `operation`'s result, or `Exceeded` once `seconds` have passed. The operation is then
    /// cancelled but not waited for: work that ignores cancellation (a connection pool waiting
    /// for a database that is down) cannot hold the caller past the limit. `check`, when given,
    /// is asked once the work has taken half a second, then every second, whether it can
    /// succeed at all: its reason ends the wait at once with `Unreachable`.
    public static func within<T: Sendable>(_ seconds: Double, _ operation: @escaping @Sendable () async throws -> T,
                                           check: (@Sendable () async -> String?)? = nil) async throws -> T {
        let outcome = Outcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                var tasks = [
                    Task { outcome.finish(with: await Result(catching: operation)) },
                    Task {
                        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                        outcome.finish(with: .failure(Exceeded(seconds: seconds)))
                    },
                ]
                if let check, seconds > 0.5 {
                    tasks.append(Task {
                        var wait = Duration.milliseconds(500)
                        while (try? await Task.sleep(for: wait)) != nil {
                            if let reason = await check() { return outcome.finish(with: .failure(Unreachable(description: reason))) }
                            wait = .seconds(1)
                        }
                    })
                }
                outcome.start(continuation, tasks: tasks)
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

        func start(_ continuation: CheckedContinuation<T, any Error>, tasks: [Task<Void, Never>]) {
            let early: Result<T, any Error>? = state.withLock { s in
                s.tasks = tasks
                if let early = s.early { return early }
                s.continuation = continuation
                return nil
            }
            if let early {
                tasks.forEach { $0.cancel() }
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
