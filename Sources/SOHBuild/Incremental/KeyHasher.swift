import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// SHA-256 over a sequence of strings, each length-prefixed so that ("ab", "c") ≠ ("a", "bc").
struct KeyHasher {
    var hasher = SHA256()

    mutating func add(_ parts: String...) {
        for var part in parts {
            part.withUTF8 { bytes in
                var count = UInt64(bytes.count).littleEndian
                withUnsafeBytes(of: &count) { hasher.update(bufferPointer: $0) }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            }
        }
    }

    func finish() -> String { Hex.string(hasher.finalize()) }

    static func digest(_ data: Data) -> String { Hex.string(SHA256.hash(data: data)) }
}
