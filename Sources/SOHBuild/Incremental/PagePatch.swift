import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// What a build needs to know of a page, kept from the last complete build, to put a new body
/// in place without loading the rest of the site.
struct PatchablePage: Sendable, Equatable {
    var urlPath: String
    var layout: String
    var language: String
    /// `PagePatch.frontDigest` of its front matter.
    var front: String
    /// `BuildKeys.ownPart` of the page as last built: how its outputs are told apart in the
    /// build caches (the second half of their digest).
    var own: String
    /// How many forces publish it: each has one output file of it.
    var outputs: Int
}

/// The quick rebuild after editing the text of pages, the commonest change of all.
///
/// When the only inputs that changed since the last build of the same forces are Markdown pages
/// whose front matter is exactly as it was, nothing but those pages' bodies changed: no other page
/// shows a page's body, and its title, description, address, layout and order (everything other
/// pages list) are in the front matter. Each such page's body is prepared again (Markdown to
/// HTML, once) and, in each of its output files, put where the last build recorded the old body
/// to be (`BodyMarks`), filled with the force's values. Nothing else is loaded or rendered.
///
/// A service's landing page is no exception: its form's pages and the notice that stands in its
/// place on a force that switched the service off show its front matter only.
///
/// Anything else falls back to an ordinary build: a body with any diagnostic, an empty body, a
/// placeholder a force has no value for, an output whose body was not placed once and
/// unescaped, a changed setting, a file added or removed, an output not as the last build left
/// it. The tests compare the result with a clean build byte for byte.
enum PagePatch {
    /// The front matter as read: a page whose YAML and body line are unchanged has the same title,
    /// description, layout, order, aliases and everything else the build reads from them.
    static func frontDigest(yaml: String, bodyFirstLine: Int) -> String {
        var h = KeyHasher()
        h.add("front matter", yaml, String(bodyFirstLine))
        return h.finish()
    }

    /// An edited page, its body prepared again.
    struct Edit: Sendable {
        var file: String
        var page: PatchablePage
        var body: SlottedText
        /// Its output file's path below a force's folder, as bytes.
        var output: [UInt8]
        var own: String
    }

    /// One output file to change: the cache line that describes it, and its new body and digest.
    struct Change: Sendable {
        /// Which of the edits.
        var edit: Int
        var line: BuildCache.Line
        var body: [UInt8]
        var digest: String
    }

    /// A force's part of the work, found before anything is written.
    struct ForceWork: Sendable {
        var force: String
        var cache: [UInt8]
        var changes: [Change]
        var pages: Int
        var files: Int
    }

    /// The build's report when only page bodies changed and they were put in place; nil when an
    /// ordinary build is needed (then nothing was changed, or what was is still consistent).
    static func attempt(
        _ options: Builder.Options, inputs: UnchangedInputs, record: BuildRecord?, started: ContinuousClock.Instant
    ) -> Builder.Report? {
        guard var record, record.settings == inputs.settings, !record.forces.isEmpty,
              record.files.count == inputs.hashes.count else { return nil }
        var edits: [Edit] = []
        for (file, hash) in inputs.hashes.sorted(by: { $0.key < $1.key }) where record.files[file] != hash {
            guard record.files[file] != nil, let page = record.pages[file],
                  let edit = prepare(file, hash: hash, page: page, root: options.root, allowRawHTML: record.allowRawHTML)
            else { return nil }
            edits.append(edit)
        }
        guard !edits.isEmpty else { return nil }

        // Every force's part found (its cache read, the edited pages' outputs found and their
        // new bodies filled in) before any file is written.
        let out = options.out
        let values = record.values
        let prepared = edits
        let found = Parallel.map(record.forces) { force in plan(force, edits: prepared, values: values, out: out) }
        var work: [ForceWork] = []
        for item in found {
            guard let item else { return nil }
            work.append(item)
        }
        // Each page's outputs all found: as many as the forces that published it.
        for (k, edit) in edits.enumerated() {
            let outputs = work.reduce(0) { sum, item in sum + item.changes.filter { $0.edit == k }.count }
            guard outputs == edit.page.outputs else { return nil }
        }

        // From here a build that stops is an ordinary one next time: each output is replaced
        // whole, and each force's cache after its outputs.
        UnchangedInputs.forget(out: out)
        let results = Parallel.map(work.filter { !$0.changes.isEmpty }) { item in apply(item, out: out) }
        var written = 0
        for result in results {
            guard let result else { return nil }
            written += result
        }
        for edit in edits { record.pages[edit.file]?.own = edit.own }
        record.files = inputs.hashes
        record.stamps = inputs.stamps
        record.hashedAt = inputs.hashedAt
        record.digest = inputs.digest
        try? record.save(out: out)

        let pages = work.reduce(0) { $0 + $1.pages }
        let files = work.reduce(0) { $0 + $1.files }
        var timings = Builder.Timings()
        timings.bodiesPatched = edits.count
        let seconds = Builder.seconds(ContinuousClock.now - started)
        timings.load = seconds
        let summary = Builder.Summary(
            forces: record.forces.count, pages: pages, rendered: work.reduce(0) { $0 + $1.changes.count }, written: written,
            unchanged: files - written, removed: 0, seconds: seconds, timings: timings)
        return Builder.Report(summary: summary, warnings: record.warnings)
    }

    /// The page's body prepared as an ordinary build would, when only its body changed and it
    /// has nothing to report.
    static func prepare(_ file: String, hash: String, page: PatchablePage, root: URL, allowRawHTML: Bool) -> Edit? {
        let sink = DiagnosticSink()
        guard let bytes = UnchangedInputs.contents(root.path + "/" + file),
              Fingerprint.hex(SHA256.hash(data: bytes)) == hash,
              let text = SourceText.decode(Data(bytes), as: file, sink: sink),
              let split = FrontMatterSplit.split(text, file: file, sink: sink),
              frontDigest(yaml: split.yaml, bodyFirstLine: split.bodyFirstLine) == page.front
        else { return nil }
        let body = PagePreparer.prepareBody(split.body, file: file, firstLine: split.bodyFirstLine, language: page.language,
                                            allowRawHTML: allowRawHTML, sink: sink)
        guard sink.bag.all.isEmpty else { return nil }
        let own = BuildKeys.ownPart(urlPath: page.urlPath, kind: .content, layout: page.layout, fileHash: hash, derivedHash: "")
        let output = Array((String(page.urlPath.dropFirst()) + "index.html").utf8)
        return Edit(file: file, page: page, body: body.html, output: output, own: own)
    }

    /// The edited pages' outputs on the force's site (the cache lines with their path and their
    /// page's digest), with their new bodies. Only those files are looked at: the rest of the
    /// site is as the last build left it, which the next build with nothing to do checks.
    static func plan(_ force: String, edits: [Edit], values: [String: [String?]], out: URL) -> ForceWork? {
        let manifest = out.appendingPathComponent(SiteWriter.manifestFolder).appendingPathComponent("\(force).json")
        guard BuildCache.status(manifest.path) != nil,
              let cache = UnchangedInputs.contents(BuildCache.url(out: out, force: force).path) else { return nil }
        var lines: [(Int, BuildCache.Line)] = []
        var pages = 0
        var files = 0
        // Every line read, so that a cache out of shape is never taken for one without the page.
        let wellFormed = BuildCache.forEachLine(cache) { line in
            files += 1
            guard line.digest.count == 64 else { return true }
            pages += 1
            for (k, edit) in edits.enumerated()
            where line.path.count == edit.output.count && line.path.elementsEqual(edit.output)
                && line.digest.suffix(32).elementsEqual(edit.page.own.utf8) {
                lines.append((k, line))
            }
            return true
        }
        guard wellFormed else { return nil }
        var changes: [Change] = []
        for (k, line) in lines {
            let edit = edits[k]
            guard line.body != nil, let forceValues = values["\(force)|\(edit.page.language)"] else { return nil }
            var missing = false
            let filled = edit.body.fill { name in
                guard let i = Placeholder.names.firstIndex(of: name), let value = forceValues[i] else { missing = true; return "" }
                return Escape.html(value)
            }
            // An empty body has no marks in an ordinary build. (No input holds a marker's
            // characters: `SourceText` refuses them.)
            guard !missing, !filled.isEmpty else { return nil }
            let digest = String(decoding: line.digest.prefix(32), as: UTF8.self) + edit.own
            changes.append(Change(edit: k, line: line, body: Array(filled.utf8), digest: digest))
        }
        return ForceWork(force: force, cache: cache, changes: changes.sorted { $0.line.bytes.lowerBound < $1.line.bytes.lowerBound },
                         pages: pages, files: files)
    }

    /// Puts the new bodies in place, each file replaced whole (through a temporary file) when it
    /// still has the size and time the cache recorded, then updates the force's build cache and
    /// manifest: their lines in place when they keep their length, else written again. Returns
    /// how many files were written, or nil when a file was not as the last build left it.
    static func apply(_ work: ForceWork, out: URL) -> Int? {
        let dir = out.path + "/" + work.force
        var lines: [(old: Range<Int>, new: [UInt8])] = []
        var entries: [(path: ArraySlice<UInt8>, entry: [UInt8])] = []
        var written = 0
        var folders = Set<String>()
        for change in work.changes {
            let line = change.line
            let path = dir + "/" + String(decoding: line.path, as: UTF8.self)
            guard let body = line.body, let (old, status) = UnchangedInputs.contentsAndStatus(path), old.count == line.size,
                  status.mtime == line.mtime, body.end <= old.count
            else { return nil }
            var new = [UInt8]()
            new.reserveCapacity(old.count - body.length + change.body.count)
            new.append(contentsOf: old[..<body.start])
            new.append(contentsOf: change.body)
            new.append(contentsOf: old[body.end...])
            let data = Data(new)
            guard let (wrote, now) = try? SiteWriter.writeIfChanged(data, at: path, knownFolders: &folders) else { return nil }
            if wrote { written += 1 }
            let sha = Fingerprint.sha256(data)
            var text = TextBytes(capacity: line.bytes.count + 64)
            BuildCache.appendLine(&text, path: line.path, BuildCache.Entry(
                digest: change.digest, size: now.size, mtime: now.mtime, sha256: sha,
                body: BodyRange(start: body.start, length: change.body.count)))
            lines.append((line.bytes, text.bytes))
            entries.append((line.path, ManifestText.entry(path: line.path, size: now.size, sha256: Array(sha.utf8)[...])))
        }

        // The cache: its lines are known; the same length means the same place.
        let cacheURL = BuildCache.url(out: out, force: work.force)
        var cache = [UInt8]()
        var copied = 0
        for (old, new) in lines {
            cache.append(contentsOf: work.cache[copied..<old.lowerBound])
            cache.append(contentsOf: new)
            copied = old.upperBound
        }
        cache.append(contentsOf: work.cache[copied...])
        let cacheInPlace = lines.allSatisfy { $0.old.count == $0.new.count }
            && overwrite(cacheURL.path, at: lines.map { ($0.old.lowerBound, $0.new) })

        // The manifest: each entry found by its path; written again whole when one is not found
        // or changes length.
        let manifestURL = out.appendingPathComponent(SiteWriter.manifestFolder).appendingPathComponent("\(work.force).json")
        var placed = false
        if let manifest = UnchangedInputs.contents(manifestURL.path) {
            var patches: [(Int, [UInt8])] = []
            for (path, entry) in entries {
                guard let at = ManifestText.find(path: path, in: manifest),
                      let end = manifest[at...].firstIndex(of: 0x7D), end + 1 - at == entry.count else { break }
                patches.append((at, entry))
            }
            placed = patches.count == entries.count && overwrite(manifestURL.path, at: patches)
        }
        if !placed {
            var manifest = ManifestText(force: work.force, capacity: work.files)
            guard BuildCache.forEachLine(cache, { line in
                manifest.add(path: line.path, size: line.size, sha256: line.sha256)
                return true
            }) else { return nil }
            guard (try? SiteWriter.writeIfChanged(manifest.finish(), to: manifestURL)) != nil else { return nil }
        }
        if !cacheInPlace {
            guard (try? SiteWriter.writeIfChanged(Data(cache), to: cacheURL)) != nil else { return nil }
        }
        return written
    }

    /// Writes each run of bytes at its offset in an existing file, which keeps its length.
    static func overwrite(_ path: String, at patches: [(Int, [UInt8])]) -> Bool {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        for (offset, bytes) in patches {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
            guard n == bytes.count else { return false }
        }
        return true
    }
}
