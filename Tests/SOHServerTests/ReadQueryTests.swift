import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SOHDelivery
import SOHModel
import SOHServer
import Testing

/// What the API makes of what a client puts in a request's query, method and path: instants
/// compared as instants, out-of-range values refused with the range, methods a path does not
/// take answered 405 with `Allow`, and a database that is down answered at once with
/// `Retry-After`.
@Suite("Queries, methods and outages")
struct ReadQueryTests {
    static let kent: HTTPFields = [.authorization: "Bearer kent-secret"]

    /// A poller on British Summer Time sends its offset: the same instant finds the same reports.
    @Test func sinceIsAnInstantWhateverItsOffset() async throws {
        let h = try await Harness()
        guard case .created(let stored) = try await h.store.store(StoreTests.new()) else { Issue.record("not stored"); return }
        let received = try #require(StoreTime.date(stored.receivedAt))
        @Sendable func written(_ date: Date, offset hours: Int) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            formatter.timeZone = TimeZone(secondsFromGMT: hours * 3600)
            return formatter.string(from: date).replacingOccurrences(of: "+", with: "%2B")
        }
        try await h.app().test(.live) { client in
            func references(_ since: String) async throws -> [String]? {
                try await client.execute(uri: "/v1/forces/kent/submissions?since=\(since)", method: .get, headers: Self.kent) { response in
                    guard response.status == .ok else { return nil }
                    return (json(response.body)["submissions"] as? [[String: Any]])?.compactMap { $0["reference"] as? String }
                }
            }
            #expect(try await references(written(received, offset: 2)) == [stored.reference], "the same instant, two hours ahead")
            #expect(try await references(written(received.addingTimeInterval(-1), offset: -5)) == [stored.reference])
            #expect(try await references(written(received.addingTimeInterval(1), offset: 0)) == [])
            #expect(try await references(written(received.addingTimeInterval(1), offset: 1)) == [], "one second after, an hour ahead")
            try await client.execute(uri: "/v1/forces/kent/submissions?since=garbage", method: .get, headers: Self.kent) { response in
                #expect(response.status == .badRequest && (json(response.body)["error"] as? String)?.contains("'garbage'") == true)
            }
        }
    }

    @Test(arguments: ["limit=abc", "limit=-1", "limit=0", "limit=100000", "limit=2.5", "after=abc", "after=-3", "after=1e3"])
    func pagingValuesOutOfRangeAreRefused(_ query: String) async throws {
        let h = try await Harness()
        _ = try await h.store.store(StoreTests.new())
        try await h.app().test(.live) { client in
            for path in ["/v1/forces/kent/submissions", "/v1/forces/kent/audit"] {
                try await client.execute(uri: "\(path)?\(query)", method: .get, headers: Self.kent) { response in
                    #expect(response.status == .badRequest, "\(path)?\(query)")
                    let message = json(response.body)["error"] as? String ?? ""
                    #expect(message.contains(query.hasPrefix("limit") ? "from 1 to" : "cursor"), "\(message)")
                }
            }
            try await client.execute(uri: "/v1/forces/kent/audit?since=2026-01-01T00:00:00Z", method: .get, headers: Self.kent) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/forces/kent/submissions?limit=1&after=0", method: .get, headers: Self.kent) { response in
                #expect(response.status == .ok && (json(response.body)["submissions"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func aMethodThePathDoesNotTakeIs405WithAllow() async throws {
        let h = try await Harness()
        try await h.app().test(.live) { client in
            for (method, path, allowed) in [(HTTPRequest.Method.delete, "/v1/forces/kent/submissions", "GET, HEAD"),
                                            (.put, "/v1/forces/kent/forms/crime/submissions", "OPTIONS, POST"),
                                            (.post, "/healthz", "GET, HEAD"), (.post, "/v1/find-force", "GET, HEAD")] {
                try await client.execute(uri: path, method: method) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.headers[.allow] == allowed && response.headers[.contentType] == "application/json")
                }
            }
            try await client.execute(uri: "/v1/nothing/here", method: .get) { response in
                #expect(response.status == .notFound && json(response.body)["error"] != nil)
            }
        }
    }

    /// The preflight answers as the POST would: no form, no CORS.
    @Test func aPreflightForAFormThatDoesNotExistIs404() async throws {
        let h = try await Harness()
        try await h.app().test(.live) { client in
            let preflight: HTTPFields = [.origin: "https://kent.soh.example", .accessControlRequestMethod: "POST"]
            try await client.execute(uri: "/v1/forces/kent/forms/no-such-form/submissions", method: .options, headers: preflight) { response in
                #expect(response.status == .notFound && response.headers[.accessControlAllowOrigin] == nil)
            }
            try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .options, headers: preflight) { response in
                #expect(response.status == .noContent && response.headers[.accessControlAllowOrigin] == "https://kent.soh.example")
            }
        }
    }

    /// PostgreSQL stopped: reads and posts are answered 503 with Retry-After within a couple of
    /// seconds (a refused connection is known at once), not after the 10 s limit.
    @Test func aDatabaseThatRefusesConnectionsIsA503AtOnce() async throws {
        let server = try TestPostgres()
        defer { server.stop() }
        let store = try await SubmissionStore.postgres(url: try server.newDatabase(), keys: StoreTests.keys, logger: Logger(label: "test"))
        defer { store.close() }
        let catalog = try APICatalog.load(root: repositoryRoot)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var options = SubmissionAPI.Options()
        options.ratePerMinute = 0
        let api = SubmissionAPI(catalog: catalog, store: store, tokenHashes: ["kent": sha256("kent-secret")], options: options, logger: logger)
        let form = try #require(catalog.forms["lost-property"])
        try await APIServer.makeApplication(api, host: "127.0.0.1", port: 0, logger: logger) { _ in }.test(.live) { client in
            try await client.execute(uri: "/v1/forces/kent/submissions", method: .get, headers: Self.kent) { #expect($0.status == .ok) }
            server.stop()
            for _ in 0..<2 {
                let started = ContinuousClock.now
                try await client.execute(uri: "/v1/forces/kent/submissions", method: .get, headers: Self.kent) { response in
                    #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] != nil)
                }
                try await client.execute(uri: "/v1/forces/kent/forms/lost-property/submissions", method: .post,
                                         headers: [.contentType: "application/json"], body: body(form, sampleAnswers(form))) { response in
                    #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] != nil)
                }
                #expect(started.duration(to: .now) < .seconds(6), "two requests, each answered well inside the 10 s limit")
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable && $0.headers[.retryAfter] != nil) }
        }
    }
}
