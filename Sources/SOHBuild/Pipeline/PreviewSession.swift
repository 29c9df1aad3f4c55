import Foundation
import SOHModel

/// `soh serve`'s builds. The site stays loaded and prepared in memory between saves: when only
/// the text of pages changed (their front matter and the placeholders they use are as they were),
/// those pages are prepared again and rendered again for each force that publishes them, and
/// nothing else is read or written. Any other change is an ordinary build, whose prepared site is
/// kept for the next save. Publishing builds (`soh build`) never take this path.
public actor PreviewSession {
    let options: Builder.Options
    private var site: Builder.Site?

    public init(options: Builder.Options) {
        var options = options
        options.preview = true
        self.options = options
    }

    /// Builds after `changed` (paths relative to the repository; nil when anything may have
    /// changed, as on the first build).
    public func build(changed: Set<String>?) async throws(DiagnosticsError) -> Builder.Report {
        let start = ContinuousClock.now
        if let site, let changed, !changed.isEmpty, let report = try textOnly(changed, in: site, started: start) {
            return report
        }
        site = nil
        var timings = Builder.Timings()
        let prepared = try Builder.prepare(options, timings: &timings)
        let report = try await Builder.write(prepared, options, inputs: nil, timings: timings, started: start)
        site = prepared
        return report
    }

    /// Nil when the change is more than the text of known pages; else the pages prepared and
    /// written again, and the site in memory updated.
    func textOnly(_ changed: Set<String>, in site: Builder.Site, started start: ContinuousClock.Instant) throws(DiagnosticsError) -> Builder.Report? {
        let loaded = site.loaded
        var sources: [String: (page: PageSource, force: String?)] = [:]
        for page in loaded.pages { sources[page.file] = (page, nil) }
        for (force, pages) in loaded.localPages { for page in pages { sources[page.file] = (page, force) } }
        var fresh: [String: PreparedPage] = [:]
        for file in changed {
            guard let (old, force) = sources[file] else { return nil }
            // Made from this page (a form's landing page): its pages are an ordinary build's.
            if site.prepared.national.contains(where: { $0.derivedFrom == file }) { return nil }
            let sink = DiagnosticSink()
            let folder = force.flatMap { loaded.force($0) }.map { "\($0.folder)/content/" } ?? "content/"
            guard file.hasPrefix(folder),
                  var page = PageSource.load(file, in: loaded.root, relative: String(file.dropFirst(folder.count)), origin: old.origin,
                                             site: loaded.config, areas: loaded.areas, sink: sink),
                  sink.all.isEmpty, page.front.text == old.front.text, page.bodyFirstLine == old.bodyFirstLine else { return nil }
            // The front matter is as it was: so is what loading the whole site made of it (a
            // translation's address from its slugs, an item's dates from its English item).
            page.front = old.front
            page.urlPath = old.urlPath
            let theme = force.flatMap { site.prepared.forceThemes[$0] } ?? site.prepared.theme
            let prepared = PagePreparer.prepare(page, layouts: theme.layouts, allowRawHTML: loaded.config.allowRawHTML, site: loaded.config, sink: sink)
            let before = (force.flatMap { site.prepared.pageSets[$0]?.pages } ?? site.prepared.national).first { $0.file == file && $0.kind == .content }
            guard sink.all.isEmpty, let before, Set(prepared.placeholderUses.keys) == Set(before.placeholderUses.keys) else { return nil }
            fresh[file] = prepared
        }
        var updated = site.prepared
        updated.national = updated.national.map { $0.kind == .content ? fresh[$0.file] ?? $0 : $0 }
        // The search index holds the pages' text: the national part is made again in the
        // languages of the national pages that changed.
        let nationalLanguages = Set(fresh.values.filter { $0.origin == .national }.map(\.language))
        updated.search.merge(SearchIndex.nationalParts(updated.national, languages: nationalLanguages.sorted())) { _, new in new }
        var changedPages: [String: [Int]] = [:]
        for force in site.forces {
            guard var set = updated.pageSets[force.id] else { continue }
            let indices = set.pages.indices.filter { set.pages[$0].kind == .content && fresh[set.pages[$0].file] != nil }
            for i in indices { set.pages[i] = fresh[set.pages[i].file] ?? set.pages[i] }
            updated.pageSets[force.id] = set
            changedPages[force.id] = indices
        }
        // What each force's preview gets, worked out on every core: the changed pages, and its
        // search index where its text changed (new files, and the files no longer used; the
        // national part's are the same on every site).
        struct Output: Sendable {
            var files: [(path: String, data: Data)] = []
            var removed: [String] = []
            var pages = 0
        }
        let now = updated, before = site.prepared, out = options.out, changedPagesNow = changedPages
        let outputs = Parallel.map(site.forces) { force -> Output? in
            guard let set = now.pageSets[force.id] else { return Output() }
            let indices = changedPagesNow[force.id] ?? []
            let renderer = ForceRenderer(prepared: now, force: force)
            let speakers = renderer.speakers(assetURLs: renderer.assets().1)
            var output = Output()
            for i in indices {
                let page = set.pages[i]
                guard let (speaker, context) = speakers[page.language] else { continue }
                guard let html = speaker.renderPage(page, shared: context) else { return nil }
                let (data, unfilled) = MarkedText.unmarked(html)
                guard unfilled == 0 else { return nil }
                output.files.append((PageFile.path(for: page.urlPath), Preview.withScript(data, at: Preview.lastBodyEnd(data))))
                output.pages += 1
            }
            let ownLanguages = Set(indices.map { set.pages[$0] }.filter { $0.origin != .national }.map(\.language))
            for language in nationalLanguages.union(ownLanguages).sorted() {
                guard let index = renderer.searchFiles(language) else { continue }
                let oldLocal = ownLanguages.contains(language) ? ForceRenderer(prepared: before, force: force).searchFiles(language)?.local : index.local
                let kept = Set(((before.search[language]?.files ?? []) + (oldLocal?.files ?? [])).map(\.path))
                let current = index.all
                output.files += current.filter { !kept.contains($0.path) || $0.path == index.manifest.path }.map { ($0.path, $0.data) }
                output.removed += kept.subtracting(current.map(\.path)).sorted()
            }
            return output
        }
        var pages = 0, written = 0
        for (force, output) in zip(site.forces, outputs) {
            guard let output else { return nil }
            let root = out.appendingPathComponent(force.id)
            var folders = Set<String>()
            do {
                for (path, data) in output.files where try SiteWriter.writeIfChanged(data, at: root.appendingPathComponent(path).path, knownFolders: &folders).written {
                    written += 1
                }
                for path in output.removed { try FileManager.default.removeItem(at: root.appendingPathComponent(path)) }
            } catch {
                throw DiagnosticsError([.general(.error, "could not write the preview of '\(force.id)': \(error)", file: root.path)])
            }
            pages += output.pages
        }
        self.site = Builder.Site(loaded: loaded, forces: site.forces, prepared: updated)
        var timings = Builder.Timings()
        timings.textOnly = changed.count
        let summary = Builder.Summary(forces: site.forces.count, pages: pages, rendered: pages, written: written, unchanged: pages - written,
                                      removed: 0, seconds: Builder.seconds(ContinuousClock.now - start), timings: timings)
        return Builder.Report(summary: summary, warnings: [])
    }
}
