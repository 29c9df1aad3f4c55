import Crypto
import Foundation
import SOHModel

/// AWS Signature Version 4 for S3 requests (the `Authorization` header): a canonical form of
/// the request — method, path, query, the headers signed, the payload's SHA-256 — hashed and
/// signed with a key derived from the secret, the day, the region and the service.
struct SigV4: Sendable {
    var accessKey: String
    var secretKey: String
    var sessionToken: String?
    var region: String
    var service = "s3"

    /// The headers to send with a request: those given, `host`, `x-amz-date`,
    /// `x-amz-content-sha256`, the session token when there is one, and `authorization`,
    /// which signs all of them. `path` is already percent-encoded; `query` is not.
    func sign(method: String, host: String, path: String, query: [(String, String)], headers: [(String, String)],
              payloadSHA256: String, at date: Date) -> [(String, String)] {
        let stamp = Self.stamp(date)
        var all = headers.map { ($0.0.lowercased(), Self.trimmed($0.1)) }
        all += [("host", host), ("x-amz-date", stamp.time), ("x-amz-content-sha256", payloadSHA256)]
        if let sessionToken { all.append(("x-amz-security-token", sessionToken)) }
        all.sort { $0.0 < $1.0 }
        let signed = all.map(\.0).joined(separator: ";")
        let canonical = [
            method, path, Self.canonicalQuery(query),
            all.map { "\($0.0):\($0.1)\n" }.joined(), signed, payloadSHA256,
        ].joined(separator: "\n")
        let scope = "\(stamp.day)/\(region)/\(service)/aws4_request"
        let toSign = "AWS4-HMAC-SHA256\n\(stamp.time)\n\(scope)\n\(Hex.string(SHA256.hash(data: Data(canonical.utf8))))"
        var key = SymmetricKey(data: Data("AWS4\(secretKey)".utf8))
        for part in [stamp.day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Hex.string(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: key))
        all.append(("authorization", "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signed), Signature=\(signature)"))
        return all
    }

    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (encode($0.0, slash: true), encode($0.1, slash: true)) }
        let sorted = encoded.sorted { (a, b) -> Bool in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Percent-encoding as SigV4 wants it: every byte but letters, digits and `-._~` (and `/`
    /// in a path), upper-case hex.
    static func encode(_ text: String, slash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where !slash:
                out += "/"
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// A header value as signed: trimmed, inner runs of spaces made one.
    static func trimmed(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    static func stamp(_ date: Date) -> (day: String, time: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return (day, day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!))
    }
}
