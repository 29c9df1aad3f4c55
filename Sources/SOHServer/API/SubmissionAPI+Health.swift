import Foundation
import Hummingbird
import NIOCore
import SOHDelivery

/// Whether the service is alive and ready, and its metrics.
extension SubmissionAPI {

    struct Health: Encodable {
        var status = "ok"
        /// "ok", or "unreachable" when the database did not answer within 2 s.
        var database: String
        /// Deliveries waiting, dead, and how long the oldest waiting one has waited (seconds);
        /// absent when the database does not answer.
        var deliveries: Queue?
        struct Queue: Encodable { var pending: Int, dead: Int, oldestPendingSeconds: Int? }
    }

    /// Alive (the liveness check): 200 whenever the process serves, so a database outage does
    /// not get every instance restarted. Says whether the database answers and how the delivery
    /// queue stands, so a monitor sees a backlog growing or dead deliveries before anyone misses
    /// a report. `/readyz` is the check that takes an instance out of the load balancer.
    func health() async -> Response {
        do {
            let queue = try await bounded(seconds: 2) { try await store.queueDepth() }
            let oldest = queue.oldestPending.map { Int(Date().timeIntervalSince($0)) }
            return Self.encode(.ok, Health(database: "ok", deliveries: .init(pending: queue.pending, dead: queue.dead, oldestPendingSeconds: oldest)))
        } catch {
            logger.error("health check: the database does not answer: \(type(of: store).describe(error))")
            return Self.encode(.ok, Health(database: "unreachable"))
        }
    }

    /// Whether a load balancer should send requests here: the database answers and has every
    /// migration this version needs, and the process is not draining before it stops.
    func ready() async -> Response {
        if readiness.isDraining { return Self.error(.serviceUnavailable, "draining: this instance is stopping") }
        do {
            let pending = try await bounded(seconds: 2) { try await store.pendingMigrations() }
            guard pending.isEmpty else {
                return Self.error(.serviceUnavailable, "the database lacks migrations: \(pending.joined(separator: ", ")) (run soh api migrate)")
            }
        } catch {
            return Self.error(.serviceUnavailable, "the database does not answer")
        }
        return Self.encode(.ok, ["status": "ready"])
    }

    /// The Prometheus text format: the delivery queue (read now), attempts by outcome and the
    /// submit-to-delivered histogram.
    func exportMetrics() async -> Response {
        guard let metrics else { return Self.error(.notFound, "metrics are not exported by this server") }
        do {
            let queue = try await bounded { try await store.queueDepth() }
            DeliveryMetrics.queue(pending: queue.pending, dead: queue.dead,
                                  oldestPendingSeconds: queue.oldestPending.map { Int(Date().timeIntervalSince($0)) },
                                  oldestUndeliveredSeconds: queue.oldestUndelivered.map { Int(Date().timeIntervalSince($0)) })
        } catch {
            return Self.error(.serviceUnavailable, "the database does not answer")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: metrics())))
    }
}
