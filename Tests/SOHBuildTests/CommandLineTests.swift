import Foundation
import Testing

/// Runs the real `soh` binary, as a user or CI would.
@Suite("soh on the command line")
struct CommandLineTests {
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("soh")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return Fixture.repositoryRoot.appendingPathComponent(".build/debug/soh")
    }

    func run(_ arguments: [String], in dir: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        try Self.run(arguments, in: dir)
    }

    /// Runs the binary in `dir`; returns its exit status and output.
    static func run(_ arguments: [String], in dir: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test func buildPrintsASummary() throws {
        let site = try Fixture()
        let result = try run(["build"], in: site.root)
        #expect(result.status == 0)
        // 23 pages and 4 not-found pages (Cymru has a Welsh one).
        #expect(result.stdout.hasPrefix("Built 3 forces, 27 pages (27 rendered): "))
        #expect(result.stderr.contains("forces/beta.yml:7:9: warning: link colour #9999ff"))
    }

    @Test func jsonForCI() throws {
        let site = try Fixture()
        let result = try run(["build", "--format", "json", "--force", "alpha", "--out", "elsewhere"], in: site.root)
        #expect(result.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["ok"] as? Bool == true)
        let summary = json?["summary"] as? [String: Any]
        #expect(summary?["forces"] as? Int == 1)
        #expect((summary?["message"] as? String)?.hasPrefix("Built 1 force, ") == true, "one force, not '1 forces'")
        #expect(FileManager.default.fileExists(atPath: site.root.appendingPathComponent("elsewhere/alpha/index.html").path))
    }

    @Test func errorsExitWithStatusOneAndListEveryProblem() throws {
        let site = try Fixture()
        try site.write("forces/alpha.yml", "id: alpha\nnmae: Alpha\n")
        let text = try run(["build"], in: site.root)
        #expect(text.status == 1)
        #expect(text.stderr.contains("forces/alpha.yml:2:1: error: unknown key 'nmae' in force file"))
        #expect(text.stderr.contains("Build failed: 3 errors. Nothing was written; the previous output is unchanged."))
        let json = try run(["build", "--format", "json"], in: site.root)
        #expect(json.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["ok"] as? Bool == false)
        let diagnostics = object?["diagnostics"] as? [[String: Any]] ?? []
        #expect(diagnostics.contains { $0["file"] as? String == "forces/alpha.yml" && $0["line"] as? Int == 2 && $0["column"] as? Int == 1 })
        // The summary says what was written, failure or not.
        let summary = object?["summary"] as? [String: Any]
        #expect(summary?["message"] as? String == "Build failed: 3 errors. Nothing was written; the previous output is unchanged.")
        #expect((summary?["forcesWritten"] as? [String]) == [])
        #expect(!FileManager.default.fileExists(atPath: site.out.path))
    }

    @Test func badArgumentsAreRefused() throws {
        let site = try Fixture()
        let result = try run(["build", "--jobs", "0"], in: site.root)
        #expect(result.status != 0)
        #expect(result.stderr.contains("--jobs must be at least 1"))
        let missing = try run(["build", "--root", "/nonexistent-soh-root"], in: site.root)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("site.yml: error: site.yml is missing"))
    }
}

@Suite("soh check on the command line")
struct CheckCommandTests {
    @Test func exitStatusAndFormats() throws {
        let site = try Fixture()
        // The fixture's beta force has a link colour that fails contrast: an error.
        let text = try CommandLineTests.run(["check"], in: site.root)
        #expect(text.status == 1)
        #expect(text.stdout.contains("forces/beta.yml:7:9: error: the link colour #9999ff has 2.51:1 contrast on the white page, below 4.5:1 [contrast/link] (on beta)"))
        let github = try CommandLineTests.run(["check", "--format", "github"], in: site.root)
        #expect(github.stdout.contains("::error file=forces/beta.yml,line=7,col=9,title=contrast/link::the link colour #9999ff"))
        let json = try CommandLineTests.run(["check", "--format", "json", "--force", "alpha"], in: site.root)
        let items = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(!items.contains { $0["severity"] as? String == "error" })
        #expect(json.status == 0, "warnings alone pass")
        let strict = try CommandLineTests.run(["check", "--force", "alpha", "--strict"], in: site.root)
        #expect(strict.status == 1, "warnings fail with --strict")
        let unknown = try CommandLineTests.run(["check", "--force", "alpah"], in: site.root)
        #expect(unknown.status == 1)
        // No made-up location for a command-line option.
        #expect(unknown.stdout.hasPrefix("error: unknown force 'alpah' given to --force [build]"))
    }
}

@Suite("soh api, serve and export with bad input")
struct ServerCommandInputTests {
    @Test func exportNeedsAnExistingDatabase() throws {
        let site = try Fixture()
        let result = try CommandLineTests.run(["submissions", "export", "--force", "alpha", "--db", "missing.sqlite"], in: site.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: no submissions database at missing.sqlite\n  hint: Pass --db with the API's database file."))
        #expect(!FileManager.default.fileExists(atPath: site.root.appendingPathComponent("missing.sqlite").path), "nothing is created")
    }

    @Test func apiAndServeRefuseASiteThatDoesNotLoad() throws {
        let site = try Fixture()
        try site.write("forces/alpha.yml", "id: alpha\nnmae: Alpha\n")
        for command in [["api", "--port", "0"], ["serve", "--port", "0"]] {
            let result = try CommandLineTests.run(command, in: site.root)
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.contains("forces/alpha.yml:2:1: error: unknown key 'nmae' in force file"), "\(command)")
        }
    }
}
