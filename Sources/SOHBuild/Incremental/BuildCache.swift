import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// What the previous build wrote for one force, kept in `<out>/.soh-cache/<force>.tsv`: for each
/// file its dependency digest (pages only), size, modification time and SHA-256.
///
/// A page is reused only when its digest matches *and* the file on disk still has the recorded
/// size and modification time. A cache that cannot be read, has the wrong header or a malformed
/// line is ignored as a whole: the build then renders and compares everything, as on a first run.
struct BuildCache: Sendable {
    struct Entry: Sendable, Equatable {
        var digest: String
        var size: Int
        var mtime: Int64
        var sha256: String
    }

    static let folder = ".soh-cache"
    static let header = "soh build cache 3"

    var entries: [String: Entry] = [:]
    /// True when a well-formed cache was read; only then can stale files be found from it.
    var isValid = false

    static func url(out: URL, force: String) -> URL {
        out.appendingPathComponent(folder).appendingPathComponent("\(force).tsv")
    }

    static func load(out: URL, force: String) -> BuildCache {
        guard let data = FileManager.default.contents(atPath: url(out: out, force: force).path) else { return BuildCache() }
        return parse(Array(data)) ?? BuildCache()
    }

    /// Reads the cache's lines byte by byte (17,000 lines per build are common); nil when anything
    /// is out of place.
    static func parse(_ bytes: [UInt8]) -> BuildCache? {
        var cache = BuildCache()
        let wellFormed = forEachLine(bytes) { line in
            cache.entries[String(decoding: line.path, as: UTF8.self)] = Entry(
                digest: String(decoding: line.digest, as: UTF8.self), size: Int(line.size), mtime: line.mtime,
                sha256: String(decoding: line.sha256, as: UTF8.self))
            return true
        }
        guard wellFormed else { return nil }
        cache.isValid = true
        return cache
    }

    /// One line of the cache, its fields still bytes.
    struct Line {
        var path: ArraySlice<UInt8>
        var digest: ArraySlice<UInt8>
        var size: Int64
        var mtime: Int64
        var sha256: ArraySlice<UInt8>
        /// The whole line in the file, its line break included.
        var bytes: Range<Int>
    }

    /// Calls `body` with each line of a cache file (after its header) until it returns false.
    /// False when the header or a line is malformed, or `body` stopped. A build reads 17,000
    /// lines this way, so fields are found with `memchr`, without collecting them.
    static func forEachLine(_ bytes: [UInt8], _ body: (Line) -> Bool) -> Bool {
        guard let first = firstLine(bytes) else { return false }
        return bytes.withUnsafeBufferPointer { buffer -> Bool in
            var start = first
            while start < buffer.count {
                guard let end = find(0x0A, in: buffer, start..<buffer.count), let line = line(bytes, buffer, start..<(end + 1)),
                      body(line) else { return false }
                start = end + 1
            }
            return true
        }
    }

    /// Where the first line starts, after a well-formed header, in a cache that ends with a line break.
    static func firstLine(_ bytes: [UInt8]) -> Int? {
        let headerBytes = Array((header + "\n").utf8)
        guard bytes.count >= headerBytes.count, bytes.starts(with: headerBytes), bytes.last == 10 else { return nil }
        return headerBytes.count
    }

    /// The first `byte` in `range` of `buffer`.
    static func find(_ byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard let base = buffer.baseAddress, !range.isEmpty,
              let hit = memchr(base + range.lowerBound, Int32(byte), range.count) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// One line (`range` includes its line break): five tab-separated fields, numbers where
    /// numbers belong and a 64-digit SHA-256 last. Nil when malformed.
    static func line(_ bytes: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Line? {
        let end = range.upperBound - 1
        var fields: (Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0)
        var start = range.lowerBound
        for n in 0..<4 {
            guard let tab = find(0x09, in: buffer, start..<end) else { return nil }
            switch n {
            case 0: fields.0 = start..<tab
            case 1: fields.1 = start..<tab
            case 2: fields.2 = start..<tab
            default: fields.3 = start..<tab
            }
            start = tab + 1
        }
        let sha256 = start..<end
        guard find(0x09, in: buffer, sha256) == nil, !fields.0.isEmpty, sha256.count == 64,
              let size = number(buffer, fields.2), let mtime = number(buffer, fields.3) else { return nil }
        return Line(path: bytes[fields.0], digest: bytes[fields.1], size: size, mtime: mtime, sha256: bytes[sha256], bytes: range)
    }

    /// The decimal number in `range` of `buffer`.
    static func number(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        number(UnsafeBufferPointer(rebasing: buffer[range]))
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

    /// The previous output of `path`, when its digest is `digest` and the file is untouched.
    func reusable(_ path: String, digest: String, in dir: URL) -> Entry? {
        guard let entry = entries[path], entry.digest == digest,
              let now = FileStamp.of(dir.path + "/" + path),
              now.size == entry.size, now.mtime == entry.mtime else { return nil }
        return entry
    }

    /// The same, for `path` relative to a folder already open as `folder` (which saves walking
    /// the folder's own path for each of a force's thousands of files).
    func reusable(_ path: String, digest: String, folder: CInt) -> Entry? {
        guard folder >= 0, let entry = entries[path], entry.digest == digest else { return nil }
        var info = stat()
        guard fstatat(folder, path, &info, 0) == 0 else { return nil }
        let now = FileStamp(info)
        return now.size == entry.size && now.mtime == entry.mtime ? entry : nil
    }


    static func save(_ entries: [(String, Entry)], out: URL, force: String) throws {
        // A path with a tab or a line break cannot be a line. Leaving it out would make its file
        // unknown to the next build, which would never remove it as stale: no cache instead, so
        // the next build renders everything and finds stale files by walking the folder.
        if entries.contains(where: { $0.0.utf8.contains { $0 == 0x09 || $0 == 0x0A } }) {
            unlink(url(out: out, force: force).path)
            return
        }
        var text = TextBytes(capacity: 200 * entries.count)
        text.append(header + "\n")
        for (path, e) in entries { appendLine(&text, path: Array(path.utf8)[...], e) }
        _ = try SiteWriter.writeIfChanged(text.data, to: url(out: out, force: force))
    }

    /// One file's line: path, digest, size, time and SHA-256, tab-separated.
    static func appendLine(_ text: inout TextBytes, path: ArraySlice<UInt8>, _ e: Entry) {
        text.append(bytes: path)
        text.append("\t")
        text.append(e.digest)
        text.append("\t")
        text.append(e.size)
        text.append("\t")
        text.append(e.mtime)
        text.append("\t")
        text.append(e.sha256)
        text.append("\n")
    }
}
