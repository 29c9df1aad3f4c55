import HTTPTypes
@testable import SOHServer
import Testing

@Suite struct ClientAddressTests {
    let proxies = ClientAddress(trustedProxies: ["10.0.0.0/8", "2001:db8:ffff::/48"].compactMap(AddressRange.init))

    func key(_ peer: String?, _ headers: [(String, String)] = []) -> String {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return proxies.key(peer: peer, headers: fields)
    }

    @Test func aPeerThatIsNoTrustedProxyIsTheClientWhateverItsHeadersSay() {
        #expect(key("203.0.113.5", [("X-Forwarded-For", "198.51.100.1")]) == "203.0.113.5")
        #expect(key("203.0.113.5", [("Forwarded", "for=198.51.100.1")]) == "203.0.113.5")
        #expect(key(nil) == "unknown")
        #expect(key("::ffff:203.0.113.5") == "203.0.113.5", "an IPv4-mapped address is the IPv4 address")
    }

    @Test func behindTrustedProxiesTheRightmostUntrustedHopIsTheClient() {
        #expect(key("10.1.2.3", [("X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.9.9.9")]) == "203.0.113.9",
                "the left-hand entry was written by the client and is not believed")
        #expect(key("10.1.2.3", [("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-For", "203.0.113.9")]) == "203.0.113.9",
                "several headers are one list")
        #expect(key("10.1.2.3", [("Forwarded", #"for=198.51.100.1;proto=https, for="[2001:db8::7]:4711""#),
                                 ("X-Forwarded-For", "192.0.2.1")]) == "2001:db8:0:0::/64",
                "Forwarded wins over X-Forwarded-For; IPv6 clients are limited by their /64")
        #expect(key("10.1.2.3", [("X-Forwarded-For", "10.2.2.2, 10.3.3.3")]) == "10.2.2.2", "every hop trusted: the first")
        #expect(key("10.1.2.3", [("X-Forwarded-For", "198.51.100.1, garbage, 10.3.3.3")]) == "10.3.3.3",
                "past a hop that is not an address, nothing is believed")
        #expect(key("10.1.2.3", [("Forwarded", "for=unknown")]) == "10.1.2.3")
        #expect(key("10.1.2.3") == "10.1.2.3", "a trusted proxy that says nothing")
        #expect(key("10.1.2.3", [("X-Forwarded-For", "192.0.2.60:443")]) == "192.0.2.60")
    }

    @Test func rangesAreParsedStrictly() {
        #expect(AddressRange("10.0.0.0/8")?.contains([10, 200, 1, 1]) == true)
        #expect(AddressRange("10.0.0.0/8")?.contains([11, 0, 0, 1]) == false)
        #expect(AddressRange("192.0.2.7")?.contains([192, 0, 2, 7]) == true)
        #expect(AddressRange("192.0.2.7")?.contains([192, 0, 2, 8]) == false)
        #expect(AddressRange("172.16.0.0/12")?.contains([172, 31, 255, 255]) == true)
        #expect(AddressRange("172.16.0.0/12")?.contains([172, 32, 0, 0]) == false)
        for bad in ["10.0.0.0/33", "example.org", "10.0.0.0/", "::1/129", ""] { #expect(AddressRange(bad) == nil, "\(bad)") }
    }

    @Test func theLimiterKeepsBoundedMemoryWithoutForgettingActiveClients() async {
        let limiter = RateLimiter(perMinute: 60, burst: 2, maxClients: 3)
        for client in ["a", "b", "c"] {
            #expect(await limiter.take(client) == nil)
            #expect(await limiter.take(client) == nil)
        }
        // The table is full of clients that used their burst: a newcomer does not wipe them.
        #expect(await limiter.take("a") != nil, "a is still limited")
        #expect(await limiter.take("d") == nil)
        #expect(await limiter.take("e") == nil)
        #expect(await limiter.take("f") != nil, "newcomers share one bucket while every other is in use")
        #expect(await limiter.buckets.count <= 4)
        #expect(await limiter.check("b") != nil)
        #expect(await limiter.check("z") == nil, "check counts nothing")
        #expect(await limiter.buckets["z"] == nil)
    }
}
