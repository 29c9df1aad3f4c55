import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// The one on-disk format of the build's caches in `<out>/.soh-cache/` (the input index and each
/// force's build cache): a header line naming the format and its version, then one record per
/// line, its fields separated by tabs. A backslash, tab or line break inside a field is written
/// `\\`, `\t` or `\n`, so any path or message stays one field of one line.
///
/// A cache is all or nothing: a missing file, another header, a last line without its line
/// break or a record its reader rejects makes the whole file unreadable, and the build then
/// works as on a first run. Builds read 17,000 records this way, so fields are found with
/// `memchr` and stay bytes until a reader asks for text.
enum CacheFile {
    /// One record: its fields as ranges of the file's bytes, escapes still in.
    struct Record {
        let bytes: [UInt8]
        let ranges: [Range<Int>]

        var count: Int { ranges.count }

        /// The field's bytes, unescaped.
        subscript(_ i: Int) -> ArraySlice<UInt8> {
            let raw = bytes[ranges[i]]
            return raw.contains(0x5C) ? CacheFile.unescape(raw) : raw
        }

        /// The field as text.
        func text(_ i: Int) -> String { String(decoding: self[i], as: UTF8.self) }

        /// The field as a decimal number (with an optional minus), nil when it is not one.
        func number(_ i: Int) -> Int64? { CacheFile.number(bytes[ranges[i]]) }

        /// True when field `i` is exactly `text`.
        func field(_ i: Int, is text: String) -> Bool { self[i].elementsEqual(text.utf8) }
    }

    /// Reads the cache at `path`, calling `body` with each record until it returns false. False
    /// when the file cannot be read, has another header or does not end with a line break, or
    /// when `body` rejected a record.
    static func read(_ path: String, header: String, _ body: (Record) -> Bool) -> Bool {
        guard let (bytes, _) = FileStamp.read(path) else { return false }
        return parse(bytes, header: header, body)
    }

    /// The same, for a cache's bytes already read.
    static func parse(_ bytes: [UInt8], header: String, _ body: (Record) -> Bool) -> Bool {
        let first = Array((header + "\n").utf8)
        guard bytes.count >= first.count, bytes.starts(with: first), bytes.last == 0x0A else { return false }
        var ranges: [Range<Int>] = []
        return bytes.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            func find(_ byte: UInt8, _ range: Range<Int>) -> Int? {
                guard !range.isEmpty, let hit = memchr(base + range.lowerBound, Int32(byte), range.count) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            var start = first.count
            while start < buffer.count {
                // The file ends with a line break, so every line has one.
                let end = find(0x0A, start..<buffer.count)!
                ranges.removeAll(keepingCapacity: true)
                var field = start
                while let tab = find(0x09, field..<end) {
                    ranges.append(field..<tab)
                    field = tab + 1
                }
                ranges.append(field..<end)
                guard body(Record(bytes: bytes, ranges: ranges)) else { return false }
                start = end + 1
            }
            return true
        }
    }

    /// A cache being written: its header first, then records.
    struct Writer {
        private var text: TextBytes

        init(header: String, capacity: Int) {
            text = TextBytes(capacity: capacity)
            text.append(header)
            text.append("\n")
        }

        /// One record of text fields.
        mutating func record(_ fields: [String]) {
            for (i, field) in fields.enumerated() {
                if i > 0 { text.append("\t") }
                append(bytes: Array(field.utf8)[...])
            }
            text.append("\n")
        }

        /// A field's bytes, escaped; the caller writes the tabs and line breaks between fields.
        mutating func append(bytes field: ArraySlice<UInt8>) {
            guard field.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A }) else { return text.append(bytes: field) }
            for byte in field {
                switch byte {
                case 0x5C: text.append("\\\\")
                case 0x09: text.append("\\t")
                case 0x0A: text.append("\\n")
                default: text.append(bytes: [byte][...])
                }
            }
        }

        mutating func append(_ separator: String) { text.append(separator) }

        mutating func append<N: BinaryInteger>(number: N) { text.append(number) }

        var data: Data { text.data }
    }

    /// A field with its escapes read: `\t`, `\n`, and a backslash before anything else stands for that.
    static func unescape(_ raw: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var result: [UInt8] = []
        result.reserveCapacity(raw.count)
        var escaped = false
        for byte in raw {
            if escaped {
                result.append(byte == UInt8(ascii: "t") ? 0x09 : byte == UInt8(ascii: "n") ? 0x0A : byte)
                escaped = false
            } else if byte == 0x5C {
                escaped = true
            } else {
                result.append(byte)
            }
        }
        return result[...]
    }

    /// A decimal number (with an optional minus), or nil.
    static func number<Digits: Collection<UInt8>>(_ digits: Digits) -> Int64? {
        var rest = digits[...]
        let negative = rest.first == UInt8(ascii: "-")
        if negative { rest = rest.dropFirst() }
        guard !rest.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in rest {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - 0x30))
            guard !overflow, !overflow2 else { return nil }
            value = sum
        }
        return negative ? -value : value
    }
}
