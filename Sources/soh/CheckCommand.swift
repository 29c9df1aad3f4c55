import ArgumentParser
import Foundation
import SOHBuild
import SOHCheck
import SOHModel

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every force's site before publishing: links, anchors, contrast, content rules, Welsh twins, page weight.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, github }

    @OptionGroup var repository: RepositoryOption

    @Option(name: .customLong("force"), help: "Check only this force (repeatable). Default: all.")
    var forces: [String] = []

    @OptionGroup var environment: EnvironmentOption

    @OptionGroup var time: BuildTimeOption

    @Option(help: "text for people, json for tools, github for workflow annotations.")
    var format: Format = .text

    @Flag(help: "Fail on warnings too.")
    var strict = false

    func run() async throws {
        var options = Builder.Options(root: repository.url, forces: forces, environment: environment.env)
        options.now = time.date
        let findings: [Finding]
        do {
            findings = try await Checker.check(options)
        } catch {
            // The site does not build: those are the findings.
            findings = error.diagnostics.map { Finding(rule: "build", diagnostic: $0, forces: []) }
        }
        let errors = findings.filter { $0.diagnostic.severity == .error }.count
        let warnings = findings.count - errors
        switch format {
        case .text:
            for f in findings {
                let d = f.diagnostic
                var plain = d
                plain.hint = nil
                var line = "\(plain.description) [\(f.rule)]"
                if !f.forces.isEmpty { line += " (\(ForceList.text(f.forces)))" }
                print(line)
                if let hint = d.hint { print("  hint: \(hint)") }
            }
            print("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        case .github:
            for f in findings {
                let d = f.diagnostic
                let message = (d.message + (d.hint.map { ". \($0)" } ?? "") + (f.forces.isEmpty ? "" : " (\(ForceList.text(f.forces)))"))
                    .replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A")
                let place = d.file.isEmpty ? "" : d.line > 0 ? "file=\(d.file),line=\(d.line),col=\(d.column)," : "file=\(d.file),"
                print("::\(d.severity == .error ? "error" : "warning") \(place)title=\(f.rule)::\(message)")
            }
        case .json:
            struct Item: Encodable {
                var rule, severity, message: String
                var file: String?
                var line, column: Int?
                var hint: String?
                var forces: [String]
            }
            let items = findings.map { f in
                let d = f.diagnostic
                return Item(rule: f.rule, severity: d.severity.rawValue, message: d.message, file: d.file.isEmpty ? nil : d.file,
                            line: d.line > 0 ? d.line : nil, column: d.line > 0 ? d.column : nil, hint: d.hint, forces: f.forces)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(items), as: UTF8.self))
        }
        if errors > 0 || (strict && warnings > 0) { throw ExitCode(1) }
    }
}
