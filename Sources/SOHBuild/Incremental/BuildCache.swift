import Foundation
import SOHModel

/// What the last build wrote for one force, so that this one writes only the bytes that changed
/// and removes only what it no longer makes: each file's path, whether it is a page, its size,
/// modification time and SHA-256, in `<out>/.soh-cache/<force>.tsv` (a `CacheFile`). A file
/// whose recorded size and time still hold on disk and whose new bytes have the recorded SHA-256
/// is not read back. A record that cannot be read, has the wrong header or a malformed line is
/// ignored as a whole: every file is then compared with what is on disk, and the folder searched
/// for stale files.
struct BuildCache: Sendable {
    struct Entry: Sendable, Equatable {
        var isPage: Bool
        var size: Int
        var mtime: Int64
        var sha256: String
    }

    static let folder = ".soh-cache"
    static let header = "soh build cache 5"

    var entries: [String: Entry] = [:]
    /// True when a well-formed record was read; only then can stale files be found from it.
    var isValid = false

    static func url(out: URL, force: String) -> URL {
        out.appendingPathComponent(folder).appendingPathComponent("\(force).tsv")
    }

    static func load(out: URL, force: String) -> BuildCache {
        var cache = BuildCache()
        let wellFormed = forEachRecord(out: out, force: force) { record in
            cache.entries[record.text(0)] = Entry(isPage: record.field(1, is: "page"), size: Int(record.number(2)!), mtime: record.number(3)!,
                                                  sha256: record.text(4))
            return true
        }
        guard wellFormed else { return BuildCache() }
        cache.isValid = true
        return cache
    }

    /// Calls `body` with each well-formed record of the force's file (path, `page` or `-`,
    /// size, time and a 64-digit SHA-256) until it returns false; false when the file is
    /// unreadable or has a malformed record, or `body` stopped.
    static func forEachRecord(out: URL, force: String, _ body: (CacheFile.Record) -> Bool) -> Bool {
        CacheFile.read(url(out: out, force: force).path, header: header) { record in
            guard record.count == 5, !record[0].isEmpty, record.number(2) != nil, record.number(3) != nil,
                  record[4].count == 64 else { return false }
            return body(record)
        }
    }

    static func save(_ entries: [(String, Entry)], out: URL, force: String) throws {
        var file = CacheFile.Writer(header: header, capacity: 130 * entries.count)
        for (path, e) in entries {
            file.append(bytes: Array(path.utf8)[...])
            file.append(e.isPage ? "\tpage\t" : "\t-\t")
            file.append(number: e.size)
            file.append("\t")
            file.append(number: e.mtime)
            file.append("\t")
            file.append(bytes: Array(e.sha256.utf8)[...])
            file.append("\n")
        }
        _ = try SiteWriter.writeIfChanged(file.data, to: url(out: out, force: force))
    }
}
