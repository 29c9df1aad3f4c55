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

    /// The environment the commands run in: this one, with a key to seal answers (the API and
    /// the commands that read submissions do not start without one).
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(["SOH_ANSWERS_KEYS": answersKeys]) { _, new in new }.merging(extra) { _, new in new }
    }

    static let answersKeys = "test:" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()

    /// Runs the binary in `dir`; returns its exit status and output.
    static func run(_ arguments: [String], in dir: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.environment = environment()
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// `soh areas import` and `lookup` on the tests' sample of the ONS Postcode Directory, and
    /// what they say for a wrong file: a clear message, a non-zero exit, the old index kept.
    @Test func postcodeIndexImportAndLookup() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("soh-areas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = Fixture.repositoryRoot.path, index = dir.appendingPathComponent("postcodes.idx").path
        let sample = Fixture.repositoryRoot.appendingPathComponent("Tests/fixtures/onspd-sample.csv").path
        let made = try run(["areas", "import", sample, "--root", root, "--out", index], in: dir)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.hasPrefix("\(index): 6 postcodes in the areas of 5 forces\n"))
        #expect(made.stdout.contains("left out: 1 no longer in use; 1 in no force's area here (S23000009: 1); 1 line not a postcode row (line 10)"))
        let found = try run(["areas", "lookup", "cf10 1aa", "--index", index], in: dir)
        #expect(found.status == 0 && found.stdout == "CF10 1AA south-wales\n")
        let missing = try run(["areas", "lookup", "ZZ1 1ZZ", "--index", index], in: dir)
        #expect(missing.status == 2 && missing.stderr == "ZZ1 1ZZ: not in the index\n")
        let notPostcode = try run(["areas", "lookup", "<script>", "--index", index], in: dir)
        #expect(notPostcode.status == 1 && notPostcode.stderr == "error: '<script>' is not a postcode\n")

        let before = try Data(contentsOf: URL(fileURLWithPath: index))
        let wrong = dir.appendingPathComponent("wrong.csv")
        try Data("pcds,lat\nCF10 1AA,51.4\n".utf8).write(to: wrong)
        let noColumn = try run(["areas", "import", wrong.path, "--root", root, "--out", index], in: dir)
        #expect(noColumn.status == 1)
        #expect(noColumn.stderr == "\(wrong.path):1: error: no 'pfa' column (the ONS Postcode Directory's police force area); columns found: pcds, lat\n")
        let absent = try run(["areas", "import", dir.appendingPathComponent("absent.csv").path, "--root", root, "--out", index], in: dir)
        #expect(absent.status == 1 && absent.stderr.contains("absent.csv: error: cannot be read"))
        try Data("pcds,pfa\nEH1 1YZ,S23000009\n".utf8).write(to: wrong)
        let nothing = try run(["areas", "import", wrong.path, "--root", root, "--out", index], in: dir)
        #expect(nothing.status == 1 && nothing.stderr.contains("nothing was written"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: index)) == before, "a failed import leaves the index as it was")
        let notIndex = try run(["areas", "lookup", "CF10 1AA", "--index", wrong.path], in: dir)
        #expect(notIndex.status == 1 && notIndex.stderr.contains("not a postcode index"))
        let noAreas = try run(["areas", "import", sample, "--root", dir.path, "--out", index], in: dir)
        #expect(noAreas.status == 1 && noAreas.stderr.contains("data/police-areas.yml is missing"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["postcodes.idx", "wrong.csv"], "no temporary file left")
    }

    @Test func buildPrintsASummary() throws {
        let site = try Fixture()
        let result = try run(["build"], in: site.root)
        #expect(result.status == 0)
        // 23 pages and 4 not-found pages (Cymru has a Welsh one).
        #expect(result.stdout.hasPrefix("Built 3 sites, 27 pages (27 rendered): "))
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
        #expect((summary?["message"] as? String)?.hasPrefix("Built 1 site, ") == true, "one site, not '1 sites'")
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

    /// A site that cannot be written is named with the system's reason, and the summary says
    /// which forces were written in part.
    @Test func aWriteFailureSaysWhyAndWhatWasWritten() async throws {
        let site = try Fixture()
        try await site.build()
        // A file where a folder of the site must be: no permission trick (root ignores those).
        let folder = try #require(Fixture.tree(site.out).keys.sorted().first { $0.hasSuffix("/contact/index.html") })
            .replacingOccurrences(of: "/index.html", with: "")
        try FileManager.default.removeItem(at: site.out.appendingPathComponent(folder))
        try site.write("content/contact.md", (site.read("content/contact.md") ?? "") + "\nMore.\n")
        try Data("not a folder".utf8).write(to: site.out.appendingPathComponent(folder))
        let result = try run(["build", "--format", "json"], in: site.root)
        #expect(result.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let message = ((object?["diagnostics"] as? [[String: Any]])?.first?["message"] as? String) ?? ""
        #expect(message.contains("could not write the site of") && message.contains("Not a directory (errno 20)"), "\(message)")
        let summary = object?["summary"] as? [String: Any]
        #expect((summary?["forcesPartlyWritten"] as? [String])?.count == 1)
        #expect((summary?["message"] as? String)?.contains("were written in part. The others are as the previous build left them.") == true)
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

@Suite("The README's usage lines and --help")
struct UsageTests {
    /// The options of a usage line that starts `soh COMMAND` in the README (with the lines that
    /// continue it), or nil when there is none.
    static func synopsis(_ command: [String], in text: String) -> Set<String>? {
        let lines = text.components(separatedBy: "\n")
        let start = "soh " + command.joined(separator: " ")
        // `soh api [--root DIR]…`, not `soh api keygen …`: what follows is an option or a placeholder.
        guard let first = lines.firstIndex(where: { line in
            line == start || (line.hasPrefix(start + " ") && line.dropFirst(start.count + 1).first.map { $0 == "[" || $0 == "-" || $0.isUppercase } == true)
        }) else { return nil }
        var usage = String(lines[first].dropFirst(start.count))
        for line in lines[(first + 1)...] {
            guard line.hasPrefix("        ") else { break }
            usage += line
        }
        return options(in: usage.components(separatedBy: "#").first ?? usage)
    }

    static func options(in text: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: "--[a-z][a-z0-9-]*")
        let range = NSRange(text.startIndex..., in: text)
        return Set(regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    /// The options `soh COMMAND --help` lists.
    static func help(_ command: [String]) throws -> Set<String> {
        let result = try CommandLineTests.run(command + ["--help"], in: Fixture.repositoryRoot)
        var found: Set<String> = []
        for line in result.stdout.components(separatedBy: "\n") where line.hasPrefix("  -") {
            let spec = line.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ").first ?? ""
            found.formUnion(options(in: spec))
        }
        return found.subtracting(["--help", "--version"])
    }

    @Test(arguments: [["build"], ["check"], ["serve"], ["api"], ["api", "keygen"], ["api", "migrate"], ["api", "rotate-key"],
                      ["areas", "import"], ["areas", "lookup"], ["submissions", "export"], ["submissions", "import"],
                      ["submissions", "purge"], ["new-force"]])
    func theReadmeSynopsisListsWhatHelpOffers(_ command: [String]) throws {
        let readme = try String(contentsOf: Fixture.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let written = try #require(Self.synopsis(command, in: readme), "no usage line for soh \(command.joined(separator: " ")) in the README")
        let offered = try Self.help(command)
        #expect(offered.subtracting(written).isEmpty, "soh \(command.joined(separator: " ")): --help offers \(offered.subtracting(written).sorted()) the README leaves out")
        #expect(written.subtracting(offered).isEmpty, "soh \(command.joined(separator: " ")): the README lists \(written.subtracting(offered).sorted()) that --help does not offer")
    }

    /// docs/delivery.md's usage lines of the operators' commands, likewise.
    @Test(arguments: [["deliveries", "list"], ["deliveries", "dead"], ["deliveries", "show"], ["deliveries", "retry"],
                      ["deliveries", "redeliver"], ["deliver"]])
    func theDeliveryDocsListWhatHelpOffers(_ command: [String]) throws {
        let docs = try String(contentsOf: Fixture.repositoryRoot.appendingPathComponent("docs/delivery.md"), encoding: .utf8)
        let written = try #require(Self.synopsis(command, in: docs), "no usage line for soh \(command.joined(separator: " ")) in docs/delivery.md")
        let offered = try Self.help(command)
        // One line each: the database options are the same for every command and said once.
        let common: Set<String> = ["--db", "--database"]
        #expect(offered.subtracting(written).subtracting(common).isEmpty, "soh \(command.joined(separator: " ")): --help offers \(offered.subtracting(written).sorted())")
        #expect(written.subtracting(offered).isEmpty, "soh \(command.joined(separator: " ")): the docs list \(written.subtracting(offered).sorted())")
    }
}

@Suite("Inputs the build cannot read")
struct UnreadableInputTests {
    /// A folder of pages that cannot be read stops the build with the folder and the system's
    /// reason; it is never taken for an empty folder (a site published with its pages missing).
    /// Root reads every folder, so as root the build runs as the unprivileged `nobody`.
    @Test func aFolderThatCannotBeReadIsAnErrorNotMissingPages() throws {
        let site = try Fixture()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("soh-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: out.path)
        let locked = site.root.appendingPathComponent("content/report")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        let process = Process()
        let arguments = ["build", "--root", site.root.path, "--out", out.path]
        if getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "nobody", "--", CommandLineTests.binary.path] + arguments
        } else {
            process.executableURL = CommandLineTests.binary
            process.arguments = arguments
        }
        process.environment = CommandLineTests.environment()
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("content/report/: error: cannot read the folder: Permission denied (errno 13)"), "\(stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty, "nothing was written")
    }
}

@Suite("soh api, serve and export with bad input")
struct ServerCommandInputTests {
    @Test func exportNeedsAnExistingDatabase() throws {
        let site = try Fixture()
        let result = try CommandLineTests.run(["submissions", "export", "--force", "alpha", "--db", "missing.sqlite"], in: site.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: no submissions database at missing.sqlite\n  hint: Pass --db with the API's database file, or --database with its PostgreSQL URL."))
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

/// A `soh api` or `soh serve` process, started in a folder, its output collected as it comes.
final class RunningCommand: @unchecked Sendable {
    let process = Process()
    private let out = Pipe(), err = Pipe()
    private let lock = NSLock()
    private var collected = ""

    /// Everything it has written to standard output so far.
    var stdout: String { lock.withLock { collected } }

    init(_ arguments: [String], in dir: URL, environment: [String: String] = [:]) throws {
        process.executableURL = CommandLineTests.binary
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.environment = CommandLineTests.environment(environment)
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { return }
            self.lock.withLock { self.collected += String(decoding: chunk, as: UTF8.self) }
        }
        try process.run()
    }

    /// Waits until standard output holds `text` `times` times (true), or `seconds` pass or the
    /// process ends (false).
    func waitFor(_ text: String, times: Int = 1, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if count(text) >= times { return true }
            if !process.isRunning { Thread.sleep(forTimeInterval: 0.2); return count(text) >= times }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return count(text) >= times
    }

    func count(_ text: String) -> Int { stdout.components(separatedBy: text).count - 1 }

    /// Asks it to stop (SIGTERM) and waits; returns what it wrote to standard error.
    @discardableResult
    func stop() -> String {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        return String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

@Suite("soh api and serve in use", .serialized)
struct ServerCommandTests {
    @Test func theAPIKeepsReportsOutOfTheFolderItRunsIn() throws {
        let site = try Fixture()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("soh-state-\(UUID().uuidString)")
        let api = try RunningCommand(["api", "--port", "0"], in: site.root, environment: ["XDG_STATE_HOME": state.path])
        defer { api.stop() }
        #expect(api.waitFor("listening on http://"), "\(api.stdout)")
        #expect(api.stdout.contains("Submissions are stored in \(state.path)/soh/submissions.sqlite"))
        let here = try FileManager.default.contentsOfDirectory(atPath: site.root.path)
        #expect(!here.contains { $0.contains("sqlite") }, "\(here)")
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("soh/submissions.sqlite").path))
        let mode = try FileManager.default.attributesOfItem(atPath: state.appendingPathComponent("soh").path)[.posixPermissions] as? Int
        #expect(mode == 0o700, "only its owner may read the reports")
        // And git would not offer one that was put there on purpose.
        let ignore = try String(contentsOf: Fixture.repositoryRoot.appendingPathComponent(".gitignore"), encoding: .utf8)
        #expect(ignore.contains("*.sqlite*"))
    }

    @Test func aBusyPortIsNamedBeforeAnythingIsBuilt() throws {
        let site = try Fixture()
        let first = try RunningCommand(["api", "--port", "0", "--db", site.root.appendingPathComponent("a.sqlite").path], in: site.root)
        defer { first.stop() }
        #expect(first.waitFor("listening on http://127.0.0.1:"))
        let port = try #require(first.stdout.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        let api = try CommandLineTests.run(["api", "--port", String(port), "--db", site.root.appendingPathComponent("b.sqlite").path], in: site.root)
        #expect(api.status == 1)
        #expect(api.stderr.contains("error: port \(port) on 127.0.0.1 is already in use (another soh serve or soh api?); choose another with --port"), "\(api.stderr)")
        #expect(!FileManager.default.fileExists(atPath: site.root.appendingPathComponent("b.sqlite").path))
        let serve = try CommandLineTests.run(["serve", "--port", String(port)], in: site.root)
        #expect(serve.status == 1)
        #expect(serve.stderr.contains("port \(port) on 127.0.0.1 is already in use"), "\(serve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: site.root.appendingPathComponent(".build/preview").path), "nothing built")
    }

    @Test func twoPreviewsKeepTheirOwnPagesAndReportEachRebuildAtOnce() throws {
        let site = try Fixture()
        let one = try RunningCommand(["serve", "--port", "0", "--force", "alpha"], in: site.root)
        defer { one.stop() }
        #expect(one.waitFor("Preview on http://localhost:"), "\(one.stdout)")
        let two = try RunningCommand(["serve", "--port", "0", "--force", "beta"], in: site.root)
        defer { two.stop() }
        #expect(two.waitFor("Preview on http://localhost:"), "\(two.stdout)")
        let folders = try FileManager.default.contentsOfDirectory(atPath: site.root.appendingPathComponent(".build/preview").path)
        #expect(folders.count == 2, "\(folders)")
        for folder in folders {
            let forces = try FileManager.default.contentsOfDirectory(atPath: site.root.appendingPathComponent(".build/preview/\(folder)/public").path)
            #expect(forces.filter { !$0.hasPrefix("_") && !$0.hasPrefix(".") }.count == 1, "\(folder): \(forces)")
        }
        // A save is rebuilt and said on the spot, though the output is a pipe.
        let before = one.count("Built 1 site in")
        try site.write("content/contact.md", "---\ntitle: Contact {{force.name}}\n---\n\nChanged.\n")
        #expect(one.waitFor("Built 1 site in", times: before + 1, seconds: 30), "\(one.stdout)")
    }
}

@Suite("What the binary needs")
struct BinaryLibrariesTests {
    /// The README names the shared libraries soh needs besides Swift's own; a new one must be added there.
    @Test func theREADMENamesEverySharedLibrary() throws {
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        ldd.arguments = [CommandLineTests.binary.path]
        let out = Pipe()
        ldd.standardOutput = out
        try ldd.run()
        let listing = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ldd.waitUntilExit()
        // The system's libraries (a debug build also links Swift's own, from the toolchain's folder).
        let libraries = listing.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count >= 3, parts[1] == "=>", parts[2].hasPrefix("/lib") || parts[2].hasPrefix("/usr/lib") else { return nil }
            return parts[0].trimmingCharacters(in: .whitespaces)
        }.filter { !["libc.so.6", "libm.so.6", "libgcc_s.so.1"].contains($0) }
        let readme = try String(contentsOf: Fixture.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        // Package names as Debian gives them: libsqlite3.so.0 comes in libsqlite3-0, libstdc++.so.6 in libstdc++6.
        let packages = ["libsqlite3.so.0": "libsqlite3-0", "libz.so.1": "zlib1g", "libyaml-0.so.2": "libyaml-0-2", "libstdc++.so.6": "libstdc++6",
                        "libcmark-gfm.so.0.29.0.gfm.6": "libcmark-gfm0.29.0.gfm.6",
                        "libcmark-gfm-extensions.so.0.29.0.gfm.6": "libcmark-gfm-extensions0.29.0.gfm.6"]
        #expect(!libraries.isEmpty)
        for library in libraries {
            let package = try #require(packages[library], "\(library) is new: name its package in the README")
            #expect(readme.contains(package), "\(package)")
        }
    }
}
