import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reports go to the forces' systems on the internet, never to this machine or a private
/// network by mistake (a typo, a hostile DNS answer): a destination whose host resolves to a
/// loopback, private, link-local or shared address is refused unless the deliveries file allows
/// it (`allowInsecure`, for local testing).
public enum AddressPolicy {
    /// The first address of `host` that is not public, written out; nil when all are public.
    /// A host that does not resolve is left to the connection attempt (and retried).
    public static func privateAddress(of host: String) -> String? {
        var hints = addrinfo(ai_flags: 0, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue),
                             ai_protocol: 0, ai_addrlen: 0, ai_addr: nil, ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &found) == 0 else { return nil }
        defer { freeaddrinfo(found) }
        var next = found
        while let info = next {
            if let address = info.pointee.ai_addr, let problem = describeIfPrivate(address) { return problem }
            next = info.pointee.ai_next
        }
        return nil
    }

    static func describeIfPrivate(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) } }
            return isPrivate(v4: bytes) ? bytes.map(String.init).joined(separator: ".") : nil
        case AF_INET6:
            let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } }
            guard isPrivate(v6: bytes) else { return nil }
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
        default:
            return nil
        }
    }

    /// 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16 and the reserved 240/4.
    static func isPrivate(v4 b: [UInt8]) -> Bool {
        b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 100 && (64...127).contains(b[1])) || (b[0] == 169 && b[1] == 254)
            || (b[0] == 172 && (16...31).contains(b[1])) || (b[0] == 192 && b[1] == 168) || b[0] >= 240
    }

    /// ::, ::1, fc00::/7, fe80::/10, and IPv4-mapped private addresses.
    static func isPrivate(v6 b: [UInt8]) -> Bool {
        if b.allSatisfy({ $0 == 0 }) || (b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1) { return true }
        if (b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) { return true }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return isPrivate(v4: Array(b[12..<16])) }
        return false
    }
}
