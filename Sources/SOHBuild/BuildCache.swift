import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// Content-hash keys for everything a page's output depends on, so a rebuild renders only the
/// pages whose inputs changed.
///
/// A page's digest combines:
/// - the build: this `soh` executable, the environment, the API address, preview or not, `site.yml`;
/// - the force: its force file, its logo, its base URL and which pages it publishes (menus, the
///   language switch and service links depend on whether a page exists);
/// - the layout: the template and every partial it includes, the interface strings and the assets;
/// - the page's own source file (a form's pages: the form definition and their landing page's
///   front matter; a service notice: the landing page's front matter, as neither shows its body);
/// - the listing (address, title, description, order) of the pages it shows: breadcrumbs, its
///   section's pages, the home page's groups, everything for the sitemap page.
///
/// Editing a page's body re-renders that page; editing its title also re-renders the pages that
/// list it; adding or removing a page re-renders its force's pages (only changed bytes are written).
struct BuildKeys: Sendable {
    var global: String
    /// Theme owner (`""` for the national theme, else a force id) → layout → key.
    var layouts: [String: [String: String]]
    /// Source file (relative to the root) → hash of its bytes.
    var files: [String: String]
    /// For each page (by identity), the parts of its digest that are the same on every force's
    /// site: its own sources and kind, and its listing as other pages show it.
    var pageParts: [ObjectIdentifier: (own: String, listing: String)] = [:]

    /// `known` holds hashes already taken of input files (by `UnchangedInputs`), so that they
    /// are not read again.
    init(prepared: PreparedSite, preview: Bool, known: [String: String] = [:]) {
        let root = prepared.loaded.root
        var files: [String: String] = [:]
        func hash(_ relative: String) {
            guard files[relative] == nil else { return }
            if let hash = known[relative], hash != "unreadable" {
                files[relative] = hash
                return
            }
            if let data = FileManager.default.contents(atPath: root.appendingPathComponent(relative).path) {
                files[relative] = KeyHasher.digest(data)
            } else {
                // Unreadable: a key that matches nothing, so the page is always rendered.
                files[relative] = "unreadable-\(UUID().uuidString)"
            }
        }
        hash("site.yml")
        for page in prepared.national { hash(page.file); if let d = page.derivedFrom { hash(d) } }
        for set in prepared.pageSets.values {
            for page in set.pages { hash(page.file); if let d = page.derivedFrom { hash(d) } }
        }
        for force in prepared.loaded.forces {
            hash(force.file)
            if let logo = force.logo { hash("forces/\(force.id)/\(logo)") }
        }
        self.files = files

        var g = KeyHasher()
        g.add("soh build cache 1", Self.executableIdentity, prepared.environment.api, preview ? "preview" : "publish")
        g.add(files["site.yml"] ?? "")
        global = g.finish()

        var layouts: [String: [String: String]] = ["": Self.layoutKeys(prepared.theme)]
        for (id, theme) in prepared.forceThemes { layouts[id] = Self.layoutKeys(theme) }
        self.layouts = layouts

        for page in prepared.national { pageParts[page.identity] = parts(of: page) }
        for set in prepared.pageSets.values {
            for page in set.pages where pageParts[page.identity] == nil { pageParts[page.identity] = parts(of: page) }
        }
    }

    func parts(of page: PreparedPage) -> (own: String, listing: String) {
        if let known = pageParts[page.identity] { return known }
        // A service's notice and a form's pages show their landing page's front matter, never
        // its body: editing the body leaves them as they are.
        var front: String { PagePatch.frontDigest(yaml: page.front.text, bodyFirstLine: page.bodyFirstLine) }
        let fileHash: String
        if case .serviceNotice = page.kind { fileHash = front } else { fileHash = files[page.file] ?? "" }
        let own = Self.ownPart(urlPath: page.urlPath, kind: page.kind, layout: page.layout, fileHash: fileHash,
                               derivedHash: page.derivedFrom == nil ? "" : front)
        var listing = KeyHasher()
        listing.add(Self.listing(page))
        return (own, listing.finish())
    }

    /// What a page's output depends on of the page itself: its address, kind, layout and
    /// source files (the form definition and landing page for a form's pages).
    static func ownPart(urlPath: String, kind: PreparedPage.Kind, layout: String, fileHash: String, derivedHash: String) -> String {
        var own = KeyHasher()
        own.add(urlPath, describe(kind), layout, fileHash, derivedHash)
        return String(own.finish().prefix(32))
    }

    /// The force's key: its files, base URL, and which pages it publishes (menus, the language
    /// switch and service links depend on whether a page exists).
    func forceKey(_ force: ForceIdentity, set: ForcePageSet, baseURL: String) -> String {
        var h = KeyHasher()
        h.add(force.id, files[force.file] ?? "", baseURL)
        if let logo = force.logo { h.add(files["forces/\(force.id)/\(logo)"] ?? "") }
        for page in set.pages {
            h.add(page.urlPath, page.key, page.language, Self.describe(page.kind), page.isSectionIndex ? "index" : "leaf")
        }
        return h.finish()
    }

    /// The digest of one page's output on one force's site: 32 hex digits for everything around
    /// the page (the build, the force, the layout, the pages it lists), then 32 for the page
    /// itself (`ownPart`), so that a change to the page alone can be told apart (`PagePatch`).
    /// `listed` is `listed(by: page, …)` when already known.
    func digest(
        of page: PreparedPage, force: ForceIdentity, forceKey: String, set: ForcePageSet, site: SiteConfig, listed: [PreparedPage]? = nil
    ) -> String {
        var h = KeyHasher()
        h.add(global, forceKey, layouts[force.id]?[page.layout] ?? layouts[""]?[page.layout] ?? "no-layout-\(page.layout)")
        for other in listed ?? Self.listed(by: page, in: set, site: site) { h.add(parts(of: other).listing) }
        return h.finish().prefix(32) + parts(of: page).own
    }

    /// The digest of a force's not-found page in `language`: its layout, and the menus and
    /// service links, which depend on the force's pages (its key) and `site.yml` (the global key).
    func notFoundDigest(force: ForceIdentity, forceKey: String, layout: String, language: String) -> String {
        var h = KeyHasher()
        h.add(global, forceKey, layouts[force.id]?[layout] ?? layouts[""]?[layout] ?? "no-layout-\(layout)", "not found", language)
        return h.finish()
    }

    /// What a page shows of another: its address, title, description and order.
    static func listing(_ page: PreparedPage) -> String {
        "\(page.urlPath)\u{0}\(text(page.title))\u{0}\(page.description.map(text) ?? "\u{1}")\u{0}\(page.front.order)"
    }

    /// The pages whose listing (address, title, description, order) appears on `page`: its
    /// breadcrumbs, its section's pages, the home page's service groups, the sitemap page's
    /// everything. This mirrors what `ForceRenderer` reads from other pages.
    static func listed(by page: PreparedPage, in set: ForcePageSet, site: SiteConfig) -> [PreparedPage] {
        var result: [PreparedPage] = []
        var key = page.parentKey
        while let k = key {
            if let p = set.page(key: k, language: page.language) { result.append(p) }
            key = k == "/" ? nil : PreparedPage.parentKey(of: k)
        }
        if page.isSectionIndex { result += set.children(of: page) }
        if page.key == "/" { result += set.pages.filter { $0.parentKey == "/" } }
        if page.layout == "sitemap" { result += set.pages }
        return result
    }

    static func describe(_ kind: PreparedPage.Kind) -> String {
        switch kind {
        case .content: "content"
        case .serviceNotice(let id, let setting): "notice \(id) \(setting)"
        case .form(let id): "form \(id)"
        case .formConfirmation(let id): "confirmation \(id)"
        }
    }

    static func text(_ slotted: SlottedText) -> String { slotted.fill { "\u{1}\($0)\u{2}" } }

    /// Each layout's key: its template and the partials it includes (transitively), with the
    /// theme's strings and assets, which every page reads.
    static func layoutKeys(_ theme: Theme) -> [String: String] {
        var base = KeyHasher()
        for (language, table) in theme.strings.sorted(by: { $0.key < $1.key }) {
            base.add(language)
            for (key, value) in table.sorted(by: { $0.key < $1.key }) { base.add(key, value) }
        }
        for (name, data) in theme.assets.sorted(by: { $0.key < $1.key }) { base.add(name, KeyHasher.digest(data)) }
        let themeKey = base.finish()

        var keys: [String: String] = [:]
        for layout in theme.layouts.sorted() {
            var h = KeyHasher()
            h.add(themeKey)
            for name in includedTemplates(layout, sources: theme.sources) { h.add(name, theme.sources[name] ?? "") }
            keys[layout] = h.finish()
        }
        return keys
    }

    /// `layout` and every template it names with `{{> …}}` or `{{< …}}`, sorted. A template that
    /// changes its delimiters or uses a dynamic partial could name anything, so it depends on all.
    static func includedTemplates(_ layout: String, sources: [String: String]) -> [String] {
        var seen: Set<String> = []
        var queue = [layout]
        while let name = queue.popLast() {
            guard seen.insert(name).inserted, let text = sources[name] else { continue }
            if text.contains("{{=") || text.contains("{{>*") || text.contains("{{> *") { return sources.keys.sorted() }
            var rest = text[...]
            while let open = rest.range(of: "{{") {
                rest = rest[open.upperBound...]
                guard let first = rest.first, first == ">" || first == "<" else { continue }
                guard let close = rest.range(of: "}}") else { break }
                let target = rest[rest.index(after: rest.startIndex)..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                queue.append(target)
                rest = rest[close.upperBound...]
            }
        }
        return seen.sorted()
    }

    /// Size and modification time of the running executable: a new `soh` renders everything again.
    static let executableIdentity: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return UUID().uuidString }
        return "\(info.st_size) \(info.st_mtim.tv_sec) \(info.st_mtim.tv_nsec) \(info.st_ino)"
    }()
}

/// SHA-256 over a sequence of strings, each length-prefixed so that ("ab", "c") ≠ ("a", "bc").
struct KeyHasher {
    var hasher = SHA256()

    mutating func add(_ parts: String...) {
        for var part in parts {
            part.withUTF8 { bytes in
                var count = UInt64(bytes.count).littleEndian
                withUnsafeBytes(of: &count) { hasher.update(bufferPointer: $0) }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            }
        }
    }

    func finish() -> String { Fingerprint.hex(hasher.finalize()) }

    static func digest(_ data: Data) -> String { Fingerprint.hex(SHA256.hash(data: data)) }
}

/// What the previous build wrote for one force, kept in `<out>/.soh-cache/<force>.tsv`: for each
/// file its dependency digest (pages only), size, modification time, SHA-256 and, for a page,
/// where its body is in the file (`start,length` in bytes, or `-`).
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
        var body: BodyRange? = nil
    }

    static let folder = ".soh-cache"
    static let header = "soh build cache 2"

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
                sha256: String(decoding: line.sha256, as: UTF8.self), body: line.body)
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
        var body: BodyRange?
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

    /// One line (`range` includes its line break): six tab-separated fields, numbers where
    /// numbers belong, a 64-digit SHA-256 and a body range inside the file. Nil when malformed.
    static func line(_ bytes: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Line? {
        let end = range.upperBound - 1
        var fields: (Range<Int>, Range<Int>, Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
        var start = range.lowerBound
        for n in 0..<5 {
            guard let tab = find(0x09, in: buffer, start..<end) else { return nil }
            switch n {
            case 0: fields.0 = start..<tab
            case 1: fields.1 = start..<tab
            case 2: fields.2 = start..<tab
            case 3: fields.3 = start..<tab
            default: fields.4 = start..<tab
            }
            start = tab + 1
        }
        let last = start..<end
        guard find(0x09, in: buffer, last) == nil, !fields.0.isEmpty, fields.4.count == 64,
              let size = number(buffer, fields.2), let mtime = number(buffer, fields.3) else { return nil }
        var body: BodyRange?
        if !(last.count == 1 && buffer[last.lowerBound] == 0x2D) {  // "-"
            guard let comma = find(0x2C, in: buffer, last),
                  let from = number(buffer, last.lowerBound..<comma), let length = number(buffer, (comma + 1)..<last.upperBound),
                  from >= 0, length >= 0, from + length <= size
            else { return nil }
            body = BodyRange(start: Int(from), length: Int(length))
        }
        return Line(path: bytes[fields.0], digest: bytes[fields.1], size: size, mtime: mtime, sha256: bytes[fields.4], body: body,
                    bytes: range)
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
              let now = Self.status(dir.path + "/" + path),
              now.size == entry.size, now.mtime == entry.mtime else { return nil }
        return entry
    }

    /// The same, for `path` relative to a folder already open as `folder` (which saves walking
    /// the folder's own path for each of a force's thousands of files).
    func reusable(_ path: String, digest: String, folder: CInt) -> Entry? {
        guard folder >= 0, let entry = entries[path], entry.digest == digest else { return nil }
        var info = stat()
        guard fstatat(folder, path, &info, 0) == 0 else { return nil }
        let now = FileStatus(info)
        return now.size == entry.size && now.mtime == entry.mtime ? entry : nil
    }

    struct FileStatus: Sendable {
        var size: Int
        /// Nanoseconds since 1970.
        var mtime: Int64

        init(size: Int, mtime: Int64) {
            self.size = size
            self.mtime = mtime
        }

        init(_ info: stat) {
            self.init(size: Int(info.st_size), mtime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
    }

    static func status(_ path: String) -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    static func save(_ entries: [(String, Entry)], out: URL, force: String) throws {
        var text = TextBytes(capacity: 200 * entries.count)
        text.append(header + "\n")
        for (path, e) in entries where !path.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A }) {
            appendLine(&text, path: Array(path.utf8)[...], e)
        }
        _ = try SiteWriter.writeIfChanged(text.data, to: url(out: out, force: force))
    }

    /// One file's line: path, digest, size, time, SHA-256 and body range, tab-separated.
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
        if let body = e.body {
            text.append("\t")
            text.append(body.start)
            text.append(",")
            text.append(body.length)
            text.append("\n")
        } else {
            text.append("\t-\n")
        }
    }
}
