import ArgumentParser
import Foundation
import SOHModel
import SOHServer

/// What operators do with deliveries: see what is waiting or dead, look at one report's
/// attempts, and send a dead one again once the force's system is mended.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "See and retry deliveries of reports to the forces' systems.",
        subcommands: [List.self, Dead.self, Show.self, Retry.self])

    struct Place: ParsableArguments {
        @Option(help: "The submissions database (default: the one soh api uses by default).")
        var db: String?

        func store() throws -> SubmissionStore {
            let db = self.db ?? ServerPlaces.defaultDatabase()
            guard FileManager.default.fileExists(atPath: db) else {
                var err = StandardError()
                print(Diagnostic.general(.error, "no submissions database at \(db)", hint: "Pass --db with the API's database file.").description, to: &err)
                throw ExitCode(1)
            }
            return try SubmissionStore(path: db)
        }
    }

    static func line(_ d: SubmissionStore.DeliveryStatus) -> String {
        var text = "\(d.id)  \(d.reference)  \(d.force)/\(d.destination)  \(d.state)  \(Report.plural(d.attempts, "attempt"))"
        if let next = d.nextAttemptAt { text += "  next \(next)" }
        if let reference = d.forceReference { text += "  force reference \(reference)" }
        if let error = d.lastError, d.state != "delivered" { text += "\n    \(error.prefix(200))" }
        return text
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliveries, newest first.")
        @OptionGroup var place: Place
        @Option(help: "Only this force's.") var force: String?
        @Option(help: "Only those in this state: pending, delivered or dead.") var state: String?

        func run() throws {
            if let state, !["pending", "delivered", "dead"].contains(state) { throw ValidationError("--state is pending, delivered or dead") }
            let list = try place.store().deliveries(force: force, state: state)
            for d in list { print(DeliveriesCommand.line(d)) }
            print(Report.plural(list.count, "delivery").replacingOccurrences(of: "deliverys", with: "deliveries"))
        }
    }

    struct Dead: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliveries that were given up on: each needs a person to look at it.")
        @OptionGroup var place: Place
        @Option(help: "Only this force's.") var force: String?

        func run() throws {
            let list = try place.store().deliveries(force: force, state: "dead")
            for d in list { print(DeliveriesCommand.line(d)) }
            print(list.isEmpty ? "No dead deliveries." : "\(list.count) dead: retry each with 'soh deliveries retry ID' once the cause is mended.")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A report's deliveries with every attempt.")
        @OptionGroup var place: Place
        @Argument(help: "The report's reference, e.g. KEN-7K4M-QX9C.") var reference: String

        func run() throws {
            let store = try place.store()
            let list = try store.deliveries(reference: reference)
            guard !list.isEmpty else {
                var err = StandardError()
                print(Diagnostic.general(.error, "no deliveries for \(reference)").description, to: &err)
                throw ExitCode(1)
            }
            for d in list {
                print(DeliveriesCommand.line(d))
                for a in try store.attempts(delivery: d.id) {
                    print("    \(a.at)  \(a.outcome)  \(a.status.map(String.init) ?? "-")  \(a.milliseconds) ms  \(a.detail.prefix(160))")
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a dead delivery again (the running API's worker picks it up).")
        @OptionGroup var place: Place
        @Argument(help: "The delivery's id (soh deliveries dead lists them).") var id: String

        func run() async throws {
            guard try await place.store().retry(delivery: id) else {
                var err = StandardError()
                print(Diagnostic.general(.error, "no dead delivery with id \(id)", hint: "'soh deliveries dead' lists them.").description, to: &err)
                throw ExitCode(1)
            }
            print("Delivery \(id) is due again.")
        }
    }
}
