import HTTPTypes
import Hummingbird
import NIOCore

/// The answer to a request no route takes, as JSON like every other refusal: `405` with `Allow`
/// when the path is one of the API's and the method is not one it takes (RFC 9110, 15.5.6),
/// else `404`. Made from the same table as the router, so the two cannot disagree.
struct UnroutedRequests<Context: RequestContext>: RouterMiddleware {
    /// The methods each path template takes.
    let methods: [(segments: [Substring], methods: [HTTPRequest.Method])]

    init(routes: [(HTTPRequest.Method, String)]) {
        var byPath: [String: [HTTPRequest.Method]] = [:]
        var order: [String] = []
        for (method, path) in routes {
            if byPath[path] == nil { order.append(path) }
            byPath[path, default: []].append(method)
            // Every GET answers HEAD too (the router adds it).
            if method == .get { byPath[path, default: []].append(.head) }
        }
        methods = order.map { ($0.split(separator: "/"), byPath[$0] ?? []) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/")
            guard let allowed = methods.first(where: { Self.matches($0.segments, segments) })?.methods else {
                return SubmissionAPI.error(.notFound, "no such path in this API (GET /v1/openapi.json describes it)")
            }
            return SubmissionAPI.error(.methodNotAllowed, "\(request.method) is not a method of this path",
                                       headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
        }
    }

    static func matches(_ template: [Substring], _ path: [Substring]) -> Bool {
        template.count == path.count && zip(template, path).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
