import Foundation
import Hummingbird
import Logging

/// Runs the submission API until the process is asked to stop (SIGINT or SIGTERM).
public enum APIServer {
    public static func makeApplication(
        _ api: SubmissionAPI, host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        Application(
            router: api.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "soh-api"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Token hashes from a file of `force sha256hex` lines (# comments allowed), or from
    /// SOH_API_TOKENS (`force=sha256hex,force=sha256hex`).
    public static func tokenHashes(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [String: String] {
        var hashes: [String: String] = [:]
        if let file {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count == 2 { hashes[String(parts[0])] = String(parts[1]) }
            }
        }
        for pair in (environment["SOH_API_TOKENS"] ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { hashes[String(parts[0])] = String(parts[1]) }
        }
        return hashes
    }
}
