import ArgumentParser
import Foundation
import SOHBuild
import SOHModel

@main
struct SOH: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soh",
        abstract: "Build the Single Online Home: 43 branded police force sites from one national content tree.",
        subcommands: [BuildCommand.self, CheckCommand.self, ServeCommand.self, NewForceCommand.self, APICommand.self, SubmissionsCommand.self])
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build every force's site (or some) into public/<force-id>/.")

    @Option(help: "The repository folder holding site.yml, content/, forces/ and themes/.")
    var root: String = "."

    @Option(help: "Where the sites are written (default: ROOT/public).")
    var out: String?

    @Option(name: .customLong("force"), help: "Build only this force (repeat for more). Default: all forces.")
    var forces: [String] = []

    @Option(help: "How many forces to render at once (default: the number of cores).")
    var jobs: Int?

    @Option(help: "The environment from site.yml (its base URLs and submission API).")
    var env: String = "production"

    @Option(help: "Use this submission API instead of the environment's (for local previews and tests).")
    var api: String?

    @Option(help: "text for people, json for CI.")
    var format: OutputFormat = .text

    @Flag(help: "Print the time each stage took.")
    var timings = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL
        let options = Builder.Options(
            root: rootURL, out: out.map { URL(fileURLWithPath: $0).standardizedFileURL }, forces: forces, jobs: jobs,
            environment: env, apiOverride: api)
        do {
            let report = try await Builder.build(options)
            Report.print(summary: report.summary, diagnostics: report.warnings, format: format, timings: timings)
        } catch {
            Report.print(summary: nil, diagnostics: error.diagnostics, format: format, timings: false)
            throw ExitCode(1)
        }
    }
}

/// Prints a build's outcome for people (text) or for CI (JSON).
enum Report {
    static func print(summary: Builder.Summary?, diagnostics: [Diagnostic], format: OutputFormat, timings: Bool) {
        switch format {
        case .text:
            var err = StandardError()
            for d in diagnostics { Swift.print(d.description, to: &err) }
            let errors = diagnostics.filter { $0.severity == .error }.count
            if let s = summary {
                Swift.print(String(format: "Built %d forces, %d pages (%d rendered): %d files written, %d unchanged, %d removed in %.2fs",
                                   s.forces, s.pages, s.rendered, s.written, s.unchanged, s.removed, s.seconds))
                if timings && s.timings.upToDate {
                    Swift.print(String(format: "  nothing changed since the last build: inputs and outputs checked in %.3fs", s.timings.load))
                } else if timings && s.timings.bodiesPatched > 0 {
                    Swift.print(String(format: "  only the text of %d page%@ changed: put in place in %d files without loading the site",
                                       s.timings.bodiesPatched, s.timings.bodiesPatched == 1 ? "" : "s", s.rendered))
                } else if timings {
                    let t = s.timings
                    Swift.print(String(format: "  load %.3fs · prepare %.3fs · render+write %.3fs (plan %.3fs, shared renders %.3fs, fill and write %.3fs) · %d forces in %d classes rendered once per page",
                                       t.load, t.prepare, t.renderAndWrite, t.plan, t.sharedRender, t.renderAndWrite - t.plan - t.sharedRender,
                                       t.sharedForces, t.sharedClasses))
                }
            } else {
                Swift.print("Build failed: \(errors) error\(errors == 1 ? "" : "s"). Nothing was written; the previous output is unchanged.", to: &err)
            }
        case .json:
            struct Payload: Encodable {
                var ok: Bool
                var summary: Builder.Summary?
                var diagnostics: [Item]
                struct Item: Encodable {
                    var severity: String, file: String, line: Int, column: Int, message: String, hint: String?
                }
            }
            let payload = Payload(ok: summary != nil, summary: summary, diagnostics: diagnostics.map {
                .init(severity: $0.severity.rawValue, file: $0.file, line: $0.line, column: $0.column, message: $0.message, hint: $0.hint)
            })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(payload) { Swift.print(String(decoding: data, as: UTF8.self)) }
        }
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
