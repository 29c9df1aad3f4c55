import Foundation
import HTTPTypes
#if canImport(Glibc)
import Glibc
#endif

/// A block of IP addresses written as `ADDRESS/PREFIX` (or one address): `10.0.0.0/8`,
/// `2001:db8::/32`, `192.0.2.7`.
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    let bytes: [UInt8]
    let prefix: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let bytes = IPAddress.bytes(first) else { return nil }
        let bits = bytes.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : bits
        guard let prefix, (0...bits).contains(prefix) else { return nil }
        self.bytes = bytes
        self.prefix = prefix
        description = text
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var left = prefix
        for (a, b) in zip(address, bytes) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }
}

/// Addresses as bytes: four for IPv4 (an IPv4-mapped IPv6 address included), sixteen for IPv6.
enum IPAddress {
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let b = withUnsafeBytes(of: &v6) { Array($0) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return Array(b[12..<16]) }
        return b
    }

    /// The key a client is limited by: its IPv4 address, or the /64 network of an IPv6 one (a
    /// single household or phone is given a whole /64 and can use any address in it).
    static func limitKey(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":") + "::/64"
    }
}

/// Who is asking: the connection's peer, or, when the peer is one of the configured trusted
/// proxies (the load balancer), the address the proxies say they received the request from.
/// `Forwarded` (RFC 7239) is read when present, else `X-Forwarded-For`; either is read from the
/// right, skipping trusted proxies, so a client cannot choose its own address by sending one.
public struct ClientAddress: Sendable {
    public let trustedProxies: [AddressRange]

    public init(trustedProxies: [AddressRange] = []) {
        self.trustedProxies = trustedProxies
    }

    static let forwarded = HTTPField.Name("Forwarded")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The key the client is limited by; "unknown" when there is no peer address.
    public func key(peer: String?, headers: HTTPFields) -> String {
        guard let peer, let peerBytes = IPAddress.bytes(peer) else { return "unknown" }
        guard trusted(peerBytes) else { return IPAddress.limitKey(peerBytes) }
        let hops = headers[values: Self.forwarded].isEmpty
            ? headers[values: Self.xForwardedFor].flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            : headers[values: Self.forwarded].flatMap(Self.forwardedFor)
        var client = peerBytes
        for hop in hops.reversed() {
            // A hop that is not an address ("unknown", an obfuscated name, garbage): the
            // nearest trusted proxy is as far as anything can be believed.
            guard let bytes = IPAddress.bytes(Self.bareAddress(hop)) else { break }
            client = bytes
            if !trusted(bytes) { break }
        }
        return IPAddress.limitKey(client)
    }

    func trusted(_ bytes: [UInt8]) -> Bool { trustedProxies.contains { $0.contains(bytes) } }

    /// The `for=` values of a `Forwarded` header, in order.
    static func forwardedFor(_ header: String) -> [String] {
        header.split(separator: ",").compactMap { element in
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0].lowercased() == "for" { return parts[1] }
            }
            return nil
        }
    }

    /// An address without quotes, brackets or port: `"[2001:db8::1]:4711"` → `2001:db8::1`,
    /// `192.0.2.60:443` → `192.0.2.60`.
    static func bareAddress(_ hop: String) -> String {
        var text = hop.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        if text.hasPrefix("[") {
            text = String(text.dropFirst().prefix { $0 != "]" })
        } else if text.filter({ $0 == ":" }).count == 1 {
            text = String(text.prefix { $0 != ":" })
        }
        return text
    }
}
