import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// UTF-8 text built by appending, for files of thousands of lines (manifests, build caches).
struct TextBytes {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func append(bytes more: ArraySlice<UInt8>) { bytes.append(contentsOf: more) }

    mutating func append<N: BinaryInteger>(_ number: N) {
        if number < 0 { bytes.append(0x2D) }
        var digits: [UInt8] = []
        var rest = number.magnitude
        repeat {
            digits.append(0x30 + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes.append(contentsOf: digits.reversed())
    }

    var data: Data { Data(bytes) }
}
