import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SOHBuild
import SOHModel
import SOHServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Preview every force's site with live reload, and run the submission API beside it.")

    @OptionGroup var repository: RepositoryOption

    @Option(help: "Port of the preview: the index at http://localhost:PORT, each force at http://ID.localhost:PORT.")
    var port: Int = 8080

    @Option(name: .customLong("api-port"), help: "Port of the local submission API (default: PORT + 1).")
    var apiPort: Int?

    @Option(name: .customLong("force"), help: "Preview only this force (repeatable). Default: all.")
    var forces: [String] = []

    @OptionGroup var environment: EnvironmentOption

    @OptionGroup var time: BuildTimeOption

    @Option(help: "The preview's submissions database (default: ROOT/.build/preview/PORT/submissions.sqlite).")
    var db: String?

    func run() async throws {
        let rootURL = repository.url
        // Port 0: free ports chosen now, as the pages carry the API's address.
        let port = self.port == 0 ? ServerPlaces.freePort() ?? 0 : self.port
        let apiPort = self.apiPort.map { $0 == 0 ? ServerPlaces.freePort() ?? 0 : $0 }
            ?? (self.port == 0 ? ServerPlaces.freePort() ?? 0 : port + 1)
        var err = StandardError()
        // Both ports first: a preview that cannot listen stops before it builds anything.
        for (host, port, option) in [("127.0.0.1", port, "--port"), ("127.0.0.1", apiPort, "--api-port")] {
            if let busy = ServerPlaces.cannotListen(host: host, port: port, option: option) {
                print(Diagnostic.general(.error, busy).description, to: &err)
                throw ExitCode(1)
            }
        }
        // Each preview has its own folder (by port), so two previews never write each other's pages.
        let previewDir = rootURL.appendingPathComponent(".build/preview/\(port)")
        try FileManager.default.createDirectory(at: previewDir, withIntermediateDirectories: true)
        let lock = open(previewDir.appendingPathComponent(".lock").path, O_RDWR | O_CREAT, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            print(Diagnostic.general(.error, "another soh serve is using \(previewDir.path)", hint: "Stop it, or preview on another port with --port.").description, to: &err)
            throw ExitCode(1)
        }
        defer { close(lock) }
        let out = previewDir.appendingPathComponent("public")
        let loaded: LoadedSite
        do {
            loaded = try SiteLoader.load(root: rootURL)
        } catch {
            for d in error.diagnostics { print(d.description, to: &err) }
            print("Fix these first: the preview needs a site that loads.", to: &err)
            throw ExitCode(1)
        }
        let selected = loaded.forces.filter { forces.isEmpty || forces.contains($0.id) }
        let previewForces = selected.map { PreviewForce(id: $0.id, name: $0.name, primary: $0.colours.primary.description) }
        let origins = selected.map { "http://\($0.id).localhost:\(port)" }

        let state = PreviewState()
        var options = Builder.Options(root: rootURL, out: out, forces: forces, environment: environment.env, apiOverride: "http://127.0.0.1:\(apiPort)")
        options.now = time.date
        // The site stays prepared in memory between saves: a page's text is put in place at once.
        let session = PreviewSession(options: options)
        let rebuild: @Sendable (Set<String>?) async -> Void = { changed in
            do throws(DiagnosticsError) {
                let report = try await session.build(changed: changed)
                var err = StandardError()
                for d in report.warnings { print(d.description, to: &err) }
                // Written at once, even into a pipe or a log file (print would hold it back).
                FileHandle.standardOutput.write(Data(String(format: "Built %@ in %.2fs\n", Report.plural(report.summary.forces, "site"), report.summary.seconds).utf8))
                await state.built()
            } catch {
                let text = error.diagnostics.map { $0.description }.joined(separator: "\n")
                var err = StandardError()
                print(text + "\nBuild failed: still serving the last good site.", to: &err)
                await state.failed(text)
            }
        }
        await rebuild(nil)

        var logger = Logger(label: "soh.serve")
        logger.logLevel = .warning
        var catalog = try APICatalog.load(root: rootURL, environment: environment.env)
        catalog.previewOrigins = Set(origins)
        // The preview's own key, beside its database: test reports, sealed as in production.
        let store = try await SubmissionStore.sqlite(path: db ?? previewDir.appendingPathComponent("submissions.sqlite").path,
                                                     keys: try Self.previewKeys(previewDir.appendingPathComponent("answers.keys").path))
        var apiOptions = SubmissionAPI.Options()
        apiOptions.ratePerMinute = 0
        let api = SubmissionAPI(catalog: catalog, store: store, tokenHashes: try APIServer.tokenHashes(file: nil, forces: Set(catalog.forces.keys)), options: apiOptions, logger: logger)
        let apiApp = APIServer.makeApplication(api, host: "127.0.0.1", port: apiPort, logger: logger) { port in
            FileHandle.standardOutput.write(Data("Submission API on http://127.0.0.1:\(port)\n".utf8))
        }
        let preview = PreviewServer(publicDir: out, forces: previewForces, state: state, port: port)
        let previewApp = Application(
            router: preview.router(), configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "soh-preview"),
            onServerRunning: { _ in
                let first = previewForces.first.map { " · e.g. http://\($0.id).localhost:\(port)/" } ?? ""
                FileHandle.standardOutput.write(Data("Preview on http://localhost:\(port)/\(first)\n".utf8))
            }, logger: logger)
        let watcher = Watcher(root: rootURL, state: state, onChange: rebuild)
        let group = ServiceGroup(services: [apiApp, previewApp, watcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// The preview's answers keys, made on first use (the preview's reports are test data).
    static func previewKeys(_ path: String) throws -> AnswerKeys {
        if let data = FileManager.default.contents(atPath: path) {
            return try AnswerKeys(parsing: String(decoding: data, as: UTF8.self))
        }
        try ServerPlaces.prepareFolder(for: path)
        let line = AnswerKeys.generate(id: "preview")
        try ServerPlaces.writePrivately(Data((line + "\n").utf8), to: path)
        return try AnswerKeys(parsing: line)
    }
}

/// Polls the sources ten times a second and rebuilds when any file's size or time changes,
/// saying which files changed (added and removed ones included).
struct Watcher: Service {
    let root: URL
    let state: PreviewState
    let onChange: @Sendable (Set<String>?) async -> Void

    /// Each file's size and modification time, by path relative to the repository.
    func fingerprint() -> [String: String] {
        var result: [String: String] = [:]
        for folder in ["site.yml", PoliceAreas.file, "content", "forces", "themes", ForceIdentity.nationalID] {
            let url = root.appendingPathComponent(folder)
            let files = folder.contains(".yml") ? [""] : SiteLoader.walk(url, within: root)
            for file in files {
                let relative = file.isEmpty ? folder : "\(folder)/\(file)"
                var info = stat()
                guard stat(root.appendingPathComponent(relative).path, &info) == 0 else { continue }
                result[relative] = "\(info.st_size)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            }
        }
        return result
    }

    func run() async throws {
        var last = fingerprint()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await Task.sleep(for: .milliseconds(100)) } catch { break }
            let now = fingerprint()
            if now != last {
                let changed = Set(now.keys.filter { now[$0] != last[$0] } + last.keys.filter { now[$0] == nil })
                last = now
                await onChange(changed)
            }
        }
        await state.closeAll()
    }
}
