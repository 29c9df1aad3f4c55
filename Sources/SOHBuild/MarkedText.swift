import Foundation
import SOHModel

/// A shared render split at its markers, once, so that filling it for each force is copying.
struct MarkedText: Sendable {
    /// The text's UTF-8 bytes.
    var bytes: [UInt8]
    /// In order: the bytes up to each marker (`end`), then the marker's field and escape depth;
    /// `resume` is where the text goes on after the marker.
    var markers: [(end: Int, field: Int, depth: Int, resume: Int)]

    init(_ text: String) {
        bytes = Array(text.utf8)
        markers = []
        let input = bytes
        let n = input.count
        var i = 0
        while i + 2 < n {
            // U+E000 is EE 80 80 in UTF-8.
            guard input[i] == 0xEE, input[i + 1] == 0x80, input[i + 2] == 0x80 else { i += 1; continue }
            var j = i + 3
            var index = 0
            while j < n, input[j] >= 0x30, input[j] <= 0x39 { index = index * 10 + Int(input[j] - 0x30); j += 1 }
            guard j < n, input[j] == 0x26 else { i += 1; continue }  // "&"
            j += 1
            var depth = 0
            while j + 3 < n, input[j] == 0x61, input[j + 1] == 0x6D, input[j + 2] == 0x70, input[j + 3] == 0x3B { depth += 1; j += 4 }  // "amp;"
            // U+E001 is EE 80 81.
            guard j + 2 < n, input[j] == 0xEE, input[j + 1] == 0x80, input[j + 2] == 0x81 else { i += 1; continue }
            markers.append((i, index, depth, j + 3))
            i = j + 3
        }
    }

    /// The text with each marker replaced by the filler's value.
    func filled(_ filler: inout Filler) -> Data {
        var out = Data()
        out.reserveCapacity(bytes.count + 64 * markers.count)
        bytes.withUnsafeBufferPointer { input in
            var copied = 0
            for marker in markers {
                // A marker for a field the force has no value for is left as it is.
                guard let value = filler.value(marker.field, depth: marker.depth) else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: input[copied..<marker.end]))
                out.append(contentsOf: value)
                copied = marker.resume
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: input[copied...]))
        }
        return out
    }
}

/// One force's values for the markers, escaped to each depth on first use.
struct Filler {
    var values: [String]
    private var escaped: [Int: [UInt8]] = [:]

    init(values: [String]) { self.values = values }

    mutating func value(_ field: Int, depth: Int) -> [UInt8]? {
        guard field < values.count else { return nil }
        let key = field &* 8 &+ min(depth, 7)
        if let known = escaped[key] { return known }
        var value = values[field]
        for _ in 0..<depth { value = Escape.html(value) }
        let bytes = Array(value.utf8)
        escaped[key] = bytes
        return bytes
    }
}
