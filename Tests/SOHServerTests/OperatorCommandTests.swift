import Foundation
import SOHDelivery
import SOHModel
import SOHServer
import Testing

/// What operators see from `soh deliveries …` and `soh submissions …`: one line a delivery
/// whatever a receiving system replied, and refusals that say what the command was doing.
@Suite("Operators' commands")
struct OperatorCommandTests {
    /// A receiving system's reply of several lines, with terminal escapes and a bidirectional
    /// override: shown bounded, on one line, escaped.
    @Test func aHostileReplyCannotBreakTheLayoutOrReachTheTerminal() async throws {
        let h = try await Harness()
        guard case .created(let stored) = try await h.store.store(StoreTests.new(destinations: ["records"])) else { Issue.record("not stored"); return }
        let leased = try #require(try await h.store.lease(limit: 1, seconds: 60, now: Date()).first)
        let reply = "<html>\n<body>\n\u{1B}[2J\u{1B}]0;owned\u{07}Access denied\u{202E}gnp.exe\n" + String(repeating: "x", count: 5_000) + "\n</html>"
        try await h.store.record([RecordedAttempt(delivery: leased, attempt: Attempt(.refused, status: 403, detail: reply),
                                                  next: .dead(reason: reply, fallback: nil), at: Date())])
        for command in [["deliveries", "dead"], ["deliveries", "list"], ["deliveries", "show", stored.reference]] {
            let result = try PilotMoveTests.soh(command + ["--db", h.dbPath])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(!result.stdout.contains("\u{1B}") && !result.stdout.contains("\u{07}") && !result.stdout.contains("\u{202E}"), "\(command)")
            #expect(result.stdout.contains(#"<html> <body> \u{1B}[2J\u{1B}]0;owned\u{7}Access denied\u{202E}gnp.exe xxx"#), "\(command): \(result.stdout)")
            #expect(lines.allSatisfy { $0.count < 400 }, "\(command): a line longer than its bound")
            #expect(lines.first?.contains("kent/records  dead  1 attempt") == true, "\(command): \(lines.first ?? "")")
        }
    }

    @Test func escapingKeepsOneLineAndItsBound() {
        #expect(Escape.line("  two\r\n\tlines  ", limit: 50) == "two lines")
        #expect(Escape.line("a\u{1B}[31mb\u{7F}\u{9B}\u{2066}", limit: 50) == #"a\u{1B}[31mb\u{7F}\u{9B}\u{2066}"#)
        #expect(Escape.line("Caerdydd – Cymru ✓", limit: 50) == "Caerdydd – Cymru ✓")
        #expect(Escape.line(String(repeating: "é", count: 10), limit: 4) == "éééé…")
    }

    /// An export opens answers; an import seals them: each says so when it has no keys, and
    /// neither the database nor anything else is touched.
    @Test func withoutKeysEachCommandSaysWhatItDidNotDo() async throws {
        let h = try await Harness()
        _ = try await h.store.store(StoreTests.new())
        let export = try PilotMoveTests.soh(["submissions", "export", "--force", "kent", "--db", h.dbPath])
        #expect(export.status == 1 && export.stderr.contains("error: no keys to open the answers with: nothing was exported"), "\(export.stderr)")
        #expect(export.stdout.isEmpty)
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("soh-import-\(UUID().uuidString).sqlite").path
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soh-empty-\(UUID().uuidString).jsonl")
        FileManager.default.createFile(atPath: file.path, contents: Data())
        let imported = try PilotMoveTests.soh(["submissions", "import", "--force", "kent", "--db", target, file.path])
        #expect(imported.status == 1 && imported.stderr.contains("error: no keys to seal the imported answers with: nothing was imported"), "\(imported.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target), "no database was made")
        // The commands that never see an answer do not offer the option.
        for command in [["deliveries", "list"], ["deliveries", "dead"], ["deliveries", "show"], ["deliveries", "retry"], ["deliveries", "redeliver"],
                        ["api", "migrate"], ["audit", "list"], ["submissions", "purge"]] {
            let help = try PilotMoveTests.soh(command + ["--help"])
            #expect(!help.stdout.contains("--answers-keys"), "\(command)")
        }
    }

    /// `--since` and `--until` are instants: an offset is read as one, and anything else is
    /// refused naming the value before the database is opened.
    @Test func sinceAndUntilAreInstants() async throws {
        let h = try await Harness()
        guard case .created(let stored) = try await h.store.store(StoreTests.new()) else { Issue.record("not stored"); return }
        let keys = try PilotMoveTests.keysFile()
        let received = try #require(StoreTime.date(stored.receivedAt))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(secondsFromGMT: 7200)
        let sameInstantAhead = formatter.string(from: received)
        let export = try PilotMoveTests.soh(["submissions", "export", "--force", "kent", "--db", h.dbPath, "--answers-keys", keys.path, "--since", sameInstantAhead])
        #expect(export.status == 0 && export.stdout.contains(stored.reference), "\(sameInstantAhead): \(export.stderr)")
        for command in [["submissions", "export", "--force", "kent", "--answers-keys", keys.path, "--since", "yesterday"],
                        ["deliveries", "redeliver", "--force", "kent", "--since", "yesterday", "--until", "2030-01-01T00:00:00Z"],
                        ["deliveries", "redeliver", "--force", "kent", "--since", "2026-01-01T00:00:00Z", "--until", "2026-13-01"]] {
            let refused = try PilotMoveTests.soh(command + ["--db", h.dbPath])
            #expect(refused.status != 0 && refused.stdout.isEmpty, "\(command)")
            #expect(refused.stderr.contains("ISO 8601") && (refused.stderr.contains("'yesterday'") || refused.stderr.contains("'2026-13-01'")), "\(refused.stderr)")
        }
    }
}
