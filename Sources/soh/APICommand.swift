import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SOHDelivery
import SOHModel
import SOHForms
import SOHServer

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Run the submission API: forms post here; each force reads back its own submissions.")

    @Option(help: "The repository folder (the API validates with its form definitions).")
    var root: String = "."

    @Option(help: "The environment from site.yml: its force addresses are the allowed origins.")
    var env: String = "production"

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one). soh serve's own API uses 8081.")
    var port: Int = 8090

    @Option(help: "The SQLite database file, created if missing (default: $XDG_STATE_HOME/soh/submissions.sqlite, else ~/.local/state/soh/submissions.sqlite).")
    var db: String?

    @Option(help: "A PostgreSQL database instead of SQLite, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require] (or set SOH_DATABASE_URL): for several API instances on one database.")
    var database: String?

    @Option(help: "A file of 'force sha256-of-token' lines for reading submissions back (or set SOH_API_TOKENS).")
    var tokens: String?

    @Option(name: .customLong("rate-limit"), help: "Submissions a minute per client address (0: no limit).")
    var rateLimit: Int = 120

    @Option(name: .customLong("allow-origin"), help: "Another origin allowed to post (e.g. a local preview); repeatable.")
    var allowOrigins: [String] = []

    @Option(help: "Where each force's reports are delivered (docs/delivery.md), or set SOH_DELIVERIES. Without it reports are only stored.")
    var deliveries: String?

    @Flag(name: .customLong("check-deliveries"), help: "Check the deliveries file and exit: 0 when it is right, 1 with every problem.")
    var checkDeliveries = false

    @Flag(name: .customLong("no-worker"), help: "Write deliveries with each report but leave sending them to 'soh deliver'.")
    var noWorker = false

    func run() async throws {
        var catalog: APICatalog
        var err = StandardError()
        do {
            catalog = try APICatalog.load(root: URL(fileURLWithPath: root).standardizedFileURL, environment: env)
        } catch {
            for d in error.diagnostics { print(d.description, to: &err) }
            throw ExitCode(1)
        }
        catalog.previewOrigins = Set(allowOrigins)
        let deliveryFile = deliveries ?? ProcessInfo.processInfo.environment["SOH_DELIVERIES"]
        let deliveryConfig = try Self.loadDeliveries(deliveryFile, catalog: catalog)
        if checkDeliveries {
            guard let deliveryFile, let deliveryConfig else {
                print(Diagnostic.general(.error, "no deliveries file to check", hint: "Pass --deliveries FILE.").description, to: &err)
                throw ExitCode(1)
            }
            let count = deliveryConfig.destinations.values.reduce(0) { $0 + $1.count }
            print("\(deliveryFile): \(Report.plural(deliveryConfig.destinations.count, "force")), \(Report.plural(count, "destination")): no problems")
            return
        }
        if let busy = ServerPlaces.cannotListen(host: host, port: port, option: "--port") {
            print(Diagnostic.general(.error, busy).description, to: &err)
            throw ExitCode(1)
        }
        let logger = Logger(label: "soh.api")
        let url = database ?? ProcessInfo.processInfo.environment["SOH_DATABASE_URL"]
        let db = url.map(PostgresSubmissionStore.redacted) ?? self.db ?? ServerPlaces.defaultDatabase()
        let store: any SubmissionStore
        do {
            if let url {
                store = try await PostgresSubmissionStore(url: url, logger: logger)
            } else {
                try ServerPlaces.prepareFolder(for: db)
                store = try SQLiteSubmissionStore(path: db)
            }
        } catch {
            print(Diagnostic.general(.error, "cannot open the submissions database: \(error)", file: db).description, to: &err)
            throw ExitCode(1)
        }
        var options = SubmissionAPI.Options()
        options.ratePerMinute = rateLimit
        let doorbell = Doorbell()
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[DeliveryMetrics.submitToDelivered] =
            [0.1, 0.25, 0.5, 1, 2, 5, 30, 60, 300, 3600, 21600, 86400].map { Duration.milliseconds(Int64($0 * 1000)) }
        MetricsSystem.bootstrap(factory)
        let api = SubmissionAPI(catalog: catalog, store: store, tokenHashes: try APIServer.tokenHashes(file: tokens), options: options, logger: logger,
                                deliveries: deliveryConfig ?? DeliveryConfig(), onStored: { Task { await doorbell.ring() } },
                                metrics: { registry.emitToString() })
        let app = APIServer.makeApplication(api, host: host, port: port, logger: logger) { port in
            // Written straight to the file descriptor so scripts waiting for it see it at once.
            FileHandle.standardOutput.write(Data("Submissions are stored in \(db)\nSubmission API listening on http://\(host):\(port)\n".utf8))
        }
        guard let deliveryConfig, !noWorker else {
            try await app.runService()
            return
        }
        // The outbox's worker runs beside the API, sending what each submission left to deliver.
        try await DeliverCommand.run([app], withWorkerFor: deliveryConfig, store: store, forms: catalog.forms, logger: logger, doorbell: doorbell)
    }

    /// The deliveries file, checked against the site's forces and forms; every problem printed
    /// with its line and column, and the command stops.
    static func loadDeliveries(_ file: String?, catalog: APICatalog) throws -> DeliveryConfig? {
        guard let file else { return nil }
        var err = StandardError()
        let sink = DiagnosticSink()
        guard let data = FileManager.default.contents(atPath: file) else {
            print(Diagnostic.general(.error, "cannot read the deliveries file", file: file).description, to: &err)
            throw ExitCode(1)
        }
        guard let text = SourceText.decode(data, as: file, sink: sink),
              let config = DeliveryConfig.load(text, file: file, forces: Set(catalog.forces.keys), forms: Set(catalog.forms.keys), sink: sink) else {
            for d in sink.bag.sorted { print(d.description, to: &err) }
            print("The deliveries file has problems: nothing was started.", to: &err)
            throw ExitCode(1)
        }
        return config
    }
}

struct SubmissionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submissions", abstract: "Work with stored submissions.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a force's submissions as JSON Lines, oldest first.")

        @Option(help: "The force whose submissions to export.")
        var force: String

        @Option(help: "The SQLite database file (default: the one soh api uses by default).")
        var db: String?

        @Option(help: "Only submissions received at or after this time (ISO 8601, e.g. 2026-11-01T00:00:00Z).")
        var since: String?

        func run() async throws {
            let db = self.db ?? ServerPlaces.defaultDatabase()
            guard FileManager.default.fileExists(atPath: db) else {
                var err = StandardError()
                print(Diagnostic.general(.error, "no submissions database at \(db)", hint: "Pass --db with the API's database file.").description, to: &err)
                throw ExitCode(1)
            }
            let store = try SQLiteSubmissionStore(path: db)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var after: Int64?
            while true {
                let page = try await store.list(force: force, since: since, after: after, limit: 500)
                for row in page {
                    print(String(decoding: try encoder.encode(try SubmissionAPI.SubmissionOut(row)), as: UTF8.self))
                }
                guard page.count == 500, let last = page.last else { break }
                after = last.id
            }
        }
    }
}
