extension StringProtocol {
    /// The first occurrence of `needle` at or after `from`, compared byte for byte as UTF-8.
    /// Foundation's `range(of:)` compares Unicode characters and is many times slower on Linux;
    /// markup tokens (`{{`, `}}`, slot markers) are ASCII, whose bytes never occur inside other
    /// characters' UTF-8.
    public func utf8Range(of needle: String, from: Index? = nil) -> Range<Index>? {
        let target = Array(needle.utf8)
        guard let first = target.first else { return nil }
        let bytes = utf8
        var i = from ?? bytes.startIndex
        while let found = bytes[i...].firstIndex(of: first) {
            var end = found
            var matched = true
            for byte in target {
                guard end < bytes.endIndex, bytes[end] == byte else { matched = false; break }
                end = bytes.index(after: end)
            }
            if matched { return found..<end }
            i = bytes.index(after: found)
        }
        return nil
    }

    /// Whether `needle` occurs, compared byte for byte (see `utf8Range`).
    public func containsBytes(_ needle: String) -> Bool { utf8Range(of: needle) != nil }
}
