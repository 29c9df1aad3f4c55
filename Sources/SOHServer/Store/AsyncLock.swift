import Synchronization

/// A lock held across suspension points, handed on in the order it was asked for: one SQLite
/// write transaction at a time on the connection that writes.
final class AsyncLock: Sendable {
    private let state = Mutex<(held: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    /// `body`'s result, run while no other holder runs.
    func holding<T>(_ body: () async throws -> T) async throws -> T {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                if s.held { s.waiting.append(turn); return false }
                s.held = true
                return true
            }
            if now { turn.resume() }
        }
        defer {
            let next = state.withLock { s in
                if s.waiting.isEmpty { s.held = false; return nil as CheckedContinuation<Void, Never>? }
                return s.waiting.removeFirst()
            }
            next?.resume()
        }
        return try await body()
    }
}
