import Foundation
import HTTPTypes
@testable import SOHServer
import Testing

/// The router and the OpenAPI document both come from what `SubmissionAPI` declares: every
/// route the router takes is described, and every operation described is a route.
@Suite("Routes and their description")
struct RouteTableTests {
    /// `/v1/forces/:force/submissions` → `/v1/forces/{force}/submissions`.
    static func openAPIPath(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    /// Whether a described path is one the template takes: a `{name}` of the template takes
    /// any literal segment the document has there (each form is a path of its own).
    static func takes(_ template: String, _ described: String) -> Bool {
        let a = template.split(separator: "/"), b = described.split(separator: "/")
        return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.hasPrefix("{") && !$1.hasPrefix("{")) || ($0.hasPrefix("{") && $0 == $1) }
    }

    @Test func everyRouteIsDescribedAndEveryDescriptionIsARoute() async throws {
        let h = try await Harness()
        let api = SubmissionAPI(catalog: h.catalog, store: h.store, tokenHashes: [:], logger: .init(label: "test"))
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.make(h.catalog, routes: api.routes)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let described = paths.flatMap { path, item in item.keys.filter { $0 != "parameters" }.map { ($0.uppercased(), path) } }
        let routes = api.routes.map { ($0.method.rawValue, Self.openAPIPath($0.path)) }
        for (method, template) in routes {
            #expect(described.contains { $0.0 == method && Self.takes(template, $0.1) }, "\(method) \(template) is a route but not described")
        }
        for (method, path) in described {
            #expect(routes.contains { $0.0 == method && Self.takes($0.1, path) }, "\(method) \(path) is described but not a route")
        }
        #expect(described.count >= routes.count)
        // The matching itself: a literal never stands for another literal or a parameter.
        #expect(!Self.takes("/v1/forces/{force}/audit", "/v1/forces/{force}/submissions"))
        #expect(!Self.takes("/v1/forces/kent/audit", "/v1/forces/{force}/audit"))
        #expect(Self.takes("/v1/forces/{force}/forms/{form}/submissions", "/v1/forces/{force}/forms/crime/submissions"))
    }
}
