import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SOHDelivery
import SOHForms
import SOHModel
import Synchronization

/// The shared submission API (docs/api.md): forms post here from every force's site; each
/// force reads back its own submissions with its own token.
public struct SubmissionAPI: Sendable {
    public struct Options: Sendable {
        /// Largest request body accepted, in bytes.
        public var maxBody = 64 * 1024
        /// Requests a minute per client address; 0 turns the limit off (benchmarks).
        public var ratePerMinute = 120
        public var burst = 20
        /// Failed token checks a minute per client address on the read endpoints, before 429.
        public var failedTokenChecksPerMinute = 10
        /// Reads a minute per force, with its token, in each instance (0: no limit): a force's
        /// system polls, but a leaked token cannot empty the database at full speed.
        public var readsPerMinute = 600
        /// Seconds a database operation may take before the request is answered 503.
        public var storeSeconds = 10.0
        /// Where the client's address is read from (its proxies' headers, when they are trusted).
        public var clientAddress = ClientAddress()
        public init() {}
    }

    let catalog: APICatalog
    let store: SubmissionStore
    /// force id → SHA-256 of its bearer token.
    let tokens: [String: [UInt8]]
    let options: Options
    let limiter: RateLimiter
    let tokenFailures: RateLimiter
    let reads: RateLimiter
    let logger: Logger
    /// Not ready while the process drains before stopping (SIGTERM).
    public let readiness = Readiness()
    /// Where each force's reports are delivered; a delivery per destination is written with
    /// each submission.
    let deliveries: DeliveryConfig
    /// Called after a submission with deliveries is stored, to wake the delivery worker.
    let stored: @Sendable () -> Void
    /// The metrics in the Prometheus text format, for `/metrics`; nil when not exported.
    let metrics: (@Sendable () -> String)?
    /// Where evidence files are kept; nil when this service takes none.
    let evidence: Evidence?
    /// Called when an upload's last byte is kept, to wake the scanner.
    let uploaded: @Sendable () -> Void

    public init(catalog: APICatalog, store: SubmissionStore, tokenHashes: [String: String], options: Options = Options(), logger: Logger,
                deliveries: DeliveryConfig = DeliveryConfig(), onStored: @escaping @Sendable () -> Void = {},
                metrics: (@Sendable () -> String)? = nil, evidence: Evidence? = nil, onUploaded: @escaping @Sendable () -> Void = {}) {
        self.metrics = metrics
        self.evidence = evidence
        self.uploaded = onUploaded
        self.catalog = catalog
        self.store = store
        self.tokens = tokenHashes.compactMapValues { Self.bytes(hex: $0) }
        self.options = options
        self.limiter = RateLimiter(perMinute: options.ratePerMinute, burst: options.burst)
        self.tokenFailures = RateLimiter(perMinute: options.failedTokenChecksPerMinute, burst: options.failedTokenChecksPerMinute)
        self.reads = RateLimiter(perMinute: options.readsPerMinute, burst: max(1, options.readsPerMinute / 6))
        self.logger = logger
        self.deliveries = deliveries
        self.stored = onStored
    }

    /// Every route of the API, with what it shares with others (who may call it, the rate
    /// limit, cross-origin access) and how it is described: the router, the answer to a method a
    /// path does not take (405 with `Allow`) and the OpenAPI document are made from this table.
    var routes: [Route] {
        [
            Route(.get, "/healthz", described: OpenAPIDocument.health) { _, _ in await self.health() },
            Route(.get, "/readyz", described: OpenAPIDocument.ready) { _, _ in await self.ready() },
            Route(.get, "/metrics", described: OpenAPIDocument.metrics) { _, _ in await self.exportMetrics() },
            Route(.get, "/v1/openapi.json", described: OpenAPIDocument.itself) { _, _ in self.openAPI() },
            Route(.options, "/v1/forces/:force/forms/:form/submissions", cors: .forceSites, described: OpenAPIDocument.preflight) { request, context in
                self.preflight(request, context)
            },
            Route(.post, "/v1/forces/:force/forms/:form/submissions", limited: true, cors: .forceSites, described: OpenAPIDocument.submit) { request, context in
                await self.submit(request, context)
            },
            Route(.options, "/v1/forces/:force/forms/:form/uploads", cors: .forceSites, described: OpenAPIDocument.uploadOptions) { request, context in
                self.uploadOptions(request, context)
            },
            Route(.post, "/v1/forces/:force/forms/:form/uploads", limited: true, cors: .forceSites, described: OpenAPIDocument.createUpload) { request, context in
                await self.createUpload(request, context)
            },
            Route(.options, "/v1/forces/:force/forms/:form/uploads/:upload", cors: .forceSites, described: OpenAPIDocument.uploadOptions) { request, context in
                self.uploadOptions(request, context)
            },
            Route(.head, "/v1/forces/:force/forms/:form/uploads/:upload", cors: .forceSites, described: OpenAPIDocument.headUpload) { request, context in
                await self.headUpload(request, context)
            },
            Route(.patch, "/v1/forces/:force/forms/:form/uploads/:upload", cors: .forceSites, described: OpenAPIDocument.patchUpload) { request, context in
                await self.patchUpload(request, context)
            },
            Route(.get, "/v1/forces/:force/forms/:form/uploads/:upload", cors: .forceSites, described: OpenAPIDocument.getUpload) { request, context in
                await self.getUpload(request, context)
            },
            Route(.delete, "/v1/forces/:force/forms/:form/uploads/:upload", cors: .forceSites, described: OpenAPIDocument.deleteUpload) { request, context in
                await self.deleteUpload(request, context)
            },
            Route(.get, "/v1/forces/:force/submissions", access: .forceToken, described: OpenAPIDocument.list) { request, context in await self.list(request, context) },
            Route(.get, "/v1/forces/:force/submissions/:reference", access: .forceToken, described: OpenAPIDocument.one) { request, context in
                await self.one(request, context)
            },
            Route(.get, "/v1/forces/:force/submissions/:reference/evidence/:upload", access: .forceToken, described: OpenAPIDocument.fetchEvidence) {
                request, context in await self.fetchEvidence(request, context)
            },
            Route(.post, "/v1/forces/:force/messages/status", described: OpenAPIDocument.messageStatus) { request, context in
                await self.messageStatus(request, context)
            },
            Route(.get, "/v1/forces/:force/audit", access: .forceToken, described: OpenAPIDocument.audit) { request, context in await self.auditLog(request, context) },
            Route(.get, "/v1/postcodes/:postcode", limited: true, cors: .anyOrigin, described: OpenAPIDocument.postcode) { request, context in
                await self.postcode(request, context)
            },
            Route(.get, "/v1/find-force", limited: true, described: OpenAPIDocument.findForce) { request, context in await self.findForce(request, context) },
        ]
    }

    /// A method and path template (`:name` a parameter), what it shares with other routes, and
    /// what answers it.
    struct Route: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var access: Access
        /// Taken from the client address's rate limit before anything else.
        var limited: Bool
        var cors: CrossOrigin
        /// How the API's description (`/v1/openapi.json`) shows it; what it shares is added.
        var described: @Sendable (APICatalog) throws -> OpenAPIDocument.Described
        var handler: @Sendable (Request, APIContext) async -> Response

        init(_ method: HTTPRequest.Method, _ path: String, access: Access = .anyone, limited: Bool = false, cors: CrossOrigin = .none,
             described: @escaping @Sendable (APICatalog) throws -> OpenAPIDocument.Described,
             _ handler: @escaping @Sendable (Request, APIContext) async -> Response) {
            (self.method, self.path, self.access, self.limited, self.cors) = (method, path, access, limited, cors)
            (self.described, self.handler) = (described, handler)
        }
    }

    /// Who may call a route.
    enum Access: Sendable {
        case anyone
        /// The force in the path, with its bearer token, within its reads a minute; a read is
        /// refused before its handler runs, and the handler may take the force as checked.
        case forceToken
    }

    /// Which sites' scripts may read a route's answers.
    enum CrossOrigin: Sendable {
        case none
        /// Any (public data).
        case anyOrigin
        /// The sites of the force in the path (and the previews), named in `Origin`.
        case forceSites
    }

    public func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        let routes = routes
        router.add(middleware: SecurityHeaders())
        router.add(middleware: UnroutedRequests(routes: routes.map { ($0.method, $0.path) }))
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { request, context in await self.respond(route, request, context) }
        }
        return router
    }

    /// What every route shares, around its handler: the refusals that come first (too many
    /// requests from the address, a read without the force's token), then the cross-origin
    /// headers on whatever is answered.
    func respond(_ route: Route, _ request: Request, _ context: APIContext) async -> Response {
        var response: Response
        if let refusal = await admission(route, request, context) {
            response = refusal
        } else {
            response = await route.handler(request, context)
        }
        switch route.cors {
        case .none: break
        case .anyOrigin: response.headers[.accessControlAllowOrigin] = "*"
        case .forceSites:
            // Not for a force or form that is not there: nothing to read.
            if response.status != .notFound, let origin = request.headers[.origin],
               catalog.allowsOrigin(origin, for: context.parameters.get("force") ?? "") {
                response.headers[.accessControlAllowOrigin] = origin
                response.headers[.vary] = "Origin"
            }
        }
        return response
    }

    /// Nil when the request may go on to its route's handler; else the answer.
    func admission(_ route: Route, _ request: Request, _ context: APIContext) async -> Response? {
        if route.limited, let wait = await limiter.take(client(request, context)) {
            return Self.error(.tooManyRequests, "too many requests from this address; try again in \(wait) seconds", headers: [.retryAfter: String(wait)])
        }
        if route.access == .forceToken {
            let force = context.parameters.get("force") ?? ""
            guard catalog.forces[force] != nil else { return Self.error(.notFound, "unknown force") }
            return await refusal(request, context, force: force)
        }
        return nil
    }

    /// The address a client is limited by (see `ClientAddress`).
    func client(_ request: Request, _ context: APIContext) -> String {
        options.clientAddress.key(peer: context.remoteAddress?.ipAddress, headers: request.headers)
    }

    // MARK: Helpers

    /// A store operation, given up after `options.storeSeconds`: a database that does not answer
    /// (restarting, failing over) gets the client a 503 with Retry-After, not a request held open.
    /// An operation given up on may still commit: a client retrying with its idempotency key then
    /// gets the same reference.
    func bounded<T: Sendable>(seconds: Double? = nil, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await TimeLimit.within(seconds ?? options.storeSeconds, operation, check: { [store] in await store.unreachable() })
    }

    func log(_ level: Logger.Level, _ message: String, _ force: String, _ form: String, status: Int, reference: String? = nil) {
        // No personal data: which force, which form, the outcome and the reference only.
        var metadata: Logger.Metadata = ["force": .string(force), "form": .string(form), "status": .stringConvertible(status)]
        if let reference { metadata["reference"] = .string(reference) }
        logger.log(level: level, "\(message)", metadata: metadata)
    }

    /// The answers as stored: sorted keys, so the same answers give the same text (and digest).
    static func canonicalJSON(_ answers: [String: Answer]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(answers), as: UTF8.self)
    }

    static func encode(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        guard let data = try? encoder.encode(value) else {
            // Never a success with nothing in it: what cannot be written is the server's fault.
            return Response(status: .internalServerError, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: #"{"error":"the response could not be written"}"#)))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        // Every 503 says when to try again (docs/api.md).
        if status == .serviceUnavailable, headers[.retryAfter] == nil { headers[.retryAfter] = "5" }
        return encode(status, ["error": message], headers: headers)
    }

    /// Answers this instance's keys cannot open: a fault of its keys file, which waiting does
    /// not mend, so 500 rather than 503; the log says which key is missing.
    func cannotOpen(_ error: AnswerKeys.CannotOpen, force: String) -> Response {
        logger.error("\(error)", metadata: ["force": .string(force)])
        return Self.error(.internalServerError, "a submission's answers cannot be opened with this instance's keys; the service's operators have been told in its log")
    }

    static func unauthorised() -> Response {
        error(.unauthorized, "a bearer token for this force is needed", headers: [.wwwAuthenticate: "Bearer"])
    }

    public static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let c), DecodingError.dataCorrupted(let c), DecodingError.valueNotFound(_, let c):
            "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: "not valid JSON"
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.lowercased().utf8)
        guard chars.count == 64 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: 64, by: 2) {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }
}
