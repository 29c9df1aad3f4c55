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

    /// A tokens file or SOH_API_TOKENS with a mistake: where, and what.
    public struct TokensProblem: Error, CustomStringConvertible {
        public var place: String
        public var line: Int
        public var message: String
        public var description: String { "\(place)\(line > 0 ? ":\(line)" : ""): error: \(message)" }
    }

    /// Token hashes from a file of `force sha256hex` lines (# comments and blank lines allowed),
    /// and from SOH_API_TOKENS (`force=sha256hex,force=sha256hex`). Read strictly: a line that
    /// is not a force of `forces` and 64 hex digits, or a force given twice, is a `TokensProblem`
    /// (the API does not start with a token it would silently ignore).
    public static func tokenHashes(file: String?, forces: Set<String>, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(TokensProblem) -> [String: String] {
        var hashes: [String: String] = [:]
        func add(_ force: Substring, _ hash: Substring, _ place: String, _ line: Int) throws(TokensProblem) {
            guard forces.contains(String(force)) else {
                throw TokensProblem(place: place, line: line, message: "'\(force)' is not a force of this site")
            }
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw TokensProblem(place: place, line: line, message: "the token of '\(force)' should be its SHA-256 in 64 hex digits (printf %s \"$TOKEN\" | sha256sum)")
            }
            guard hashes[String(force)] == nil else {
                throw TokensProblem(place: place, line: line, message: "'\(force)' is given a token twice")
            }
            hashes[String(force)] = hash.lowercased()
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw TokensProblem(place: file, line: 0, message: "cannot read the tokens file")
            }
            for (index, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty, !line.hasPrefix("#") else { continue }
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count == 2 else {
                    throw TokensProblem(place: file, line: index + 1, message: "a line is a force and its token's SHA-256, separated by a space")
                }
                try add(parts[0], parts[1], file, index + 1)
            }
        }
        for pair in (environment["SOH_API_TOKENS"] ?? "").split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else {
                throw TokensProblem(place: "SOH_API_TOKENS", line: 0, message: "each entry is force=sha256hex, separated by commas")
            }
            try add(parts[0], parts[1], "SOH_API_TOKENS", 0)
        }
        return hashes
    }
}
