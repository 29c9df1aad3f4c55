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

/// A token bucket per client: `perMinute` requests a minute, in bursts of up to `burst`. Kept
/// in memory by each instance (behind a load balancer, each instance limits what reaches it: the
/// proxy's own limit is the national one, docs/deploy.md). Memory is bounded: at `maxClients`,
/// idle clients (whose buckets have refilled, so forgetting them changes nothing) are dropped,
/// and if every bucket is in use, newcomers share one bucket until some become idle.
actor RateLimiter {
    let perMinute: Double
    let burst: Double
    let maxClients: Int
    var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]
    static let overflow = "(too many clients at once)"

    init(perMinute: Int, burst: Int, maxClients: Int = 100_000) {
        self.perMinute = Double(perMinute)
        self.burst = Double(max(burst, 1))
        self.maxClients = max(maxClients, 1)
    }

    /// Nil when allowed (and counted); otherwise the seconds to wait.
    func take(_ client: String) -> Int? {
        guard perMinute > 0 else { return nil }
        let now = ContinuousClock.now
        let key = buckets[client] != nil || makeRoom(now) ? client : Self.overflow
        var tokens = refilled(key, now)
        defer { buckets[key] = (tokens, now) }
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return wait(tokens)
    }

    /// Nil when the client may go on; otherwise the seconds to wait. Counts nothing.
    func check(_ client: String) -> Int? {
        guard perMinute > 0, buckets[client] != nil else { return nil }
        let tokens = refilled(client, ContinuousClock.now)
        return tokens >= 1 ? nil : wait(tokens)
    }

    func refilled(_ key: String, _ now: ContinuousClock.Instant) -> Double {
        guard let bucket = buckets[key] else { return burst }
        let elapsed = now - bucket.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(burst, bucket.tokens + seconds * perMinute / 60)
    }

    func wait(_ tokens: Double) -> Int { Int(((1 - tokens) * 60 / perMinute).rounded(.up)) }

    /// True when a new client fits, after dropping idle ones if the table is full.
    func makeRoom(_ now: ContinuousClock.Instant) -> Bool {
        guard buckets.count >= maxClients else { return true }
        for key in buckets.keys where key != Self.overflow && refilled(key, now) >= burst { buckets[key] = nil }
        return buckets.count < maxClients
    }
}
