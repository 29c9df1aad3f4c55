import Foundation
import SOHModel

/// One force's values for the markers, escaped to each depth on first use.
struct Filler {
    var values: [String]
    private var escaped: [Int: [UInt8]] = [:]

    init(values: [String]) { self.values = values }

    mutating func value(_ field: Int, depth: Int) -> [UInt8]? {
        guard field >= 0, field < values.count else { return nil }
        let key = field &* 8 &+ min(depth, 7)
        if let known = escaped[key] { return known }
        var value = values[field]
        for _ in 0..<depth { value = Escape.html(value) }
        let bytes = Array(value.utf8)
        escaped[key] = bytes
        return bytes
    }
}
