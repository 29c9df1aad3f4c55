import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SOHDelivery
import SOHForms
import SOHModel
import SOHServer

/// What operators do with deliveries: see what is waiting or dead, look at one report's
/// attempts, and send a dead one again once the force's system is mended.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "See and retry deliveries of reports to the forces' systems.",
        subcommands: [List.self, Dead.self, Show.self, Retry.self, Redeliver.self])


    static func line(_ d: DeliveryStatus) -> String {
        // The force whose destination it is (another force's, for a report about its area).
        var text = "\(d.id)  \(d.reference)  \(d.toForce ?? d.force)/\(d.destination)  \(d.state.rawValue)  \(Report.plural(d.attempts, "attempt"))"
        if let next = d.nextAttemptAt { text += "  next \(next)" }
        if let reference = d.forceReference { text += "  force reference \(Escape.line(reference, limit: 100))" }
        // The receiving system's words, bounded and escaped: never its terminal escapes or layout.
        if let error = d.lastError, d.state != .delivered { text += "\n    \(Escape.line(error, limit: 200))" }
        return text
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliveries, newest first.")
        @OptionGroup var place: DatabaseOptions
        @Option(help: "Only this force's.") var force: String?
        @Option(help: "Only those in this state: pending, held (waiting for the delivery to the force the report was made to), delivered or dead.")
        var state: DeliveryState?

        func run() async throws {
            let list = try await place.open(create: false).deliveries(force: force, state: state)
            for d in list { print(DeliveriesCommand.line(d)) }
            print(Report.plural(list.count, "delivery").replacingOccurrences(of: "deliverys", with: "deliveries"))
        }
    }

    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliveries that were given up on: each needs a person to look at it.")
        @OptionGroup var place: DatabaseOptions
        @Option(help: "Only this force's.") var force: String?

        func run() async throws {
            let list = try await place.open(create: false).deliveries(force: force, state: .dead)
            for d in list { print(DeliveriesCommand.line(d)) }
            print(list.isEmpty ? "No dead deliveries." : "\(list.count) dead: retry each with 'soh deliveries retry ID' once the cause is mended.")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A report's deliveries with every attempt.")
        @OptionGroup var place: DatabaseOptions
        @Argument(help: "The report's reference, e.g. KEN-7K4M-QX9C.") var reference: String

        func run() async throws {
            let store = try await place.open(create: false)
            let list = try await store.deliveries(reference: reference)
            guard !list.isEmpty else {
                var err = StandardError()
                print(Diagnostic.general(.error, "no deliveries for \(reference)").description, to: &err)
                throw ExitCode(1)
            }
            for d in list {
                print(DeliveriesCommand.line(d))
                for a in try await store.attempts(delivery: d.id) {
                    print("    \(a.at)  \(a.outcome)  \(a.status.map(String.init) ?? "-")  \(a.milliseconds) ms  \(Escape.line(a.detail, limit: 160))")
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a dead delivery again (the running API's worker picks it up).")
        @OptionGroup var place: DatabaseOptions
        @Argument(help: "The delivery's id (soh deliveries dead lists them).") var id: String

        func run() async throws {
            let store = try await place.open(create: false)
            guard let force = try await store.retry(delivery: id) else {
                var err = StandardError()
                print(Diagnostic.general(.error, "no dead delivery with id \(id)", hint: "'soh deliveries dead' lists them.").description, to: &err)
                throw ExitCode(1)
            }
            try await store.audit(AuditLog.Entry(actor: AuditLog.operatorName, action: "retry", force: force, target: "delivery \(id)"), now: Date())
            print("Delivery \(id) is due again.")
        }
    }

    struct Redeliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a period's reports again to a force (after the force lost them); the running API sends them.")
        @OptionGroup var place: DatabaseOptions
        @Option(help: "The force.") var force: String
        @Option(help: "Reports received at or after this time (ISO 8601, e.g. 2026-11-01T00:00:00Z).") var since: String
        @Option(help: "Reports received before this time.") var until: String
        @Option(help: "Only this destination of the force.") var destination: String?
        @Option(help: "Send the deliveries to this destination where the deliveries file now says it is (a delivery keeps the address its destination had when the report was stored).")
        var to: String?
        @Option(help: "The deliveries file, for --to (or set SOH_DELIVERIES).") var deliveries: String?
        @OptionGroup var repository: RepositoryOption
        @OptionGroup var environment: EnvironmentOption
        @Flag(name: .customLong("dry-run"), help: "Say how many would be sent, send nothing.") var dryRun = false

        func validate() throws {
            if let to, let destination, to != destination { throw ValidationError("--to \(to) sends the deliveries to \(to): --destination, when given, is the same") }
            for (name, value) in [("--since", since), ("--until", until)] where StoreTime.date(value) == nil {
                throw ValidationError("\(name) is a time in ISO 8601 with its zone (e.g. 2026-11-01T00:00:00Z or 2026-11-01T01:00:00+01:00), found '\(value)'")
            }
        }

        func run() async throws {
            guard let from = StoreTime.date(since), let to = StoreTime.date(until) else { throw ExitCode(1) }
            let readdress = try self.to.map(address(of:))
            let store = try await place.open(create: false)
            let count = try await store.redeliver(force: force, since: from, until: to, destination: self.to ?? destination, readdress: readdress,
                                                  dryRun: dryRun)
            if !dryRun {
                try await store.audit(AuditLog.Entry(actor: AuditLog.operatorName, action: "redeliver", force: force,
                                                     target: "\(count) deliveries of reports received from \(since) until \(until)\((self.to ?? destination).map { " to \($0)" } ?? "")\(readdress.map { " at \($0)" } ?? "")"),
                                      now: Date())
            }
            let deliveries = count == 1 ? "1 delivery" : "\(count) deliveries"
            print(dryRun ? "\(deliveries) would be sent again." : "\(deliveries) due again, with their ids unchanged (receivers de-duplicate on them).")
        }

        /// Where the deliveries file says the force's destination `name` sends now.
        func address(of name: String) throws -> String {
            var err = StandardError()
            let catalog = try repository.catalog(environment)
            let file = deliveries ?? ProcessInfo.processInfo.environment["SOH_DELIVERIES"]
            guard let config = try APICommand.loadDeliveries(file, catalog: catalog) else {
                print(Diagnostic.general(.error, "--to needs the deliveries file: nothing was sent", hint: "Pass --deliveries FILE or set SOH_DELIVERIES.").description, to: &err)
                throw ExitCode(1)
            }
            guard let destination = config.destination(force: force, name: name) else {
                print(Diagnostic.general(.error, "\(force) has no destination '\(Escape.line(name, limit: 60))' in the deliveries file: nothing was sent", file: file ?? "").description, to: &err)
                throw ExitCode(1)
            }
            return destination.kind.address
        }
    }
}

/// The delivery worker on its own, for deployments that keep sending apart from taking reports:
/// it sends what the outbox of the database holds, as `soh api --deliveries` does beside the API.
struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver", abstract: "Run only the delivery worker: send what the outbox holds to the forces' systems.")

    @OptionGroup var repository: RepositoryOption
    @OptionGroup var environment: EnvironmentOption
    @Option(help: "Where each force's reports are delivered (docs/delivery.md), or set SOH_DELIVERIES.") var deliveries: String?
    @OptionGroup var place: DatabaseOptions
    @OptionGroup var answersKeys: AnswersKeysOptions
    @OptionGroup var files: EvidencePlaceOptions

    func run() async throws {
        var err = StandardError()
        let catalog = try repository.catalog(environment)
        guard let config = try APICommand.loadDeliveries(deliveries ?? ProcessInfo.processInfo.environment["SOH_DELIVERIES"], catalog: catalog) else {
            print(Diagnostic.general(.error, "no deliveries file", hint: "Pass --deliveries FILE or set SOH_DELIVERIES.").description, to: &err)
            throw ExitCode(1)
        }
        let store = try await place.open(create: false, keys: try answersKeys.load("to open the answers with", "nothing was sent"))
        FileHandle.standardOutput.write(Data("Delivering from \(place.name)\n".utf8))
        let evidence = try files.storage(database: place)
        do {
            try await Self.run([], withWorkerFor: config, store: store, catalog: catalog, logger: Logger(label: "soh.deliver"), doorbell: Doorbell(),
                               evidence: evidence.map { StoredEvidence($0, store: store) })
        } catch {
            await evidence?.shutdown()
            throw error
        }
        await evidence?.shutdown()
    }

    /// Runs `services`, a delivery worker and the services `then` until SIGTERM or SIGINT, then
    /// closes the worker's HTTP clients. The group stops its services last first.
    static func run(_ services: [any Service], withWorkerFor config: DeliveryConfig, store: SubmissionStore,
                    catalog: APICatalog, logger: Logger, doorbell: Doorbell, evidence: (any EvidenceSource)? = nil,
                    then: [any Service] = []) async throws {
        let sender = try DeliverySender(config: config, evidence: evidence)
        var worker = DeliveryWorker(queue: store, config: config, sender: sender, forms: catalog.forms, logger: logger, doorbell: doorbell)
        worker.confirmation = catalog.confirmation
        let group = ServiceGroup(services: services + [worker] + then, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch {
            await sender.shutdown()
            throw error
        }
        await sender.shutdown()
    }
}

extension DeliveryState: ExpressibleByArgument {}
