import Synchronization

/// Whether this instance should be sent requests; false from SIGTERM while it drains.
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func startDraining() { draining.store(true, ordering: .relaxed) }
}
