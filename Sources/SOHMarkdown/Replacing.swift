import Foundation

extension String {
    /// Every occurrence of `target` replaced by `replacement`, compared byte by byte (UTF-8).
    /// Foundation's `replacingOccurrences` goes through NSString on Linux and is many times slower.
    public func replacingAll(_ target: String, with replacement: String) -> String {
        let needle = Array(target.utf8)
        guard !needle.isEmpty else { return self }
        var utf8 = Array(self.utf8)
        return utf8.withUnsafeMutableBufferPointer { haystack -> String in
            var out: [UInt8] = []
            var i = 0
            var copied = 0
            let first = needle[0]
            let n = haystack.count, m = needle.count
            while i <= n - m {
                if haystack[i] == first && memcmpEqual(haystack, i, needle) {
                    if out.isEmpty { out.reserveCapacity(n) }
                    out.append(contentsOf: haystack[copied..<i])
                    out.append(contentsOf: replacement.utf8)
                    i += m
                    copied = i
                } else {
                    i += 1
                }
            }
            if copied == 0 { return self }
            out.append(contentsOf: haystack[copied..<n])
            return String(decoding: out, as: UTF8.self)
        }
    }
}

private func memcmpEqual(_ haystack: UnsafeMutableBufferPointer<UInt8>, _ at: Int, _ needle: [UInt8]) -> Bool {
    for j in 1..<needle.count where haystack[at + j] != needle[j] { return false }
    return true
}
