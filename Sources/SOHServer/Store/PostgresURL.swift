import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is, from its URL
/// (`postgres://user[:password]@host[:port]/database[?sslmode=…]`), and how to connect to it.
struct PostgresURL {
    var host: String, port: Int, user: String, password: String?, database: String?
    var tls: String

    init(_ url: String) throws {
        guard let u = URLComponents(string: url), ["postgres", "postgresql"].contains(u.scheme ?? ""),
              let host = u.host, !host.isEmpty, let user = u.user, !user.isEmpty else {
            throw SubmissionStore.CannotOpen(description: "a database URL is postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, found '\(PostgresURL.redacted(url))'")
        }
        let database = String(u.path.drop { $0 == "/" })
        tls = u.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require", "verify-full"].contains(tls) else {
            throw SubmissionStore.CannotOpen(description: "sslmode is disable, prefer or require, found '\(tls)'")
        }
        (self.host, port, self.user, password) = (host, u.port ?? 5432, user, u.password)
        self.database = database.isEmpty ? nil : database
    }

    func client() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch self.tls {
        case "disable": .disable
        case "prefer": .prefer(.makeClientConfiguration())
        default: .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    func connection() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch self.tls {
        case "disable": .disable
        case "prefer": .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var u = URLComponents(string: url), u.password != nil else { return url }
        u.password = "redacted"
        return u.string ?? "(a database URL)"
    }
}
