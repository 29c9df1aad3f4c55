import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Everything read from a site's repository, checked, before anything is rendered.
public struct LoadedSite: Sendable {
    public var root: URL
    public var config: SiteConfig
    /// All forces, sorted by id.
    public var forces: [ForceIdentity]
    /// National pages, sorted by file.
    public var pages: [PageSource]
    /// Each force's own pages (`forces/<id>/content/`), sorted by file.
    public var localPages: [String: [PageSource]]
    /// Non-Markdown files under `content/` (images, PDFs), as paths relative to `content/`.
    public var contentFiles: [String]
    /// Warnings found while loading (errors stop the load).
    public var warnings: [Diagnostic]
    /// `data/police-areas.yml`, when the repository has it (docs/routing.md).
    public var areas: PoliceAreas? = nil

    public func force(_ id: String) -> ForceIdentity? { forces.first { $0.id == id } }
    /// The forces, without the national site.
    public var policeForces: [ForceIdentity] { forces.filter { !$0.isNational } }
}

/// Loads `site.yml`, `forces/*.yml` and every page, collecting every problem before failing.
public enum SiteLoader {
    public static func load(root: URL) throws(DiagnosticsError) -> LoadedSite {
        let sink = DiagnosticSink()
        let fm = FileManager.default

        var config: SiteConfig?
        let siteURL = root.appendingPathComponent("site.yml")
        if fm.fileExists(atPath: siteURL.path) {
            if let text = SourceText.read("site.yml", in: root, sink: sink) {
                config = SiteConfig.load(text, sink: sink)
            }
        } else {
            sink.error(.whole("site.yml"), "site.yml is missing",
                hint: "Run soh in the repository's top folder, or pass --root DIR.")
        }

        var forces: [ForceIdentity] = []
        let forcesDir = root.appendingPathComponent("forces")
        for name in listDirectory(forcesDir, within: root, sink: sink) where name.hasSuffix(".yml") || name.hasSuffix(".yaml") {
            let file = "forces/\(name)"
            let id = String(name.prefix(upTo: name.lastIndex(of: ".")!))
            if !Identifier.isValid(id) {
                sink.error(.start(of: file), "force file name '\(name)' is not a valid force id",
                    hint: "Name it after the data.police.uk force id, in lower case with hyphens, e.g. 'avon-and-somerset.yml'.")
                continue
            }
            if name.hasSuffix(".yaml") {
                sink.error(.start(of: file), "force files end in '.yml'", hint: "Rename it to '\(id).yml'.")
                continue
            }
            guard let text = SourceText.read(file, in: root, sink: sink) else { continue }
            if let force = ForceIdentity.load(text, file: file, expectedID: id, site: config,
                                              forceDirectory: forcesDir.appendingPathComponent(id), sink: sink) {
                forces.append(force)
            }
        }
        if forces.isEmpty, !sink.hasErrors {
            sink.error(.whole("forces/"), "no force files found in forces/", hint: "Add forces/<id>.yml, or run 'soh new-force ID'.")
        }
        forces.sort { $0.id < $1.id }
        // The national site is built like a force's, last (docs/routing.md).
        if let config, let node = config.national {
            if forces.contains(where: { $0.id == ForceIdentity.nationalID }) {
                sink.error(.start(of: "forces/national.yml"), "'national' is the national site's id, not a force's", hint: "Rename the force file.")
            } else if let national = ForceIdentity.loadNational(node, site: config, root: root, sink: sink) {
                forces.append(national)
            }
        }

        let areas = PoliceAreas.load(root: root, languages: config?.languages ?? ["en", "cy"], sink: sink)
        var contentFiles: [String] = []
        var pages = loadPages(
            root: root, prefix: "content", origin: .national, site: config, areas: areas,
            sink: sink, otherFiles: &contentFiles)
        // Files beside the national items are their images, published with them (NewsItems).
        contentFiles.removeAll { $0.hasPrefix("news/") }
        let defaultLanguage = config?.defaultLanguage ?? "en"
        NewsItems.link(&pages, national: [], defaultLanguage: defaultLanguage, sink: sink)
        let nationalSlugs = applySlugs(&pages, inherited: [:], defaultLanguage: defaultLanguage, sink: sink)
        checkDuplicateURLs(pages, sink: sink)

        var localPages: [String: [PageSource]] = [:]
        for force in forces {
            var ignored: [String] = []
            var local = loadPages(
                root: root, prefix: "\(force.folder)/content", origin: .force(force.id), site: config, areas: areas, sink: sink, otherFiles: &ignored)
            local += loadPages(
                root: root, prefix: "\(force.folder)/news", keyPrefix: PageSource.newsKey, origin: .force(force.id), site: config, areas: areas,
                sink: sink, otherFiles: &ignored)
            local.sort { $0.file < $1.file }
            NewsItems.link(&local, national: pages, defaultLanguage: defaultLanguage, sink: sink)
            NewsItems.checkLocal(local, force: force, areas: areas, defaultLanguage: defaultLanguage, sink: sink)
            applySlugs(&local, inherited: nationalSlugs, defaultLanguage: defaultLanguage, sink: sink)
            checkDuplicateURLs(local, sink: sink)
            if let config {
                for page in local where config.isLocked(page.key) {
                    sink.error(.start(of: page.file), "forces may not override '\(page.key)': site.yml locks it for national consistency",
                        hint: "Remove this file; ask the national team if the page needs a local variant.")
                }
            }
            localPages[force.id] = local
        }

        NewsItems.checkImages(pages + localPages.values.flatMap { $0 }, root: root, defaultLanguage: defaultLanguage, sink: sink)

        let all = sink
        guard !all.hasErrors, let config else { throw DiagnosticsError(all.sorted) }
        return LoadedSite(
            root: root, config: config, forces: forces, pages: pages, localPages: localPages,
            contentFiles: contentFiles, warnings: all.sorted, areas: areas)
    }

    /// The pages below `prefix` (a folder of the repository at `root`); other files go to `otherFiles`.
    static func loadPages(
        root: URL, prefix: String, keyPrefix: String = "/", origin: PageSource.Origin, site: SiteConfig?, areas: PoliceAreas? = nil,
        sink: DiagnosticSink, otherFiles: inout [String]
    ) -> [PageSource] {
        var files: [String] = []
        for relative in walk(root.appendingPathComponent(prefix), within: root, sink: sink) {
            if relative.hasPrefix("forms/") { continue }  // form definitions, read by the forms stage
            let file = "\(prefix)/\(relative)"
            guard relative.hasSuffix(".md") else {
                guard RepositoryFile.resolve(file, in: root, sink: sink) != nil else { continue }
                let type = relative.split(separator: "/").last.flatMap { $0.contains(".") ? $0.split(separator: ".").last : nil }
                if let type, publishedFileTypes.contains(type.lowercased()) {
                    otherFiles.append(relative)
                } else {
                    sink.error(.start(of: file), "'\(relative.split(separator: "/").last ?? "")' is not a kind of file the sites publish as it is",
                        hint: "Write pages in Markdown (.md). Files copied as they are may be: \(publishedFileTypes.sorted().joined(separator: ", ")). Web pages and scripts are refused: they would run on every force's site.")
                }
                continue
            }
            let name = relative.split(separator: "/").map(String.init)
            if let bad = name.first(where: { !$0.allSatisfy { $0.isLowercase || $0.isNumber || "-_.".contains($0) } }) {
                sink.error(.start(of: file), "'\(bad)' in the page's path has characters that do not belong in a web address",
                    hint: "Use lower-case letters, digits and hyphens, e.g. 'bicycle-theft.md'.")
                continue
            }
            files.append(relative)
        }
        // Read and split on every core: a site has hundreds of pages.
        let pages = Parallel.map(files, sink: sink) { relative, sink in
            PageSource.load("\(prefix)/\(relative)", in: root, relative: relative, keyPrefix: keyPrefix, origin: origin, site: site, areas: areas, sink: sink)
        }
        return pages.compactMap { $0 }.filter { !$0.front.draft }
    }

    /// Gives translations their own-language addresses: each part of the address is the slug of
    /// the twin at that level (this page, its section, …) where one is set, else the English
    /// name. `inherited` holds the national slugs ("cy|/advice/" → "cyngor") a force's own pages
    /// sit under. Returns the slugs of `pages` merged with `inherited`.
    @discardableResult
    static func applySlugs(
        _ pages: inout [PageSource], inherited: [String: String], defaultLanguage: String, sink: DiagnosticSink
    ) -> [String: String] {
        var slugs = inherited
        for page in pages {
            guard let slug = page.front.slug, let at = page.front.slugLocation else { continue }
            if page.language == defaultLanguage {
                sink.error(at, "'slug' is for translations: the file name gives the address of a \(defaultLanguage) page",
                    hint: "Rename the file instead, and add the old address to 'aliases'.")
            } else if page.key == "/" {
                sink.error(at, "the home page has no slug: it is published at '/\(page.language)/'", hint: "Remove 'slug'.")
            } else {
                slugs["\(page.language)|\(page.key)"] = slug
            }
        }
        for i in pages.indices where pages[i].language != defaultLanguage && pages[i].key != "/" {
            let page = pages[i]
            let parts = page.key.split(separator: "/").map(String.init)
            var path = ""
            for (n, part) in parts.enumerated() {
                let key = "/" + parts[...n].joined(separator: "/") + "/"
                path += "/" + (slugs["\(page.language)|\(key)"] ?? part)
            }
            pages[i].urlPath = "/\(page.language)\(path)/"
        }
        return slugs
    }

    static func checkDuplicateURLs(_ pages: [PageSource], sink: DiagnosticSink) {
        var seen: [String: String] = [:]
        for page in pages {
            if let first = seen[page.urlPath] {
                sink.error(.start(of: page.file), "two pages have the same address '\(page.urlPath)': \(first) and \(page.file)",
                    hint: "Keep one of them; 'a.md' and 'a/index.md' both publish at '/a/'.")
            } else {
                seen[page.urlPath] = page.file
            }
        }
    }

    /// The files besides pages that `content/` may hold, copied to every site as they are:
    /// images, documents, media and captions; never web pages, scripts or style sheets.
    public static let publishedFileTypes: Set<String> = [
        "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico",
        "pdf", "txt", "csv", "rtf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp",
        "mp3", "mp4", "webm", "vtt",
    ]

    /// Entries of a folder, sorted; empty when it does not exist. A folder that exists but cannot
    /// be read is an error in `sink` (named from `root`), never taken for an empty one: a site
    /// would be published with its files missing.
    public static func listDirectory(_ dir: URL, within root: URL? = nil, sink: DiagnosticSink? = nil) -> [String] {
        guard let handle = opendir(dir.path) else {
            if errno != ENOENT { unreadable(dir.path, root: root, code: errno, sink: sink) }
            return []
        }
        closedir(handle)
        do {
            return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            unreadable(dir.path, root: root, code: EIO, sink: sink)
            return []
        }
    }

    /// Says in `sink` that a folder of the inputs cannot be read, with the system's reason.
    static func unreadable(_ path: String, root: URL?, code: Int32, sink: DiagnosticSink?) {
        guard let sink else { return }
        let top = root.map { $0.path.hasSuffix("/") ? $0.path : $0.path + "/" }
        let shown = top.flatMap { path.hasPrefix($0) ? String(path.dropFirst($0.count)) : nil } ?? path
        sink.error(.whole(shown + "/"), "cannot read the folder: \(String(cString: strerror(code))) (errno \(code))",
            hint: "Let the build's user read it (its files would be missing from every site), or remove it.")
    }

    /// Every file below `dir`, as sorted relative paths; hidden files are skipped. Links are
    /// followed while they stay inside `root`; a link that leads outside it is listed but not
    /// entered (reading it reports it, see `RepositoryFile`), and a link back to a folder being
    /// listed is not followed again. Read with `readdir`, which says which entries are folders:
    /// a build lists its inputs on every run.
    ///
    /// A folder that exists but cannot be read is an error in `sink`, never an empty folder.
    public static func walk(_ dir: URL, within root: URL, sink: DiagnosticSink? = nil) -> [String] {
        var result: [String] = []
        let top = RepositoryFile.realPath(root.path) ?? root.path
        // The real folders being listed, outermost first: a link to one of them is a loop.
        var chain: Set<String> = []
        func visit(_ path: String, _ relative: String, real: String) {
            guard let handle = opendir(path) else {
                // The top folder may be absent (a force without local pages); nothing else may fail unsaid.
                if !(relative.isEmpty && errno == ENOENT) { unreadable(path, root: root, code: errno, sink: sink) }
                return
            }
            defer { closedir(handle) }
            chain.insert(real)
            defer { chain.remove(real) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                guard !name.hasPrefix(".") else { continue }
                let child = path + "/" + name
                let rel = relative.isEmpty ? name : relative + "/" + name
                let type = Int32(entry.pointee.d_type)
                var isFolder = type == Int32(DT_DIR)
                var childReal = real + "/" + name
                if type == Int32(DT_LNK) || type == Int32(DT_UNKNOWN) {
                    var info = stat()
                    // A broken link, or one that leads out of the repository: listed, so reading it says so.
                    guard stat(child, &info) == 0, let resolved = RepositoryFile.realPath(child),
                          RepositoryFile.isInside(resolved, root: top) else { result.append(rel); continue }
                    isFolder = (info.st_mode & S_IFMT) == S_IFDIR
                    childReal = resolved
                }
                if isFolder {
                    if !chain.contains(childReal) { visit(child, rel, real: childReal) }
                } else {
                    result.append(rel)
                }
            }
        }
        visit(dir.path, "", real: RepositoryFile.realPath(dir.path) ?? dir.path)
        return result.sorted()
    }
}
