import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// The quickest rebuild: when no input changed since the last build of the same forces and
/// every output file is still as that build left it, there is nothing to load, render or write.
///
/// "No input changed" is decided by content, never by dates: a digest of every file the build
/// reads (`site.yml`, `content/`, `forces/`, `themes/`), of this `soh` executable and of the
/// build's options (the forces it builds among them), recorded in `<out>/.soh-cache/inputs`
/// after each build that succeeds. "As the build left it" is each output file's size and
/// modification time against the force's build cache. Anything unreadable, missing or different
/// means an ordinary build, which decides page by page (`BuildKeys`).
struct UnchangedInputs {
    static let header = "soh inputs 2"

    /// The digest of everything the build reads.
    var digest: String
    /// The digest of the build's settings alone: the executable and the options.
    var settings: String
    /// Each input file's SHA-256 (hex) by path relative to the root, for the build keys.
    var hashes: [String: String]

    static func url(out: URL) -> URL {
        out.appendingPathComponent(BuildCache.folder).appendingPathComponent("inputs")
    }

    /// Reads and hashes the inputs on every core; paths and bytes both count.
    init(_ options: Builder.Options) {
        let root = options.root.path
        var paths = ["site.yml"]
        for folder in ["content", "forces", "themes"] {
            paths += SiteLoader.walk(options.root.appendingPathComponent(folder)).map { "\(folder)/\($0)" }
        }
        let contentHashes = Parallel.map(paths) { path -> String in
            guard let bytes = Self.contents(root + "/" + path) else { return "unreadable" }
            return Fingerprint.hex(SHA256.hash(data: bytes))
        }
        var s = KeyHasher()
        // The forces built are a setting too: a record of some forces says nothing of the others.
        s.add(Self.header, BuildKeys.executableIdentity, options.environment, options.apiOverride ?? "-",
              options.preview ? "preview" : "publish", options.shareRenders ? "shared" : "direct",
              options.forces.isEmpty ? "all forces" : Set(options.forces).sorted().joined(separator: " "))
        settings = s.finish()
        var h = KeyHasher()
        h.add(settings)
        for (path, hash) in zip(paths, contentHashes) { h.add(path, hash) }
        digest = h.finish()
        hashes = Dictionary(zip(paths, contentHashes)) { first, _ in first }
    }

    /// A file's bytes, read with plain system calls.
    static func contents(_ path: String) -> [UInt8]? {
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
        return done == bytes.count ? bytes : nil
    }

    /// The report of the last build when nothing changed since, else nil.
    func unchangedReport(_ options: Builder.Options, record: Record?, started: ContinuousClock.Instant) -> Builder.Report? {
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
    /// byte by byte without making strings: this runs for 17,000 files on every build. `each`
    /// sees every line of the cache, whose bytes are `cache`.
    static func intactOutputs(
        out: URL, force: String, cache: [UInt8]? = nil, _ each: (BuildCache.Line) -> Void = { _ in }
    ) -> (pages: Int, files: Int)? {
        let manifest = out.appendingPathComponent(SiteWriter.manifestFolder).appendingPathComponent("\(force).json")
        guard BuildCache.status(manifest.path) != nil,
              let bytes = cache ?? contents(BuildCache.url(out: out, force: force).path) else { return nil }
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
            let now = BuildCache.FileStatus(info)
            guard Int64(now.size) == line.size, now.mtime == line.mtime else { return false }
            files += 1
            if !line.digest.elementsEqual("-".utf8) { pages += 1 }
            each(line)
            return true
        }
        guard wellFormed else { return nil }
        return (pages, files)
    }

    /// What a build that succeeded records: the inputs' digest, the forces it built and its warnings;
    /// and for a later build that finds only page bodies changed (`PagePatch`): each input's
    /// hash, the pages whose body can be put in place, and each force's placeholder values.
    struct Record {
        var digest: String
        var forces: [String]
        var warnings: [Diagnostic]
        var settings = ""
        var allowRawHTML = false
        /// Input file → SHA-256, as `hashes`.
        var files: [String: String] = [:]
        /// Source file → what a body-only change to it needs.
        var pages: [String: PatchablePage] = [:]
        /// "force|language" → the value of each of `Placeholder.names` (nil where not set).
        var values: [String: [String?]] = [:]

        static func load(out: URL) -> Record? {
            guard let data = UnchangedInputs.contents(UnchangedInputs.url(out: out).path) else { return nil }
            // Split as bytes: the record has a line for every input file.
            let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard lines.count >= 6, lines[0] == UnchangedInputs.header, lines.last == "" else { return nil }
            var record = Record(digest: String(lines[1]), forces: [], warnings: [])
            record.settings = String(lines[2])
            guard record.digest.count == 64, record.settings.count == 64, lines[4] == "raw 0" || lines[4] == "raw 1" else { return nil }
            record.forces = lines[3].split(separator: " ").map(String.init)
            record.allowRawHTML = lines[4] == "raw 1"
            for line in lines[5..<(lines.count - 1)] {
                let fields = line.utf8.split(separator: 0x09, omittingEmptySubsequences: false).map { unescape(String(Substring($0))) }
                switch (fields.first, fields.count) {
                case ("W", 7):
                    guard let severity = Diagnostic.Severity(rawValue: fields[1]), let lineNumber = Int(fields[3]),
                          let column = Int(fields[4]) else { return nil }
                    record.warnings.append(Diagnostic(severity, fields[2], line: lineNumber, column: column, fields[5],
                                                      hint: fields[6].isEmpty ? nil : String(fields[6].dropFirst())))
                case ("F", 3):
                    record.files[fields[1]] = fields[2]
                case ("P", 7):
                    record.pages[fields[1]] = PatchablePage(urlPath: fields[2], layout: fields[3], language: fields[4],
                                                            front: fields[5], own: fields[6])
                case ("V", Placeholder.names.count + 3):
                    record.values["\(fields[1])|\(fields[2])"] = fields[3...].map { $0.isEmpty ? nil : String($0.dropFirst()) }
                default:
                    return nil
                }
            }
            return record
        }

        func save(out: URL) throws {
            var text = "\(UnchangedInputs.header)\n\(digest)\n\(settings)\n\(forces.joined(separator: " "))\nraw \(allowRawHTML ? 1 : 0)\n"
            func line(_ fields: [String]) { text += fields.map(Self.escape).joined(separator: "\t") + "\n" }
            for w in warnings {
                line(["W", w.severity.rawValue, w.file, String(w.line), String(w.column), w.message, w.hint.map { "+" + $0 } ?? ""])
            }
            for (path, hash) in files.sorted(by: { $0.key < $1.key }) { line(["F", path, hash]) }
            for (file, p) in pages.sorted(by: { $0.key < $1.key }) { line(["P", file, p.urlPath, p.layout, p.language, p.front, p.own]) }
            for (key, values) in values.sorted(by: { $0.key < $1.key }) {
                let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                line(["V"] + parts + values.map { $0.map { "+" + $0 } ?? "" })
            }
            _ = try SiteWriter.writeIfChanged(Data(text.utf8), to: UnchangedInputs.url(out: out))
        }

    /// Tabs, line breaks and backslashes in a field, written so that a line stays one record.
        static func escape(_ field: String) -> String {
            // Hashes and paths, most of the record, have nothing to escape.
            guard field.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A }) else { return field }
            return field.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
                .replacingOccurrences(of: "\n", with: "\\n")
        }

        static func unescape(_ field: String) -> String {
            guard field.utf8.contains(0x5C) else { return field }
            var result = ""
            var escaped = false
            for c in field {
                if escaped {
                    result.append(c == "t" ? "\t" : c == "n" ? "\n" : c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else {
                    result.append(c)
                }
            }
            return result
        }
    }

    /// Forgets the record before outputs change, so that a build that stops half-way is never
    /// mistaken for a complete one.
    static func forget(out: URL) {
        unlink(url(out: out).path)
    }
}
