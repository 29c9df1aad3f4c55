import Crypto
import Foundation

/// Signing as Standard Webhooks does: `webhook-id`, `webhook-timestamp` (seconds) and
/// `webhook-signature`, a space-separated list of `v1,` + base64 HMAC-SHA256 of
/// `id.timestamp.body`, one per secret, so a receiver accepts during a key rotation.
public enum WebhookSignature {
    /// The key bytes of a `whsec_…` secret; nil when it is not one.
    public static func key(_ secret: String) -> [UInt8]? {
        guard secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))), data.count >= 16 else { return nil }
        return [UInt8](data)
    }

    /// The `webhook-signature` header value for `body`.
    public static func sign(id: String, timestamp: Int, body: Data, secrets: [String]) -> String {
        let content = Data("\(id).\(timestamp).".utf8) + body
        return secrets.compactMap(key).map { key in
            let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
            return "v1," + Data(mac).base64EncodedString()
        }.joined(separator: " ")
    }
}
