import ArgumentParser
import Foundation

/// The repository a command reads (`--root`), declared once for every command that reads one.
struct RepositoryOption: ParsableArguments {
    @Option(help: "The repository folder (site.yml, content/, forces/, themes/, data/).")
    var root: String = "."

    var url: URL { URL(fileURLWithPath: root).standardizedFileURL }
}

/// The environment of `site.yml` (`--env`), declared once for every command that uses one.
struct EnvironmentOption: ParsableArguments {
    @Option(help: "The environment from site.yml: its base URLs (the API's allowed origins) and submission API.")
    var env: String = "production"
}
