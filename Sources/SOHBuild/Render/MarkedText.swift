import Foundation
import SOHModel

/// A rendered page split at its value markers (`SharedRender.marker`), once, so that filling it
/// for each force is copying.
struct MarkedText: Sendable {
    /// The text's UTF-8 bytes.
    var bytes: [UInt8]
    /// In order: the bytes up to each marker (`end`), then the marker's field and escape depth;
    /// `resume` is where the text goes on after it.
    var markers: [(end: Int, field: Int, depth: Int, resume: Int)]

    init(_ text: String) {
        bytes = Array(text.utf8)
        markers = []
        let n = bytes.count
        bytes.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress else { return }
            var i = 0
            while i + 2 < n {
                // U+E000 is EE 80 80 in UTF-8; no other text starts with EE often.
                guard let found = memchr(base + i, 0xEE, n - i) else { break }
                i = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                guard i + 2 < n, input[i + 1] == 0x80, input[i + 2] == 0x80 else { i += 1; continue }
                var j = i + 3
                var index = 0
                let digits = j
                while j < n, input[j] >= 0x30, input[j] <= 0x39, j - digits < 9 { index = index * 10 + Int(input[j] - 0x30); j += 1 }
                guard j > digits, j < n, input[j] == 0x26 else { i += 1; continue }  // "&"
                j += 1
                var depth = 0
                while j + 3 < n, input[j] == 0x61, input[j + 1] == 0x6D, input[j + 2] == 0x70, input[j + 3] == 0x3B { depth += 1; j += 4 }  // "amp;"
                // U+E001 is EE 80 81.
                guard j + 2 < n, input[j] == 0xEE, input[j + 1] == 0x80, input[j + 2] == 0x81 else { i += 1; continue }
                markers.append((i, index, depth, j + 3))
                i = j + 3
            }
        }
    }

    /// The text with each marker replaced by the filler's value. `unfilled` counts markers the
    /// filler had no value for; they are left in the text, which must then not be published
    /// (`Builder` refuses it).
    func filled(_ filler: inout Filler) -> (data: Data, unfilled: Int) {
        var out = Data()
        out.reserveCapacity(bytes.count + 64 * markers.count)
        var unfilled = 0
        bytes.withUnsafeBufferPointer { input in
            var copied = 0
            for marker in markers {
                // A marker for a field the force has no value for: counted, never filled with a guess.
                guard let value = filler.value(marker.field, depth: marker.depth) else {
                    unfilled += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: input[copied..<marker.end]))
                out.append(contentsOf: value)
                copied = marker.resume
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: input[copied...]))
        }
        return (out, unfilled)
    }

    /// A page rendered for one force directly: a marker in it (there should be none) is counted
    /// in `unfilled`.
    static func unmarked(_ html: String) -> (data: Data, unfilled: Int) {
        var none = Filler(values: [])
        return MarkedText(html).filled(&none)
    }
}
