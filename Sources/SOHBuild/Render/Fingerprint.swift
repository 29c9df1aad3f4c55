import Crypto
import Foundation
import SOHModel

/// Content hashes for fingerprinted asset names and for the publishing manifest.
enum Fingerprint {
    static func sha256(_ data: Data) -> String { Hex.string(SHA256.hash(data: data)) }
}
