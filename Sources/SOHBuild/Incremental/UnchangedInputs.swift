import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// The quickest rebuild: when no input changed since the last build of the same forces and
/// every output file is still as that build left it, there is nothing to load, render or write.
///
/// "No input changed" is decided by content: a digest of the SHA-256 of every file the build
/// reads (`site.yml`, `content/`, `forces/`, `themes/`), of this `soh` executable and of the
/// build's options (the forces it builds among them), recorded in `<out>/.soh-cache/inputs`
/// after each build that succeeds. A file is hashed again unless its stamp shows it untouched
/// since its recorded hash was taken (`FileStamp`). "As the build left it" is each output
/// file's size and modification time against the force's build cache. Anything unreadable,
/// missing or different means an ordinary build, which decides page by page (`BuildKeys`).
struct UnchangedInputs {
    /// The digest of everything the build reads.
    var digest: String
    /// The digest of the build's settings alone: the executable and the options.
    var settings: String
    /// Each input file's SHA-256 (hex) by path relative to the root, for the build keys.
    var hashes: [String: String]
    /// Each readable input's size, times and inode as it was when its hash was taken.
    var stamps: [String: FileStamp] = [:]
    /// When this build began to look at its inputs (nanoseconds since 1970).
    var hashedAt: Int64

    /// Hashes the inputs on every core; paths and bytes both count. A file is read unless the
    /// last build's record has its hash with the same stamp, taken well after the file last
    /// changed (see `FileStamp`).
    init(_ options: Builder.Options, known: BuildRecord? = nil) {
        hashedAt = FileStamp.now()
        let root = options.root.path
        var paths = ["site.yml"]
        for folder in ["content", "forces", "themes"] {
            paths += SiteLoader.walk(options.root.appendingPathComponent(folder), within: options.root).map { "\(folder)/\($0)" }
        }
        let found = Parallel.map(paths) { path -> (hash: String, stamp: FileStamp?) in
            let full = root + "/" + path
            if let known, let old = known.stamps[path], let hash = known.files[path], old.isSettled(before: known.hashedAt) {
                var info = stat()
                if stat(full, &info) == 0, FileStamp(info) == old { return (hash, old) }
            }
            guard let (bytes, info) = Self.contentsAndInfo(full) else { return ("unreadable", nil) }
            return (Fingerprint.hex(SHA256.hash(data: bytes)), FileStamp(info))
        }
        var s = KeyHasher()
        // The forces built are a setting too: a record of some forces says nothing of the others.
        s.add(BuildRecord.header, BuildKeys.executableIdentity, options.environment, options.apiOverride ?? "-",
              options.preview ? "preview" : "publish", options.shareRenders ? "shared" : "direct",
              options.forces.isEmpty ? "all forces" : Set(options.forces).sorted().joined(separator: " "))
        settings = s.finish()
        var h = KeyHasher()
        h.add(settings)
        for (path, item) in zip(paths, found) { h.add(path, item.hash) }
        digest = h.finish()
        hashes = Dictionary(zip(paths, found.map(\.hash))) { first, _ in first }
        for (path, item) in zip(paths, found) { stamps[path] = item.stamp }
    }

    /// A file's bytes, read with plain system calls.
    static func contents(_ path: String) -> [UInt8]? { contentsAndInfo(path)?.bytes }

    /// A file's bytes, with its size and modification time as read.
    static func contentsAndStatus(_ path: String) -> (bytes: [UInt8], status: FileStamp)? {
        contentsAndInfo(path).map { ($0.bytes, FileStamp($0.info)) }
    }

    /// A file's bytes, with what `fstat` said of it before they were read.
    static func contentsAndInfo(_ path: String) -> (bytes: [UInt8], info: stat)? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: max(0, Int(info.st_size)))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        // A file that grew while being read is read again by the ordinary build anyway.
        return done == bytes.count ? (bytes, info) : nil
    }

    /// The report of the last build when nothing changed since, else nil.
    func unchangedReport(_ options: Builder.Options, record: BuildRecord?, started: ContinuousClock.Instant) -> Builder.Report? {
        guard let record, record.digest == digest else { return nil }
        let out = options.out
        let checked = Parallel.map(record.forces) { force in Self.intactOutputs(out: out, force: force) }
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
            forces: record.forces.count, pages: pages, rendered: 0, written: 0, unchanged: files, removed: 0,
            seconds: seconds, timings: timings)
        return Builder.Report(summary: summary, warnings: record.warnings)
    }

    /// How many pages and files the force's build cache lists, when every one of them still has
    /// the size and time recorded (and the manifest is there); nil otherwise. The cache is read
    /// byte by byte without making strings: this runs for 17,000 files on every build.
    static func intactOutputs(out: URL, force: String) -> (pages: Int, files: Int)? {
        let manifest = out.appendingPathComponent(SiteWriter.manifestFolder).appendingPathComponent("\(force).json")
        guard FileStamp.of(manifest.path) != nil,
              let bytes = contents(BuildCache.url(out: out, force: force).path) else { return nil }
        let folder = open(out.appendingPathComponent(force).path, O_RDONLY | O_DIRECTORY)
        guard folder >= 0 else { return nil }
        defer { close(folder) }
        var pages = 0
        var files = 0
        var path: [CChar] = []
        let wellFormed = BuildCache.forEachLine(bytes) { line in
            path.removeAll(keepingCapacity: true)
            for byte in line.path { path.append(CChar(bitPattern: byte)) }
            path.append(0)
            var info = stat()
            guard fstatat(folder, path, &info, 0) == 0 else { return false }
            let now = FileStamp(info)
            guard Int64(now.size) == line.size, now.mtime == line.mtime else { return false }
            files += 1
            if !line.digest.elementsEqual("-".utf8) { pages += 1 }
            return true
        }
        guard wellFormed else { return nil }
        return (pages, files)
    }

    /// Forgets the record before outputs change, so that a build that stops half-way is never
    /// mistaken for a complete one.
    static func forget(out: URL) {
        unlink(BuildRecord.url(out: out).path)
    }
}
