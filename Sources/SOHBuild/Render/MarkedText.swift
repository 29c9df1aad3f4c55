import Foundation
import SOHModel

/// A rendered page split at its markers, once, so that filling it for each force is copying.
///
/// Two kinds of marker are found: a force value's (`SharedRender.marker`), and the two that
/// bracket the page's body (`BodyMarks`), which are taken out and leave the body's place in
/// the output: a later build that changes only the body puts the new one there (`PagePatch`).
struct MarkedText: Sendable {
    /// The text's UTF-8 bytes.
    var bytes: [UInt8]
    /// In order: the bytes up to each marker (`end`), then the marker's field (or a body mark's
    /// `BodyMarks.open`/`close`) and escape depth; `resume` is where the text goes on after it.
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
                if j < n, input[j] == 0x2B || input[j] == 0x2D {  // "+" or "-": a body mark
                    index = input[j] == 0x2B ? BodyMarks.open : BodyMarks.close
                    j += 1
                } else {
                    let digits = j
                    while j < n, input[j] >= 0x30, input[j] <= 0x39, j - digits < 9 { index = index * 10 + Int(input[j] - 0x30); j += 1 }
                    guard j > digits else { i += 1; continue }
                }
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
    }

    /// The text with each value marker replaced by the filler's value and the body marks taken
    /// out, and where the body is in it: known only when the template put the body in once,
    /// unescaped. `unfilled` counts markers the filler had no value for; they are left in the
    /// text, which must then not be published (`Builder` refuses it).
    func filled(_ filler: inout Filler) -> (data: Data, body: BodyRange?, unfilled: Int) {
        var out = Data()
        out.reserveCapacity(bytes.count + 64 * markers.count)
        var opened: Int?
        var body: BodyRange?
        var bodyKnown = true
        var unfilled = 0
        bytes.withUnsafeBufferPointer { input in
            var copied = 0
            for marker in markers {
                let value: [UInt8]
                if marker.field == BodyMarks.open || marker.field == BodyMarks.close {
                    value = []
                } else if let known = filler.value(marker.field, depth: marker.depth) {
                    value = known
                } else {
                    // A marker for a field the force has no value for: counted, never filled with a guess.
                    unfilled += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: input[copied..<marker.end]))
                out.append(contentsOf: value)
                copied = marker.resume
                if marker.field == BodyMarks.open {
                    bodyKnown = bodyKnown && opened == nil && body == nil && marker.depth == 0
                    opened = out.count
                } else if marker.field == BodyMarks.close {
                    if bodyKnown, let start = opened, marker.depth == 0 {
                        body = BodyRange(start: start, length: out.count - start)
                    } else {
                        bodyKnown = false
                    }
                    opened = nil
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: input[copied...]))
        }
        return (out, bodyKnown && opened == nil ? body : nil, unfilled)
    }

    /// A page rendered for one force directly: its body marks taken out; a value marker in it
    /// (there should be none) is counted in `unfilled`.
    static func unmarked(_ html: String) -> (data: Data, body: BodyRange?, unfilled: Int) {
        var none = Filler(values: [])
        return MarkedText(html).filled(&none)
    }
}

/// The two marks a render puts around a page's body (the filled Markdown), so that the body's
/// place in each output file is known without searching for it.
enum BodyMarks {
    /// Marker fields of the marks, apart from every value field.
    static let open = -1
    static let close = -2
    static let openText = "\u{E000}+&\u{E001}"
    static let closeText = "\u{E000}-&\u{E001}"

    /// The body between its marks; an empty body gets none, so that a template that tests
    /// whether there is a body still sees nothing.
    static func wrap(_ body: String) -> String {
        body.isEmpty ? body : openText + body + closeText
    }
}

/// Where a page's body is in its output file, in bytes.
struct BodyRange: Sendable, Equatable {
    var start: Int
    var length: Int
    var end: Int { start + length }
}
