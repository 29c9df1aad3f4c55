import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// What the previous build wrote for one force, kept in `<out>/.soh-cache/<force>.tsv` (a
/// `CacheFile`): for each file its path, dependency digest (`-` but for pages), size,
/// modification time and SHA-256.
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
    static let header = "soh build cache 4"

    var entries: [String: Entry] = [:]
    /// True when a well-formed cache was read; only then can stale files be found from it.
    var isValid = false

    static func url(out: URL, force: String) -> URL {
        out.appendingPathComponent(folder).appendingPathComponent("\(force).tsv")
    }

    static func load(out: URL, force: String) -> BuildCache {
        var cache = BuildCache()
        let wellFormed = forEachRecord(out: out, force: force) { record in
            cache.entries[record.text(0)] = Entry(
                digest: record.text(1), size: Int(record.number(2)!), mtime: record.number(3)!, sha256: record.text(4))
            return true
        }
        guard wellFormed else { return BuildCache() }
        cache.isValid = true
        return cache
    }

    /// Calls `body` with each well-formed record of the force's cache (five fields: path,
    /// digest, size, time and a 64-digit SHA-256) until it returns false; false when the cache
    /// is unreadable or has a malformed record, or `body` stopped.
    static func forEachRecord(out: URL, force: String, _ body: (CacheFile.Record) -> Bool) -> Bool {
        CacheFile.read(url(out: out, force: force).path, header: header) { record in
            guard record.count == 5, !record[0].isEmpty, record.number(2) != nil, record.number(3) != nil,
                  record[4].count == 64 else { return false }
            return body(record)
        }
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
        var file = CacheFile.Writer(header: header, capacity: 200 * entries.count)
        for (path, e) in entries {
            file.append(bytes: Array(path.utf8)[...])
            file.append("\t")
            file.append(bytes: Array(e.digest.utf8)[...])
            file.append("\t")
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
