import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// Every file a build reads, with its SHA-256 and stamp: "nothing changed, nothing done".
///
/// When no input changed since the last build of the same forces and every output file is
/// still as that build left it, there is nothing to load, render or write. "No input changed"
/// is decided by content: `digest` covers the SHA-256 of every file the build reads
/// (`site.yml`, `content/`, `forces/`, `themes/`), this `soh` executable and the build's options
/// (the forces it builds among them). "As the build left it" is each output file's size and
/// modification time against the force's `BuildCache`. Anything unreadable, missing or
/// different means an ordinary build, which renders every page and writes what changed.
///
/// A build that succeeds records its index in `<out>/.soh-cache/inputs` (a `CacheFile`):
/// `build <digest> <when hashed> <force>…`, an `N` record with the span of time over which the
/// items stay as they were (`NewsWindow`, milliseconds, `-` for no end: the build's time is not
/// in the digest, and a build inside the span makes the same sites), then a `W` record per warning and an `F` record per
/// input (path, hash, and its stamp: size, modification and change times, inode). The next
/// build reads a file again only when its stamp differs or is not settled (`FileStamp`).
struct InputIndex {
    static let header = "soh inputs 5"

    /// The digest of everything the build reads, and of its settings.
    var digest: String
    /// Each input file's SHA-256 (hex, or `unreadable`) by path relative to the root.
    var hashes: [String: String] = [:]
    /// Each readable input's stamp as it was when its hash was taken.
    var stamps: [String: FileStamp] = [:]
    /// When the build began to look at its inputs (nanoseconds since 1970).
    var hashedAt: Int64
    /// The forces the recorded build wrote, and its warnings (reported again when nothing changed).
    var forces: [String] = []
    var warnings: [Diagnostic] = []
    /// When the recorded build's items change state (nil: unknown, so never up to date).
    var window: NewsWindow? = nil

    init(digest: String, hashedAt: Int64) {
        self.digest = digest
        self.hashedAt = hashedAt
    }

    /// Hashes the inputs on every core; paths and bytes both count. A file is read unless
    /// `last` has its hash with the same stamp, settled before `last` was taken.
    init(scanning options: Builder.Options, last: InputIndex? = nil) {
        hashedAt = FileStamp.now()
        let root = options.root.path
        var paths = ["site.yml"]
        if FileManager.default.fileExists(atPath: root + "/" + PoliceAreas.file) { paths.append(PoliceAreas.file) }
        for folder in ["content", "forces", "themes", ForceIdentity.nationalID] {
            paths += SiteLoader.walk(options.root.appendingPathComponent(folder), within: options.root).map { "\(folder)/\($0)" }
        }
        let found = Parallel.map(paths) { path -> (hash: String, stamp: FileStamp?) in
            let full = root + "/" + path
            if let last, let old = last.stamps[path], let hash = last.hashes[path], old.isSettled(before: last.hashedAt),
               FileStamp.of(full) == old {
                return (hash, old)
            }
            guard let (bytes, stamp) = FileStamp.read(full) else { return ("unreadable", nil) }
            return (Hex.string(SHA256.hash(data: bytes)), stamp)
        }
        var h = KeyHasher()
        // The forces built are a setting too: a record of some forces says nothing of the others.
        h.add(Self.header, Self.executableIdentity, options.environment, options.apiOverride ?? "-",
              options.preview ? "preview" : "publish", options.shareRenders ? "shared" : "direct",
              options.forces.isEmpty ? "all forces" : Set(options.forces).sorted().joined(separator: " "))
        for (path, item) in zip(paths, found) {
            h.add(path, item.hash)
            hashes[path] = item.hash
            stamps[path] = item.stamp
        }
        digest = h.finish()
    }

    static func url(out: URL) -> URL {
        out.appendingPathComponent(BuildCache.folder).appendingPathComponent("inputs")
    }

    /// The index the last complete build recorded, nil when there is none or it is unreadable.
    static func load(out: URL) -> InputIndex? {
        var index: InputIndex?
        let wellFormed = CacheFile.read(url(out: out).path, header: header) { record in
            guard index != nil else {
                // The first record says which build this was.
                guard record.count >= 3, record.field(0, is: "build"), record[1].count == 64, let hashedAt = record.number(2) else { return false }
                index = InputIndex(digest: record.text(1), hashedAt: hashedAt)
                index?.forces = (3..<record.count).map(record.text)
                return true
            }
            switch (record.text(0), record.count) {
            case ("W", 7):
                guard let severity = Diagnostic.Severity(rawValue: record.text(1)), let line = record.number(3),
                      let column = record.number(4) else { return false }
                let hint = record.text(6)
                index?.warnings.append(Diagnostic(severity, record.text(2), line: Int(line), column: Int(column), record.text(5),
                                                  hint: hint.isEmpty ? nil : String(hint.dropFirst())))
            case ("N", 3):
                guard let from = record.number(1) else { return false }
                let until = record.number(2)
                guard until != nil || record.field(2, is: "-") else { return false }
                index?.window = NewsWindow(from: StoreTime.date(milliseconds: from), until: until.map { StoreTime.date(milliseconds: $0) })
            case ("F", 3):
                index?.hashes[record.text(1)] = record.text(2)
            case ("F", 7):
                guard let size = record.number(3), let mtime = record.number(4), let ctime = record.number(5),
                      let inode = record.number(6), inode >= 0 else { return false }
                let path = record.text(1)
                index?.hashes[path] = record.text(2)
                index?.stamps[path] = FileStamp(size: Int(size), mtime: mtime, ctime: ctime, inode: UInt64(inode))
            default:
                return false
            }
            return true
        }
        return wellFormed ? index : nil
    }

    /// Records the index for the next build, with the forces this build wrote and its warnings.
    func save(out: URL, forces: [String], warnings: [Diagnostic]) throws {
        var file = CacheFile.Writer(header: Self.header, capacity: 160 * hashes.count + 4096)
        file.record(["build", digest, String(hashedAt)] + forces)
        if let window {
            file.record(["N", String(StoreTime.milliseconds(window.from)), window.until.map { String(StoreTime.milliseconds($0)) } ?? "-"])
        }
        for w in warnings {
            file.record(["W", w.severity.rawValue, w.file, String(w.line), String(w.column), w.message, w.hint.map { "+" + $0 } ?? ""])
        }
        for (path, hash) in hashes.sorted(by: { $0.key < $1.key }) {
            if let t = stamps[path] {
                file.record(["F", path, hash, String(t.size), String(t.mtime), String(t.ctime), String(t.inode)])
            } else {
                file.record(["F", path, hash])
            }
        }
        _ = try SiteWriter.writeIfChanged(file.data, to: Self.url(out: out))
    }

    /// Forgets the record before outputs change, so that a build that stops half-way is never
    /// mistaken for a complete one.
    static func forget(out: URL) {
        unlink(url(out: out).path)
    }

    /// The report of the last build when nothing changed since it (`last` has this digest and
    /// every output it listed is intact), else nil.
    func unchangedReport(_ options: Builder.Options, last: InputIndex?, started: ContinuousClock.Instant) -> Builder.Report? {
        guard let last, last.digest == digest, last.window?.contains(options.now ?? Date()) == true else { return nil }
        let out = options.out
        let checked = Parallel.map(last.forces) { force in Self.intactOutputs(out: out, force: force) }
        var pages = 0
        var files = 0
        for result in checked {
            guard let result else { return nil }
            pages += result.pages
            files += result.files
        }
        var timings = Builder.Timings()
        timings.upToDate = true
        let seconds = Builder.seconds(ContinuousClock.now - started)
        timings.load = seconds
        let summary = Builder.Summary(
            forces: last.forces.count, pages: pages, rendered: 0, written: 0, unchanged: files, removed: 0,
            seconds: seconds, timings: timings)
        return Builder.Report(summary: summary, warnings: last.warnings)
    }

    /// How many pages and files the force's build cache lists, when every one of them still has
    /// the size and time recorded (and the manifest is there); nil otherwise. This runs for
    /// 17,000 files on every build, so paths stay bytes.
    static func intactOutputs(out: URL, force: String) -> (pages: Int, files: Int)? {
        let manifest = out.appendingPathComponent(SiteWriter.manifestFolder).appendingPathComponent("\(force).json")
        guard FileStamp.of(manifest.path) != nil else { return nil }
        let folder = open(out.appendingPathComponent(force).path, O_RDONLY | O_DIRECTORY)
        guard folder >= 0 else { return nil }
        defer { close(folder) }
        var pages = 0
        var files = 0
        var path: [CChar] = []
        let wellFormed = BuildCache.forEachRecord(out: out, force: force) { record in
            path.removeAll(keepingCapacity: true)
            for byte in record[0] { path.append(CChar(bitPattern: byte)) }
            path.append(0)
            var info = stat()
            guard fstatat(folder, path, &info, 0) == 0 else { return false }
            let now = FileStamp(info)
            guard Int64(now.size) == record.number(2), now.mtime == record.number(3) else { return false }
            files += 1
            if record.field(1, is: "page") { pages += 1 }
            return true
        }
        return wellFormed ? (pages, files) : nil
    }

    /// Size, times and inode of the running executable: a new `soh` is a change like any other.
    static let executableIdentity: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return UUID().uuidString }
        return "\(info.st_size) \(info.st_mtim.tv_sec) \(info.st_mtim.tv_nsec) \(info.st_ino)"
    }()
}
