import ArgumentParser
import Foundation
import SOHModel
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

/// The build's time (`--now`), declared once for every command that decides which items are
/// published: tests and CI pass it so that a build is repeatable; the clock's otherwise.
struct BuildTimeOption: ParsableArguments {
    @Option(help: "The build's time, YYYY-MM-DD (a day in the UK) or ISO 8601 with its offset: which items are published and which have closed (default: now).")
    var now: String?

    func validate() throws {
        if let now, NewsDate.parse(now, endOfDay: false) == nil {
            throw ValidationError("--now '\(now)' is not a date: \(NewsDate.hint)")
        }
    }

    var date: Date? { now.flatMap { NewsDate.parse($0, endOfDay: false) } }
}
