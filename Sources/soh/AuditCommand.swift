import ArgumentParser
import Foundation
import SOHModel
import SOHServer

/// The audit log: who read, exported, sent again, rotated or purged what (docs/privacy.md).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and check the audit log.", subcommands: [List.self, Verify.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Audit entries, oldest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this force's.") var force: String?

        func run() async throws {
            let store = try await database.open(create: false)
            var after: Int64 = 0
            while true {
                let page = try await store.auditRecords(force: force, after: after, limit: 1000)
                for r in page {
                    print("\(r.id)  \(r.at)  \(r.actor)  \(r.action)  \(r.force ?? "-")  \(r.address ?? "-")  \(r.target.prefix(200))")
                }
                guard page.count == 1000, let last = page.last else { break }
                after = last.id
            }
        }
    }

    /// Walks the whole chain: an entry edited, removed or put out of order is named.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that no entry of the audit log was edited, removed or reordered.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let store = try await database.open(create: false)
            var verification = AuditLog.Verification()
            var after: Int64 = 0
            while verification.broken == nil {
                let page = try await store.auditRecords(force: nil, after: after, limit: 1000)
                for record in page { verification.check(record) }
                guard page.count == 1000, let last = page.last else { break }
                after = last.id
            }
            guard verification.broken == nil else {
                var err = StandardError()
                print(Diagnostic.general(.error, "the audit log has been tampered with: \(verification)", file: database.name).description, to: &err)
                throw ExitCode(1)
            }
            print("\(database.name): \(verification)")
        }
    }
}
