import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import SOHDelivery
import SOHForms
import SOHModel
import SOHServer
import Testing

/// Moving a pilot's reports from SQLite to PostgreSQL as docs/deploy.md says, force by force
/// with the real binary: every force then reads exactly what it read before, reports about
/// another force's area included, and nothing is sent that was not due.
@Suite("Moving a pilot: export and import, force by force")
struct PilotMoveTests {
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("soh")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return repositoryRoot.appendingPathComponent(".build/debug/soh")
    }

    /// Runs the binary with standard input and output from and to files when given.
    static func soh(_ arguments: [String], input: URL? = nil, output: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SOH_ANSWERS_KEYS"] = nil
        environment["SOH_DATABASE_URL"] = nil
        process.environment = environment
        let err = Pipe(), out = Pipe()
        if let input { process.standardInput = try FileHandle(forReadingFrom: input) }
        if let output {
            FileManager.default.createFile(atPath: output.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: output)
        } else {
            process.standardOutput = out
        }
        process.standardError = err
        try process.run()
        let stdout = output == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// The shell blocks of docs/deploy.md's "Moving a pilot from SQLite to PostgreSQL".
    static func pilotMoveBlocks() throws -> [String] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/deploy.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Moving a pilot from SQLite to PostgreSQL").dropFirst().first)
            .components(separatedBy: "\n## ").first ?? ""
        return section.components(separatedBy: "```sh\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
    }

    /// Runs shell commands with bash, with `soh` on the PATH and `SOH_DATABASE_URL` set.
    static func bash(_ script: String, in folder: URL, databaseURL: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["SOH_ANSWERS_KEYS"] = nil
        environment["SOH_DATABASE_URL"] = databaseURL
        environment["PATH"] = binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// A keys file as `soh api keygen` writes it: readable by its owner only.
    static func keysFile() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("soh-keys-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: url.path, contents: Data((StoreTests.keyLine + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return url
    }

    /// Everything a force reads through the API, in order: each of its reports with every one
    /// of its deliveries, as JSON.
    static func reads(_ store: SubmissionStore, force: String) async throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var out: [String] = []
        var after: Int64?
        while true {
            let page = try await store.list(force: force, since: nil, after: after, limit: 200)
            let deliveries = try await store.deliveries(ofSubmissions: page.map(\.id))
            for row in page {
                out.append(String(decoding: try encoder.encode(try SubmissionAPI.SubmissionOut(row, deliveries: deliveries, reader: force)), as: UTF8.self))
            }
            guard let last = page.last, page.count == 200 else { return out }
            after = last.id
        }
    }

    static func deliveries() -> DeliveryConfig {
        let folder = NSTemporaryDirectory() + "soh-move-\(UUID().uuidString)"
        return DeliveryConfig(destinations: [
            "kent": [.init(name: "records", kind: .directory(path: folder + "/kent"))],
            "south-wales": [.init(name: "records", kind: .directory(path: folder + "/south-wales"))],
        ])
    }

    @Test func theDocumentedLoopMovesEveryForcesReportsAsTheyWere() async throws {
        let h = try await Harness()
        let crime = try #require(h.catalog.forms["crime"]), missing = try #require(h.catalog.forms["missing-person"])
        let lost = try #require(h.catalog.forms["lost-property"])
        // Made to South Wales about Maidstone (Kent's area): a crime (Kent's to deal with) and a
        // missing person (South Wales acts; Kent's delivery is held until South Wales has had it).
        let (transferred, notified) = try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            var references: [String] = []
            for (form, id) in [(crime, "crime"), (missing, "missing-person")] {
                try await client.execute(uri: "/v1/forces/south-wales/forms/\(id)/submissions", method: .post, headers: [.contentType: "application/json"],
                                         body: body(form, RoutingTests.answers(form, area: "maidstone"))) { response in
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                    references.append(json(response.body)["reference"] as? String ?? "")
                }
            }
            for force in ["gwent", "kent", "dyfed-powys"] {
                try await client.execute(uri: "/v1/forces/\(force)/forms/lost-property/submissions", method: .post, headers: [.contentType: "application/json"],
                                         body: body(lost, sampleAnswers(lost))) { #expect($0.status == .created) }
            }
            return (references[0], references[1])
        }
        // More of Kent's reports than any page of the export or cap of the store, each with a delivery.
        for i in 0..<2_100 {
            _ = try await h.store.store(StoreTests.new(#"{"n":"\#(i)"}"#, destinations: ["records"]))
        }
        // Kent's system took the crime and gave its reference; South Wales's notice went too.
        let leased = try await h.store.lease(limit: 5_000, seconds: 60, now: Date())
        let done = leased.filter { $0.report.reference == transferred }
        #expect(done.count == 2)
        try await h.store.record(done.map {
            RecordedAttempt(delivery: $0, attempt: Attempt(.delivered, status: 201, detail: "stored"), next: .delivered(forceReference: "FR/\($0.destination)"), at: Date())
        })
        let keys = try Self.keysFile()
        let url = try TestPostgres.shared.get().newDatabase()
        let forces = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("forces").path)
            .filter { $0.hasSuffix(".yml") }.map { String($0.dropLast(4)) }.sorted()
        #expect(forces.count == 43)
        // docs/deploy.md's commands as written (the keys file where the test keeps it), run by
        // bash in a folder with the repository's forces/ and the pilot's database.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("soh-move-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createSymbolicLink(at: work.appendingPathComponent("forces"), withDestinationURL: repositoryRoot.appendingPathComponent("forces"))
        try FileManager.default.createSymbolicLink(at: work.appendingPathComponent("pilot.sqlite"), withDestinationURL: URL(fileURLWithPath: h.dbPath))
        let blocks = try Self.pilotMoveBlocks()
        #expect(blocks.count == 2 && blocks[1].contains("for force in"))
        var added = 0
        for block in blocks {
            let run = try Self.bash(block.replacingOccurrences(of: "/etc/soh/answers.keys", with: keys.path), in: work, databaseURL: url)
            #expect(run.status == 0, "\(block)\n\(run.stderr)")
            for line in run.stdout.split(separator: "\n") where line.hasSuffix("already there") {
                added += Int(line.split(separator: ": ").last?.split(separator: " ").first ?? "") ?? 0
            }
        }
        #expect(added == 2_105, "each report once, though two are in two forces' exports")
        let moved = try await SubmissionStore.postgres(url: url, keys: StoreTests.keys, logger: Logger(label: "test"))
        defer { moved.close() }
        #expect(try await moved.count() == 2_105)
        for force in forces {
            let before = try await Self.reads(h.store, force: force), after = try await Self.reads(moved, force: force)
            #expect(before == after, "\(force) reads something else after the move")
        }
        let kent = try await Self.reads(moved, force: "kent")
        #expect(kent.count == 2_103 && kent.allSatisfy { $0.contains(#""deliveries":[{"#) }, "every Kent report with its delivery")
        // South Wales reads its own reference; Kent reads the answers of the crime it owns; the
        // notice is South Wales's.
        let southWales = try #require(try await moved.get(force: "south-wales", reference: transferred))
        #expect(southWales.force == "south-wales" && southWales.routing?.owningForce == "kent")
        let owned = try SubmissionAPI.SubmissionOut(try #require(try await moved.get(force: "kent", reference: transferred)),
                                                    deliveries: try await moved.deliveries(reference: transferred), reader: "kent")
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(owned)) as? [String: Any])
        #expect(object["answersWithheld"] == nil && (object["answers"] as? [String: Any])?["area"] as? String == "maidstone")
        let statuses = try await moved.deliveries(reference: transferred)
        #expect(statuses.map { "\($0.toForce ?? $0.force)/\($0.destination) \($0.kind == .notice) \($0.forceReference ?? "-")" }.sorted()
                == ["kent/records false FR/records", "south-wales/records true FR/records"])
        // The held delivery is still held: only South Wales's delivery of the missing person is due.
        let due = try await moved.lease(limit: 5_000, seconds: 60, now: Date()).filter { $0.report.reference == notified }
        #expect(due.map(\.report.force) == ["south-wales"])
        let held = try #require(try await moved.deliveries(reference: notified).first { $0.toForce == "kent" })
        #expect(held.state == .held && held.lastError == "waiting for the delivery to south-wales")
    }

    /// An export line for a force the report has nothing to do with is refused, naming its
    /// line, and nothing is imported; so is a time that is not one.
    @Test func anImportRefusesLinesThatAreNotTheForcesOrNotTimes() async throws {
        let h = try await Harness()
        _ = try await h.store.store(StoreTests.new())
        let keys = try Self.keysFile()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soh-move-\(UUID().uuidString).jsonl")
        #expect(try Self.soh(["submissions", "export", "--force", "kent", "--db", h.dbPath, "--answers-keys", keys.path], output: file).status == 0)
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("soh-move-\(UUID().uuidString).sqlite").path
        let wrong = try Self.soh(["submissions", "import", "--force", "gwent", "--db", target, "--answers-keys", keys.path], input: file)
        #expect(wrong.status == 1 && wrong.stderr.contains("line 1: ") && wrong.stderr.contains("was made to kent, not to gwent"), "\(wrong.stderr)")
        let line = try String(contentsOf: file, encoding: .utf8)
        try line.replacingOccurrences(of: #""receivedAt":""#, with: #""receivedAt":"yesterday"#).write(to: file, atomically: true, encoding: .utf8)
        let badTime = try Self.soh(["submissions", "import", "--force", "kent", "--db", target, "--answers-keys", keys.path], input: file)
        #expect(badTime.status == 1 && badTime.stderr.contains("receivedAt 'yesterday"), "\(badTime.stderr)")
        // A delivery id names a directory destination's file: a path in it is refused.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        var hostile = object
        hostile["deliveries"] = [["id": "../../etc/cron.d/x", "destination": "records", "state": "pending", "attempts": 0]]
        try JSONSerialization.data(withJSONObject: hostile).write(to: file)
        let badID = try Self.soh(["submissions", "import", "--force", "kent", "--db", target, "--answers-keys", keys.path], input: file)
        #expect(badID.status == 1 && badID.stderr.contains("delivery id '../../etc/cron.d/x' is not a delivery id"), "\(badID.stderr)")
        if FileManager.default.fileExists(atPath: target) {
            #expect(try await SubmissionStore.sqlite(path: target, keys: StoreTests.keys).count() == 0, "nothing imported")
        }
    }
}
