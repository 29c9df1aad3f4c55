import ArgumentParser
import Foundation
import SOHBuild
import SOHModel

@main
struct SOH: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soh",
        abstract: "Build the Single Online Home: 43 branded police force sites from one national content tree.",
        subcommands: [BuildCommand.self, CheckCommand.self, ServeCommand.self, NewForceCommand.self, AreasCommand.self, APICommand.self, SubmissionsCommand.self, DeliveriesCommand.self, DeliverCommand.self, AuditCommand.self])
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build every force's site (or some) into public/<force-id>/.")

    @OptionGroup var repository: RepositoryOption

    @Option(help: "Where the sites are written (default: ROOT/public).")
    var out: String?

    @Option(name: .customLong("force"), help: "Build only this force (repeat for more). Default: all forces.")
    var forces: [String] = []

    @Option(help: "How many forces to render at once (default: build.jobs in site.yml, else the number of cores).")
    var jobs: Int?

    @OptionGroup var environment: EnvironmentOption

    @OptionGroup var time: BuildTimeOption

    @Option(help: "Use this submission API instead of the environment's (for local previews and tests).")
    var api: String?

    @Option(help: "text for people, json for CI.")
    var format: OutputFormat = .text

    @Flag(help: "Print the time each stage took.")
    var timings = false

    @Flag(help: "Ignore every cache of earlier builds: load, render and compare every page (for the day something looks stale).")
    var clean = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let rootURL = repository.url
        var options = Builder.Options(
            root: rootURL, out: out.map { URL(fileURLWithPath: $0).standardizedFileURL }, forces: forces, jobs: jobs,
            environment: environment.env, apiOverride: api)
        options.clean = clean
        options.now = time.date
        do {
            let report = try await Builder.build(options)
            Report.print(.built(report.summary), diagnostics: report.warnings, format: format, timings: timings)
        } catch {
            Report.print(.failed(writtenForces: error.writtenForces, partly: error.partlyWrittenForces), diagnostics: error.diagnostics,
                         format: format, timings: false)
            throw ExitCode(1)
        }
    }
}

/// Prints a build's outcome for people (text) or for CI (JSON); both say what was written.
enum Report {
    enum Outcome {
        case built(Builder.Summary)
        /// The build stopped; `writtenForces` are the forces whose sites were written before it
        /// did, `partly` those it stopped while writing.
        case failed(writtenForces: [String], partly: [String])
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// One sentence on what happened to the output.
    static func sentence(_ outcome: Outcome, errors: Int) -> String {
        switch outcome {
        case .built(let s):
            String(format: "Built %@, %@ (%d rendered): %@ written, %d unchanged, %d removed in %.2fs",
                   plural(s.forces, "site"), plural(s.pages, "page"), s.rendered, plural(s.written, "file"), s.unchanged, s.removed, s.seconds)
        case .failed(let written, let partly) where written.isEmpty && partly.isEmpty:
            "Build failed: \(plural(errors, "error")). Nothing was written; the previous output is unchanged."
        case .failed(let written, let partly):
            "Build failed: \(plural(errors, "error")). "
                + (written.isEmpty ? "" : "The sites of \(ForceList.text(written)) were written. ")
                + (partly.isEmpty ? "" : "The sites of \(ForceList.text(partly)) were written in part. ")
                + "The others are as the previous build left them."
        }
    }

    static func print(_ outcome: Outcome, diagnostics: [Diagnostic], format: OutputFormat, timings: Bool) {
        let errors = diagnostics.filter { $0.severity == .error }.count
        switch format {
        case .text:
            var err = StandardError()
            for d in diagnostics { Swift.print(d.description, to: &err) }
            guard case .built(let s) = outcome else {
                Swift.print(sentence(outcome, errors: errors), to: &err)
                return
            }
            Swift.print(sentence(outcome, errors: errors))
            if timings && s.timings.upToDate {
                Swift.print(String(format: "  nothing changed since the last build: inputs and outputs checked in %.3fs", s.timings.load))
            } else if timings {
                let t = s.timings
                Swift.print(String(format: "  load %.3fs · prepare %.3fs · render+write %.3fs (shared renders %.3fs, render, fill and write %.3fs) · %d forces in %d classes rendered once per page",
                                   t.load, t.prepare, t.renderAndWrite, t.sharedRender, t.renderAndWrite - t.sharedRender,
                                   t.sharedForces, t.sharedClasses))
            }
        case .json:
            struct Payload: Encodable {
                var ok: Bool
                var summary: Summary
                var diagnostics: [Item]
                /// The build's counts (on success), a sentence on what was written, and on a failure
                /// the forces whose sites were written before it (none: the output is as it was).
                struct Summary: Encodable {
                    var message: String
                    var forcesWritten: [String]?
                    var forcesPartlyWritten: [String]?
                    var counts: Builder.Summary?
                    enum Key: String, CodingKey { case message, forcesWritten, forcesPartlyWritten }
                    func encode(to encoder: any Encoder) throws {
                        try counts?.encode(to: encoder)
                        var c = encoder.container(keyedBy: Key.self)
                        try c.encode(message, forKey: .message)
                        try c.encodeIfPresent(forcesWritten, forKey: .forcesWritten)
                        try c.encodeIfPresent(forcesPartlyWritten, forKey: .forcesPartlyWritten)
                    }
                }
                struct Item: Encodable {
                    var severity: String, file: String?, line: Int?, column: Int?, message: String, hint: String?
                }
            }
            let summary: Payload.Summary = switch outcome {
            case .built(let s): .init(message: sentence(outcome, errors: errors), counts: s)
            case .failed(let written, let partly):
                .init(message: sentence(outcome, errors: errors), forcesWritten: written, forcesPartlyWritten: partly, counts: nil)
            }
            let payload = Payload(ok: summary.counts != nil, summary: summary, diagnostics: diagnostics.map {
                .init(severity: $0.severity.rawValue, file: $0.file.isEmpty ? nil : $0.file, line: $0.line > 0 ? $0.line : nil,
                      column: $0.column > 0 ? $0.column : nil, message: $0.message, hint: $0.hint)
            })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do {
                Swift.print(String(decoding: try encoder.encode(payload), as: UTF8.self))
            } catch {
                // Not silence: a report that cannot be written says so.
                var err = StandardError()
                Swift.print("error: the JSON report could not be written: \(error)", to: &err)
            }
        }
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
