import Hummingbird
import NIOCore

/// The request context of the API: Hummingbird's basic context plus the client's address, for
/// rate limiting.
public struct APIContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// A token bucket per client: `perMinute` requests a minute, in bursts of up to `burst`.
actor RateLimiter {
    let perMinute: Double
    let burst: Double
    var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    init(perMinute: Int, burst: Int) {
        self.perMinute = Double(perMinute)
        self.burst = Double(max(burst, 1))
    }

    /// Nil when allowed; otherwise the seconds to wait.
    func take(_ client: String) -> Int? {
        guard perMinute > 0 else { return nil }
        let now = ContinuousClock.now
        var bucket = buckets[client] ?? (burst, now)
        let elapsed = now - bucket.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + seconds * perMinute / 60)
        bucket.at = now
        if buckets.count > 100_000 { buckets.removeAll() }  // bounded memory under a flood
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            buckets[client] = bucket
            return nil
        }
        buckets[client] = bucket
        return Int(((1 - bucket.tokens) * 60 / perMinute).rounded(.up))
    }
}
