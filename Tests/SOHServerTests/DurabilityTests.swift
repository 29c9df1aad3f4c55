import Foundation
import SOHServer
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real `soh api` process: submissions it acknowledged survive SIGKILL.
@Suite("Durability", .serialized)
struct DurabilityTests {
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("soh")
        return FileManager.default.isExecutableFile(atPath: beside.path) ? beside : repositoryRoot.appendingPathComponent(".build/debug/soh")
    }

    /// Starts `soh api` on a free port; returns the process and its base URL.
    func start(db: String) throws -> (Process, String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["api", "--root", repositoryRoot.path, "--port", "0", "--db", db, "--rate-limit", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["SOH_ANSWERS_KEYS": StoreTests.keyLine]) { _, new in new }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("listening on http://"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
              let url = line.split(separator: " ").last else {
            process.terminate()
            throw CocoaError(.fileReadUnknown)
        }
        return (process, String(url))
    }

    func post(_ base: String, _ body: Data) async throws -> Int {
        var request = URLRequest(url: URL(string: "\(base)/v1/forces/kent/forms/lost-property/submissions")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(UUID().uuidString, forHTTPHeaderField: "Idempotency-Key")
        request.httpBody = body
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    @Test func acknowledgedSubmissionsSurviveSIGKILL() async throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("soh-kill-\(UUID().uuidString).sqlite").path
        let catalog = try APICatalog.load(root: repositoryRoot)
        let form = try #require(catalog.forms["lost-property"])
        let payload = Data(buffer: body(form, sampleAnswers(form)))
        let (process, base) = try start(db: db)
        var acknowledged = 0
        for _ in 0..<40 where try await post(base, payload) == 201 { acknowledged += 1 }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(acknowledged == 40)
        // Restarted on the same database: every acknowledged submission is there.
        let (again, base2) = try start(db: db)
        defer { again.terminate(); again.waitUntilExit() }
        #expect(try await post(base2, payload) == 201)
        #expect(try await SubmissionStore.sqlite(path: db, keys: nil).count() == acknowledged + 1)
    }
}
