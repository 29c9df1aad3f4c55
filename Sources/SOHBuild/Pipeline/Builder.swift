import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// The build pipeline: load → prepare once → render per force (in parallel) → write.
public enum Builder {
    public struct Options: Sendable {
        public var root: URL
        public var out: URL
        /// Forces to build; empty means all.
        public var forces: [String]
        public var jobs: Int?
        public var environment: String
        /// Replaces the environment's submission API (local previews and tests post to a local API).
        public var apiOverride: String?
        /// Preview output for `soh serve`: every page loads the live-reload script, and each
        /// force gets a branding page at `/_soh/branding/`. Never for publishing.
        public var preview = false
        /// Render each page once for every class of forces with the same shape, then fill in
        /// each force's values (see `SharedRender`). Off only to check it against direct renders.
        public var shareRenders = true
        /// Ignore every cache of earlier builds (`soh build --clean`): everything is loaded,
        /// rendered and compared with the output; the caches are written afresh.
        public var clean = false
        /// The build's time (`--now`), which decides which items are published and which have
        /// closed; the clock's when nil.
        public var now: Date? = nil

        public init(root: URL, out: URL? = nil, forces: [String] = [], jobs: Int? = nil, environment: String = "production", apiOverride: String? = nil) {
            self.root = root
            self.out = out ?? root.appendingPathComponent("public")
            self.forces = forces
            self.jobs = jobs
            self.environment = environment
            self.apiOverride = apiOverride
        }
    }

    public struct Summary: Sendable, Codable, Equatable {
        public var forces: Int
        public var pages: Int
        /// Pages rendered in this build: every page, or none when nothing changed since the last.
        public var rendered: Int
        public var written: Int
        public var unchanged: Int
        public var removed: Int
        public var seconds: Double
        public var timings: Timings
    }

    /// Seconds spent in each stage, to find where a regression is.
    public struct Timings: Sendable, Codable, Equatable {
        public var load = 0.0
        public var prepare = 0.0
        /// Rendering shared pages (working out which forces share each), then rendering and
        /// writing each force's files: the two parts of `renderAndWrite`.
        public var renderAndWrite = 0.0
        public var sharedRender = 0.0
        /// Classes of same-shaped forces whose pages were rendered once for all their members.
        public var sharedClasses = 0
        /// Forces in those classes.
        public var sharedForces = 0
        /// No input changed since the last complete build and its output was intact, so
        /// nothing was loaded, rendered or written (`load` is then the time the check took).
        public var upToDate = false
        /// Pages whose text alone changed, prepared and written again by `soh serve`'s session
        /// (`PreviewSession`) without an ordinary build.
        public var textOnly = 0
    }

    public struct Report: Sendable {
        public var summary: Summary
        public var warnings: [Diagnostic]
    }

    /// Builds the sites. Throws every diagnostic found when the sources have errors; nothing is
    /// written unless loading and preparing succeeded for every force.
    public static func build(_ options: Options) async throws(DiagnosticsError) -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        var timings = Timings()

        // Nothing changed since the last complete build: nothing to do.
        let last = options.clean ? nil : InputIndex.load(out: options.out)
        let inputs = InputIndex(scanning: options, last: last)
        if let report = inputs.unchangedReport(options, last: last, started: start) { return report }

        let site = try prepare(options, timings: &timings)
        return try await write(site, options, inputs: inputs, timings: timings, started: start)
    }

    /// A site loaded and prepared once, for the forces a build or a check works on: what the
    /// rendering and writing start from (`write`), and what `soh check` inspects.
    public struct Site: Sendable {
        let loaded: LoadedSite
        let forces: [ForceIdentity]
        let prepared: PreparedSite
    }

    /// Loads and prepares the site; throws every diagnostic found when the sources have errors.
    public static func prepare(_ options: Options) throws(DiagnosticsError) -> Site {
        var timings = Timings()
        return try prepare(options, timings: &timings)
    }

    static func prepare(_ options: Options, timings: inout Timings) throws(DiagnosticsError) -> Site {
        let clock = ContinuousClock()
        let start = clock.now
        let loaded = try SiteLoader.load(root: options.root)
        timings.load = seconds(clock.now - start)
        let selected = try selectForces(loaded, options.forces)
        let prepareStart = clock.now
        let prepared = try PreparedSite.prepare(
            loaded, environment: options.environment, forces: selected, apiOverride: options.apiOverride, now: options.now ?? Date())
        timings.prepare = seconds(clock.now - prepareStart)
        return Site(loaded: loaded, forces: selected, prepared: prepared)
    }

    /// Renders a prepared site and writes it to `options.out` (only what changed), with the
    /// build record for the next build when `inputs` are known.
    public static func write(_ site: Site, _ options: Options) async throws(DiagnosticsError) -> Report {
        try await write(site, options, inputs: nil, timings: Timings(), started: ContinuousClock.now)
    }

    static func write(_ site: Site, _ options: Options, inputs: InputIndex?, timings: Timings,
                      started start: ContinuousClock.Instant) async throws(DiagnosticsError) -> Report {
        let clock = ContinuousClock()
        var timings = timings
        let (loaded, selected, prepared) = (site.loaded, site.forces, site.prepared)
        let renderStart = clock.now
        InputIndex.forget(out: options.out)
        let jobs = max(1, options.jobs ?? loaded.config.jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        let out = options.out
        // Pages that forces of one class can share, rendered once (`SharedRender`).
        let shared = options.shareRenders
            ? await SharedRender.render(forces: selected, prepared: prepared, jobs: jobs)
            : (pages: [:], classes: 0, forces: 0)
        timings.sharedClasses = shared.classes
        timings.sharedForces = shared.forces
        let sharedPages = shared.pages
        timings.sharedRender = seconds(clock.now - renderStart)
        // Every page of every force is rendered; the writer writes only the bytes that changed.
        // Each force's outcome: its counts, or its errors and whether any of its files were written.
        let outcomes = await forEachForce(selected, jobs: jobs) { force -> Swift.Result<(SiteWriter.Counts, Int), ForceFailure> in
            let previous = options.clean ? BuildCache() : BuildCache.load(out: out, force: force.id)
            var files = ForceRenderer(prepared: prepared, force: force).render(shared: sharedPages[force.id])
            if options.preview { files = Preview.decorate(files, prepared: prepared, force: force) }
            let problems = files.compactMap(\.problem)
            if !problems.isEmpty { return .failure(ForceFailure(partlyWritten: false, diagnostics: problems)) }
            do {
                let counts = try SiteWriter.write(force: force.id, files: files, out: out, previous: previous)
                return .success((counts, files.filter(\.isPage).count))
            } catch {
                return .failure(ForceFailure(partlyWritten: true, diagnostics: [.general(.error,
                    "could not write the site of '\(force.id)': \(error)",
                    hint: "Some of its files may be new and the rest as before; mend the cause and build again.", file: out.path)]))
            }
        }
        var counts = SiteWriter.Counts()
        var pages = 0
        var failures: [Diagnostic] = []
        var written: [String] = [], partly: [String] = []
        for (force, outcome) in zip(selected, outcomes) {
            switch outcome {
            case .success(let (c, p)): counts = counts + c; pages += p; written.append(force.id)
            case .failure(let f): failures += f.diagnostics; if f.partlyWritten { partly.append(force.id) }
            }
        }
        if !failures.isEmpty { throw DiagnosticsError(failures, writtenForces: written, partlyWrittenForces: partly) }
        if options.forces.isEmpty {
            do {
                counts.removed += try SiteWriter.removeRetiredForces(out: out, current: Set(loaded.forces.map(\.id)))
            } catch {
                throw DiagnosticsError([.general(.error, "could not remove a retired force's site: \(error)", file: out.path)], writtenForces: selected.map(\.id))
            }
        }
        timings.renderAndWrite = seconds(clock.now - renderStart)
        // The record vouches for the forces built (a later build of other forces does not match
        // it). Without it the next build is an ordinary one, so a failure to write it is not an error.
        if var inputs {
            inputs.window = prepared.newsWindow
            try? inputs.save(out: out, forces: selected.map(\.id), warnings: prepared.warnings)
        }

        let summary = Summary(
            forces: selected.count, pages: pages, rendered: pages, written: counts.written, unchanged: counts.unchanged,
            removed: counts.removed, seconds: seconds(clock.now - start), timings: timings)
        return Report(summary: summary, warnings: prepared.warnings)
    }

    /// Why a force's site was not written, and whether some of its files were before it stopped.
    struct ForceFailure: Error {
        var partlyWritten: Bool
        var diagnostics: [Diagnostic]
    }

    /// The forces named with `--force` (all when none), refusing ids the site does not have.
    static func selectForces(_ loaded: LoadedSite, _ ids: [String]) throws(DiagnosticsError) -> [ForceIdentity] {
        guard !ids.isEmpty else { return loaded.forces }
        let unknown = ids.filter { loaded.force($0) == nil }.map { id in
            Diagnostic.general(.error, "unknown force '\(id)' given to --force",
                hint: Suggestion.hint(for: id, allowed: loaded.forces.map(\.id), noun: "forces"))
        }
        if !unknown.isEmpty { throw DiagnosticsError(unknown) }
        return loaded.forces.filter { ids.contains($0.id) }
    }

    /// Runs `work` for each force with at most `jobs` at once; results come back in force order.
    static func forEachForce<T: Sendable>(
        _ forces: [ForceIdentity], jobs: Int, _ work: @escaping @Sendable (ForceIdentity) -> T
    ) async -> [T] {
        await withTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: forces.count)
            var next = 0
            for _ in 0..<min(jobs, forces.count) {
                let i = next
                group.addTask { (i, work(forces[i])) }
                next += 1
            }
            for await (i, value) in group {
                results[i] = value
                if next < forces.count {
                    let j = next
                    group.addTask { (j, work(forces[j])) }
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
