import ArgumentParser
import Foundation
import SOHServer

/// The repository a command reads (`--root`), declared once for every command that reads one.
struct RepositoryOption: ParsableArguments {
    @Option(help: "The repository folder (site.yml, content/, forces/, themes/, data/).")
    var root: String = "."

    var url: URL { URL(fileURLWithPath: root).standardizedFileURL }

    /// The repository's forces and forms as the API and its workers see them in `environment`;
    /// its mistakes are printed with their lines, and the command stops.
    func catalog(_ environment: EnvironmentOption) throws -> APICatalog {
        do {
            return try APICatalog.load(root: url, environment: environment.env)
        } catch {
            var err = StandardError()
            for d in error.diagnostics { print(d.description, to: &err) }
            throw ExitCode(1)
        }
    }
}

/// The environment of `site.yml` (`--env`), declared once for every command that uses one.
struct EnvironmentOption: ParsableArguments {
    @Option(help: "The environment from site.yml: its base URLs (the API's allowed origins) and submission API.")
    var env: String = "production"
}
