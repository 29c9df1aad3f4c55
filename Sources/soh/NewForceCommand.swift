import ArgumentParser
import Foundation
import SOHModel

struct NewForceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-force",
        abstract: "Onboard a force: write forces/ID.yml and a generated logo from data/forces.csv.")

    @Argument(help: "The force's data.police.uk id, e.g. kent (see data/forces.csv).")
    var id: String

    @OptionGroup var repository: RepositoryOption

    func run() throws {
        let rootURL = repository.url
        let listURL = rootURL.appendingPathComponent("data/forces.csv")
        var err = StandardError()
        guard let data = FileManager.default.contents(atPath: listURL.path) else {
            print(Diagnostic.general(.error, "the forces list is missing", hint: "Run soh in the repository's top folder, or pass --root DIR.", file: "data/forces.csv").description, to: &err)
            throw ExitCode(1)
        }
        let entries = ForceScaffold.readForcesList(String(decoding: data, as: UTF8.self))
        guard let entry = entries.first(where: { $0.id == id }) else {
            print("error: '\(id)' is not a force id in data/forces.csv", to: &err)
            print("  hint: \(Suggestion.closest(to: id, in: entries.map(\.id)).map { "Did you mean '\($0)'? " } ?? "")Use the data.police.uk id, in lower case with hyphens.", to: &err)
            throw ExitCode(1)
        }
        let forceFile = rootURL.appendingPathComponent("forces/\(id).yml")
        if FileManager.default.fileExists(atPath: forceFile.path) {
            print(Diagnostic.general(.error, "force '\(id)' already exists", hint: "Edit forces/\(id).yml instead; new-force never overwrites a force.", file: "forces/\(id).yml").description, to: &err)
            throw ExitCode(1)
        }
        let files = ForceScaffold.files(for: entry)
        let logoURL = rootURL.appendingPathComponent("forces/\(id)/logo.svg")
        try FileManager.default.createDirectory(at: logoURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: logoURL.path) {
            try Data(files.logo.utf8).write(to: logoURL)
        }
        try Data(files.forceFile.utf8).write(to: forceFile)
        print("Wrote forces/\(id).yml and forces/\(id)/logo.svg for \(entry.name).")
        print("Next: set 'baseURL' to the force's own site, check the colours, then run 'soh build --force \(id)'.")
    }
}
