import Logging
import ServiceLifecycle
import SOHServer

/// The first service stopped on SIGTERM: it marks the instance not ready (`/readyz` answers 503)
/// and waits, still serving, so the load balancer stops sending requests here before the server
/// stops listening. The services listed before it in the group stop after it.
struct Drain: Service {
    let readiness: Readiness
    let seconds: Double
    let logger: Logger

    func run() async throws {
        // Returns when a graceful shutdown begins; throws when the group is cancelled instead.
        try await gracefulShutdown()
        readiness.startDraining()
        logger.notice("draining: not ready, stopping in \(seconds) s")
        try? await Task.sleep(for: .seconds(seconds))
    }
}
