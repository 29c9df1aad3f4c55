/// Work that must finish within a time: a delivery attempt (whatever the peer does), connecting
/// to a database at start.
public enum TimeLimit {
    public struct Exceeded: Error, CustomStringConvertible {
        public var seconds: Double
        public var description: String { "took longer than \(seconds.formatted()) s" }
    }

    /// `operation`, cancelled when it takes longer than `seconds` (then `Exceeded` is thrown).
    public static func within<T: Sendable>(_ seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                throw Exceeded(seconds: seconds)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Exceeded(seconds: seconds) }
            return first
        }
    }
}
