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
        abstract: "Run the submission API: forms post here; each force reads back its own submissions.",
        subcommands: [Migrate.self, Keygen.self, RotateKey.self])

    @OptionGroup var repository: RepositoryOption
    @OptionGroup var environment: EnvironmentOption

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one). soh serve's own API uses 8081.")
    var port: Int = 8090

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var answersKeys: AnswersKeysOptions
    @OptionGroup var evidence: EvidenceOptions

    @Option(help: "A file of 'force sha256-of-token' lines for reading submissions back (or set SOH_API_TOKENS).")
    var tokens: String?

    @Option(name: .customLong("rate-limit"), help: "Submissions a minute per client address, in each instance (0: no limit).")
    var rateLimit: Int = 120

    @Option(name: .customLong("read-rate-limit"), help: "Reads of submissions a minute per force, in each instance (0: no limit).")
    var readRateLimit: Int = 600

    @OptionGroup var retention: RetentionOptions

    @Option(name: .customLong("trusted-proxy"), help: "A load balancer's address or network (e.g. 10.0.0.0/8): the client's address is read from the Forwarded or X-Forwarded-For headers it adds; repeatable.")
    var trustedProxies: [String] = []

    @Option(name: .customLong("drain-seconds"), help: "On SIGTERM, seconds to keep serving while /readyz says 'draining' (so the load balancer stops sending), before in-flight requests are finished and the process exits.")
    var drainSeconds: Double = 5

    @Option(name: .customLong("allow-origin"), help: "Another origin allowed to post (e.g. a local preview); repeatable.")
    var allowOrigins: [String] = []

    @Option(help: "The postcode index 'soh areas import' made (default: data/postcodes.idx in the repository, when there is one).")
    var postcodes: String?

    @Option(help: "Where each force's reports are delivered (docs/delivery.md), or set SOH_DELIVERIES. Without it reports are only stored.")
    var deliveries: String?

    @Flag(name: .customLong("check-deliveries"), help: "Check the deliveries file and exit: 0 when it is right, 1 with every problem.")
    var checkDeliveries = false

    @Flag(name: .customLong("no-worker"), help: "Write deliveries with each report but leave sending them to 'soh deliver'.")
    var noWorker = false

    func run() async throws {
        var catalog: APICatalog
        var err = StandardError()
        // The options first: a mistyped one stops the command before anything is loaded or opened.
        var proxies: [AddressRange] = []
        for text in trustedProxies {
            guard let range = AddressRange(text) else {
                print(Diagnostic.general(.error, "--trusted-proxy '\(text)' is not an address or a network",
                                         hint: "Write it as 10.0.0.7, 10.0.0.0/8 or 2001:db8::/32.").description, to: &err)
                throw ExitCode(1)
            }
            proxies.append(range)
        }
        catalog = try repository.catalog(environment)
        catalog.previewOrigins = Set(allowOrigins)
        if let postcodes {
            do { catalog.postcodes = try APICatalog.postcodes(at: URL(fileURLWithPath: postcodes), forces: catalog.forces) } catch {
                print(Diagnostic.general(.error, "\(error)", hint: "Make it again with 'soh areas import FILE' from this repository.", file: postcodes).description, to: &err)
                throw ExitCode(1)
            }
        }
        let tokenHashes: [String: String]
        do throws(APIServer.TokensProblem) {
            tokenHashes = try APIServer.tokenHashes(file: tokens, forces: Set(catalog.forces.keys))
        } catch {
            print("\(error): nothing was started", to: &err)
            throw ExitCode(1)
        }
        // It holds the tokens' hashes, not the tokens: a warning, where the keys file is refused.
        if let tokens, let mode = ServerPlaces.openToOthers(tokens) {
            print(Diagnostic.general(.warning, "others than its owner can read or change the tokens file (mode \(mode))",
                                     hint: "A weak token can be guessed from its hash, and a changed file lets another token in: chmod 600 \(tokens).",
                                     file: tokens).description, to: &err)
        }
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
        let files = try evidence.open(database: database)
        let logger = Logger(label: "soh.api")
        let store = try await database.open(create: true, keys: try answersKeys.load("to seal the answers with", "nothing was started"), logger: logger)
        let db = database.name
        var options = SubmissionAPI.Options()
        options.ratePerMinute = rateLimit
        options.readsPerMinute = readRateLimit
        options.clientAddress = ClientAddress(trustedProxies: proxies)
        let doorbell = Doorbell()
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[DeliveryMetrics.submitToDelivered] =
            [0.1, 0.25, 0.5, 1, 2, 5, 30, 60, 300, 3600, 21600, 86400].map { Duration.milliseconds(Int64($0 * 1000)) }
        MetricsSystem.bootstrap(factory)
        let scanned = Doorbell()
        let api = SubmissionAPI(catalog: catalog, store: store, tokenHashes: tokenHashes, options: options, logger: logger,
                                deliveries: deliveryConfig ?? DeliveryConfig(), onStored: { Task { await doorbell.ring() } },
                                metrics: { registry.emitToString() }, evidence: files?.evidence, onUploaded: { Task { await scanned.ring() } })
        // Each complete upload is scanned beside the API (docs/evidence.md).
        let scanner: [any Service] = files.map { [EvidenceScanner(store: store, evidence: $0.evidence, clamd: $0.clamd, logger: logger, doorbell: scanned)] } ?? []
        let app = APIServer.makeApplication(api, host: host, port: port, logger: logger) { port in
            // Written straight to the file descriptor so scripts waiting for it see it at once.
            FileHandle.standardOutput.write(Data("Submissions are stored in \(db)\nSubmission API listening on http://\(host):\(port)\n".utf8))
        }
        // On SIGTERM the services stop last first: the drain (not ready, still serving), then the
        // delivery worker (attempts under way are finished and recorded), then the server
        // (requests under way are answered).
        let drain = Drain(readiness: api.readiness, seconds: drainSeconds, logger: logger)
        let purger = Purger(store: store, evidence: files?.evidence, retention: retention.rule, every: .seconds(3600), logger: logger)
        do {
            if let deliveryConfig, !noWorker {
                // The outbox's worker runs beside the API, sending what each submission left to deliver.
                try await DeliverCommand.run([app], withWorkerFor: deliveryConfig, store: store, catalog: catalog, logger: logger,
                                             doorbell: doorbell, evidence: files.map { StoredEvidence($0.evidence, store: store) },
                                             then: scanner + [purger, drain])
            } else {
                try await ServiceGroup(services: [app] + scanner + [purger, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
            }
        } catch {
            await files?.evidence.shutdown()
            throw error
        }
        await files?.evidence.shutdown()
    }

    /// Applies the database's migrations and exits, for deployments that migrate before they
    /// start new instances (`soh api` also applies them at start, under the same lock).
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the submissions database's migrations and exit.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let store = try await database.open(create: true)
            let applied = try await store.appliedMigrations(), now = store.appliedAtOpen
            let done = now.isEmpty ? "nothing to apply" : "applied \(Report.plural(now.count, "migration")) now (\(now.joined(separator: ", ")))"
            print("\(database.name): \(done); \(Report.plural(applied.count, "migration")) in all, none pending (the last: \(applied.last ?? "none"))")
        }
    }

    /// Makes a key that seals answers: printed, or added to a keys file as its first (current)
    /// key, the file's other keys kept for the rows they sealed.
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key that seals the answers (docs/privacy.md); with --out, add it to a keys file as the key new answers are sealed with.")
        @Option(help: "The keys file to create, or to add the key to (first, so it seals new answers).") var out: String?
        @Option(help: "The key's id (default: k and today's date).") var id: String?

        func run() async throws {
            var err = StandardError()
            let day = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withYear, .withMonth, .withDay])
            guard let out else {
                print(AnswerKeys.generate(id: id ?? "k\(day)"))
                return
            }
            var existing: AnswerKeys?
            var text = ""
            if let data = FileManager.default.contents(atPath: out) {
                text = String(decoding: data, as: UTF8.self)
                do throws(AnswerKeys.Invalid) {
                    existing = try AnswerKeys(parsing: text)
                } catch {
                    print("\(out)\(error.line > 0 ? ":\(error.line)" : ""): error: \(error.message): no key was added", to: &err)
                    throw ExitCode(1)
                }
            }
            var newID = id ?? "k\(day)"
            if id == nil, let taken = existing?.ids {
                var n = 2
                while taken.contains(newID) { newID = "k\(day)-\(n)"; n += 1 }
            }
            if existing?.ids.contains(newID) == true {
                print("\(out): error: the id '\(newID)' is already in the file: no key was added", to: &err)
                throw ExitCode(1)
            }
            let line = AnswerKeys.generate(id: newID)
            let header = "# soh answers keys: the first seals new answers; the others open older rows until 'soh api rotate-key'.\n"
            let kept = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("# soh answers keys") }.joined(separator: "\n")
            let body = header + line + "\n" + String(kept.drop { $0 == "\n" })
            do {
                try ServerPlaces.writePrivately(Data(body.utf8), to: out)
            } catch {
                print("\(out): error: cannot write the keys file: \(error)", to: &err)
                throw ExitCode(1)
            }
            print("Added the key '\(newID)' to \(out): new answers are sealed with it\(existing == nil ? "" : "; run 'soh api rotate-key' to seal older ones with it too").")
        }
    }

    /// Seals every stored answer with the keys file's first key, in batches: safe to stop and
    /// run again, and to run while the API serves.
    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key", abstract: "Seal every stored answer again with the first key of the keys file (resumable).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var answersKeys: AnswersKeysOptions
        @Option(help: "Submissions sealed again per transaction.") var batch: Int = 500
        @Flag(name: .customLong("seal-unsealed"), help: "Also seal rows that have no key id: once, after upgrading a database from before answers were sealed (docs/privacy.md).")
        var sealUnsealed = false
        @OptionGroup var evidence: EvidencePlaceOptions

        func run() async throws {
            var err = StandardError()
            let keys = try answersKeys.load("to open and seal the answers with", "nothing was sealed again"), current = keys.current
            let store = try await database.open(create: false, keys: keys)
            var total = 0
            do {
                while true {
                    let done = try await store.reseal(batch: max(1, batch), sealUnsealed: sealUnsealed)
                    if done == 0 { break }
                    total += done
                    print("\(Report.plural(total, "submission")) sealed again with '\(current)'")
                }
            } catch {
                print(Diagnostic.general(.error, type(of: store).describe(error),
                                         hint: "Every key that sealed a stored answer must be in the keys file until the rotation is done.", file: database.name).description, to: &err)
                throw ExitCode(1)
            }
            // Evidence files, and their names, are sealed again the same way (docs/evidence.md).
            var files = 0
            let storage = try evidence.storage(database: database)
            do {
                if let storage {
                    while true {
                        let done = try await storage.reseal(store, batch: max(1, batch / 10))
                        if done == 0 { break }
                        files += done
                        print("\(Report.plural(files, "evidence file")) sealed again with '\(current)'")
                    }
                    await storage.shutdown()
                }
            } catch {
                await storage?.shutdown()
                print(Diagnostic.general(.error, type(of: store).describe(error),
                                         hint: "Every key that sealed a stored answer must be in the keys file until the rotation is done.", file: database.name).description, to: &err)
                throw ExitCode(1)
            }
            try await store.audit(AuditLog.Entry(actor: AuditLog.operatorName, action: "rotate-key", force: nil,
                                                 target: "\(total) submissions and \(files) evidence files sealed again with the key '\(current)'"), now: Date())
            let left = try await store.uploadsUnderOtherKeys()
            guard left == (0, 0) else {
                let still = left.others > 0 && storage == nil
                    ? "\(Report.plural(left.others, "evidence file")) sealed with other keys were not reached: pass --evidence as 'soh api' does"
                    : "\(Report.plural(left.receiving + left.others, "upload")) being received or scanned keep their key until they are done: run this again later"
                print("\(database.name): every answer is sealed with '\(current)' (\(Report.plural(total, "submission")) sealed again, \(Report.plural(files, "evidence file")) sealed again); \(still), and keep the other keys until then.")
                return
            }
            print("\(database.name): every answer and evidence file is sealed with '\(current)' (\(Report.plural(total, "submission")) sealed again, \(Report.plural(files, "evidence file")) sealed again); the file's other keys can be removed once every instance uses it.")
        }
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
            for d in sink.sorted { print(d.description, to: &err) }
            print("The deliveries file has problems: nothing was started.", to: &err)
            throw ExitCode(1)
        }
        // A person may ask for a confirmation that nothing here would send: say so now, not per report.
        var offered: [String: Set<String>] = [:]
        for (id, form) in catalog.forms {
            guard let receipt = form.receipt else { continue }
            offered[id] = Set([receipt.email.map { _ in "email" }, receipt.mobile.map { _ in "text" }].compactMap { $0 })
        }
        for gap in config.confirmationsNotSent(channels: offered) {
            print("warning: \(file): \(gap.force) has no destination that sends confirmations by \(gap.channel), which its forms "
                  + "\(gap.forms.joined(separator: ", ")) offer: people who ask for one get none (docs/messages.md)", to: &err)
        }
        return config
    }
}

struct SubmissionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submissions", abstract: "Work with stored submissions.", subcommands: [Export.self, Import.self, Purge.self])

    /// Purges answers under the retention rules now (`soh api` does it every hour).
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Purge the answers that the retention rules no longer keep (soh api does this every hour); --dry-run only counts.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var retention: RetentionOptions
        @Flag(help: "Count what would be purged, and purge nothing.") var dryRun = false

        func run() async throws {
            let store = try await database.open(create: false)
            let now = Date()
            let purged = try await store.purge(retention.rule.cutoffs(now: now), now: now, dryRun: dryRun)
            if !dryRun, purged.afterDelivery + purged.atCap > 0 {
                try await store.audit(AuditLog.Entry(actor: AuditLog.operatorName, action: "purge", force: nil, target: "answers of \(purged)"), now: now)
            }
            print("\(database.name): \(dryRun ? "would purge" : "purged") the answers of \(Report.plural(purged.afterDelivery + purged.atCap, "submission")): \(purged)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a force's submissions as JSON Lines, oldest first, with where each was delivered.")

        @Option(help: "The force whose submissions to export.")
        var force: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var answersKeys: AnswersKeysOptions

        @Option(help: "Only submissions received at or after this time (ISO 8601, e.g. 2026-11-01T00:00:00Z).")
        var since: String?

        func validate() throws {
            if let since, StoreTime.date(since) == nil {
                throw ValidationError("--since is a time in ISO 8601 with its zone (e.g. 2026-11-01T00:00:00Z or 2026-11-01T01:00:00+01:00), found '\(since)'")
            }
        }

        func run() async throws {
            let since = StoreTime.date(self.since)
            let store = try await database.open(create: false, keys: try answersKeys.load("to open the answers with", "nothing was exported"))
            // Recorded before anything is written out: an export that stops half-way was still one.
            try await store.audit(AuditLog.Entry(actor: AuditLog.operatorName, action: "export", force: force,
                                                 target: "the force's submissions" + (since.map { " received from \(StoreTime.iso($0))" } ?? "")), now: Date())
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var after: Int64?
            do {
                while true {
                    let page = try await store.list(force: force, since: since, after: after, limit: 500)
                    // Every delivery of these reports, whichever force's destination it is.
                    let deliveries = try await store.deliveries(ofSubmissions: page.map(\.id))
                    let files = try await store.evidence(ofSubmissions: page.map(\.id))
                    for row in page {
                        let out = try SubmissionAPI.SubmissionOut(row, deliveries: deliveries, evidence: files[row.id] ?? [])
                        print(String(decoding: try encoder.encode(out), as: UTF8.self))
                    }
                    guard page.count == 500, let last = page.last else { break }
                    after = last.id
                }
            } catch {
                var err = StandardError()
                print(Diagnostic.general(.error, "\(error): the export stopped there", file: database.name).description, to: &err)
                throw ExitCode(1)
            }
        }
    }

    /// Moves a pilot's submissions into another database (SQLite to PostgreSQL): what `export`
    /// wrote, with references, times and delivery states kept, so nothing is sent twice and
    /// what was waiting is sent from the new database. Running it again adds nothing twice.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a force's submissions from 'soh submissions export' output (a file or standard input) to a database.")

        @Option(help: "The force the submissions belong to.")
        var force: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var answersKeys: AnswersKeysOptions

        @Argument(help: "The export file (JSON Lines); standard input when omitted.")
        var file: String?

        func run() async throws {
            var err = StandardError()
            let name = file ?? "(standard input)"
            guard let data = file.map({ FileManager.default.contents(atPath: $0) }) ?? FileHandle.standardInput.readDataToEndOfFile() else {
                print(Diagnostic.general(.error, "cannot read the export", file: name).description, to: &err)
                throw ExitCode(1)
            }
            // Every line is read before anything is written: a damaged file imports nothing.
            var submissions: [ImportedSubmission] = []
            for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
                do {
                    submissions.append(try JSONDecoder().decode(SubmissionAPI.SubmissionOut.self, from: Data(line)).imported(force: force))
                } catch let refused as SubmissionAPI.SubmissionOut.Refused {
                    print(Diagnostic.general(.error, "line \(index + 1): \(refused.message): nothing was imported", file: name).description, to: &err)
                    throw ExitCode(1)
                } catch {
                    print(Diagnostic.general(.error, "line \(index + 1) is not an exported submission: \(SubmissionAPI.describe(error))",
                                             file: name).description, to: &err)
                    throw ExitCode(1)
                }
            }
            let store = try await database.open(create: true, keys: try answersKeys.load("to seal the imported answers with", "nothing was imported"))
            var added = 0
            for submission in submissions where try await store.importSubmission(submission) { added += 1 }
            try await store.audit(AuditLog.Entry(actor: AuditLog.operatorName, action: "import", force: force,
                                                 target: "\(added) submissions added, \(submissions.count - added) already there"), now: Date())
            print("\(database.name): \(Report.plural(added, "submission")) added, \(submissions.count - added) already there")
        }
    }
}

/// How long answers are kept (docs/privacy.md), for `soh api` and `soh submissions purge`.
struct RetentionOptions: ParsableArguments {
    @Option(help: "Days the answers are kept after every destination confirmed delivery (after receipt, when there is none).")
    var retainDays: Int = 30

    @Option(help: "Days after receipt when the answers go whatever happened to them; waiting deliveries are then given up.")
    var retainMaxDays: Int = 90

    func validate() throws {
        guard retainDays >= 0, retainMaxDays >= 0 else { throw ValidationError("--retain-days and --retain-max-days are days, 0 or more") }
        guard retainMaxDays >= retainDays else {
            throw ValidationError("--retain-max-days (\(retainMaxDays)) is the hard cap: it cannot be shorter than --retain-days (\(retainDays))")
        }
    }

    var rule: Retention { Retention(afterDeliveryDays: retainDays, capDays: retainMaxDays) }
}
