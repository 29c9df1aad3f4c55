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

    public init(catalog: APICatalog, store: SubmissionStore, tokenHashes: [String: String], options: Options = Options(), logger: Logger,
                deliveries: DeliveryConfig = DeliveryConfig(), onStored: @escaping @Sendable () -> Void = {},
                metrics: (@Sendable () -> String)? = nil) {
        self.metrics = metrics
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

    /// The deliveries of a new report (docs/routing.md): to the force it was made to; or, when
    /// it is about another force's area, the report to the owning force and a notice to the other.
    func destinations(_ force: String, _ form: String, routing: ReportRouting? = nil) -> [DeliveryTarget] {
        let own = deliveries.destinations(force: force, form: form).map { DeliveryTarget(destination: $0.name) }
        guard let routing else { return own }
        switch routing.action {
        case .transfer:
            let owner = deliveries.destinations(force: routing.areaForce, form: form)
            // A force that takes no deliveries here reads its reports through the API; the force
            // it was made to then gets the report too, so that it reaches someone's system.
            let notices = owner.isEmpty ? own : deliveries.noticeDestinations(force: force, form: form).map {
                DeliveryTarget(destination: $0.name, notice: true)
            }
            return owner.map { DeliveryTarget(force: routing.areaForce, destination: $0.name) } + notices
        case .notify:
            // The force it was made to acts first: the other force's deliveries wait for its own.
            return own + deliveries.noticeDestinations(force: routing.areaForce, form: form).map {
                DeliveryTarget(force: routing.areaForce, destination: $0.name, held: !own.isEmpty)
            }
        }
    }

    /// The 201 body: the reference, and when the report is about another force's area, that
    /// force and the one dealing with it (decided here, from the answers).
    static func receipt(_ stored: StoredSubmission) -> [String: String] {
        var body = ["reference": stored.reference, "receivedAt": stored.receivedAt]
        if let routing = stored.routing {
            body["areaForce"] = routing.areaForce
            body["owningForce"] = routing.owningForce
        }
        return body
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    /// Every route of the API: the router is made from this table, and so is the answer to a
    /// method a path does not take (405 with `Allow`).
    var routes: [Route] {
        [
            Route(.get, "/healthz") { _, _ in await self.health() },
            Route(.get, "/readyz") { _, _ in await self.ready() },
            Route(.get, "/metrics") { _, _ in await self.exportMetrics() },
            Route(.get, "/v1/openapi.json") { _, _ in self.openAPI() },
            Route(.options, "/v1/forces/:force/forms/:form/submissions") { request, context in self.preflight(request, context) },
            Route(.post, "/v1/forces/:force/forms/:form/submissions") { request, context in await self.submit(request, context) },
            Route(.get, "/v1/forces/:force/submissions") { request, context in await self.list(request, context) },
            Route(.get, "/v1/forces/:force/submissions/:reference") { request, context in await self.one(request, context) },
            Route(.get, "/v1/forces/:force/audit") { request, context in await self.auditLog(request, context) },
            Route(.get, "/v1/postcodes/:postcode") { request, context in await self.postcode(request, context) },
            Route(.get, "/v1/find-force") { request, context in await self.findForce(request, context) },
        ]
    }

    /// A method and path template (`:name` a parameter) and what answers it.
    struct Route: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var handler: @Sendable (Request, APIContext) async -> Response

        init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, APIContext) async -> Response) {
            (self.method, self.path, self.handler) = (method, path, handler)
        }
    }

    public func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        let routes = routes
        router.add(middleware: SecurityHeaders())
        router.add(middleware: UnroutedRequests(routes: routes.map { ($0.method, $0.path) }))
        for route in routes {
            let handler = route.handler
            router.on(RouterPath(route.path), method: route.method) { request, context in await handler(request, context) }
        }
        return router
    }

    func openAPI() -> Response {
        let document: Data
        do { document = try OpenAPIDocument.make(catalog) } catch {
            logger.error("the OpenAPI document could not be written: \(error)")
            return Self.error(.internalServerError, "the OpenAPI document could not be written")
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: document)))
    }

    // MARK: Health

    struct Health: Encodable {
        var status = "ok"
        /// "ok", or "unreachable" when the database did not answer within 2 s.
        var database: String
        /// Deliveries waiting, dead, and how long the oldest waiting one has waited (seconds);
        /// absent when the database does not answer.
        var deliveries: Queue?
        struct Queue: Encodable { var pending: Int, dead: Int, oldestPendingSeconds: Int? }
    }

    /// Alive (the liveness check): 200 whenever the process serves, so a database outage does
    /// not get every instance restarted. Says whether the database answers and how the delivery
    /// queue stands, so a monitor sees a backlog growing or dead deliveries before anyone misses
    /// a report. `/readyz` is the check that takes an instance out of the load balancer.
    func health() async -> Response {
        do {
            let queue = try await bounded(seconds: 2) { try await store.queueDepth() }
            let oldest = queue.oldestPending.map { Int(Date().timeIntervalSince($0)) }
            return Self.encode(.ok, Health(database: "ok", deliveries: .init(pending: queue.pending, dead: queue.dead, oldestPendingSeconds: oldest)))
        } catch {
            logger.error("health check: the database does not answer: \(type(of: store).describe(error))")
            return Self.encode(.ok, Health(database: "unreachable"))
        }
    }

    /// Whether a load balancer should send requests here: the database answers and has every
    /// migration this version needs, and the process is not draining before it stops.
    func ready() async -> Response {
        if readiness.isDraining { return Self.error(.serviceUnavailable, "draining: this instance is stopping") }
        do {
            let pending = try await bounded(seconds: 2) { try await store.pendingMigrations() }
            guard pending.isEmpty else {
                return Self.error(.serviceUnavailable, "the database lacks migrations: \(pending.joined(separator: ", ")) (run soh api migrate)")
            }
        } catch {
            return Self.error(.serviceUnavailable, "the database does not answer")
        }
        return Self.encode(.ok, ["status": "ready"])
    }

    /// The Prometheus text format: the delivery queue (read now), attempts by outcome and the
    /// submit-to-delivered histogram.
    func exportMetrics() async -> Response {
        guard let metrics else { return Self.error(.notFound, "metrics are not exported by this server") }
        do {
            let queue = try await bounded { try await store.queueDepth() }
            DeliveryMetrics.queue(pending: queue.pending, dead: queue.dead,
                                  oldestPendingSeconds: queue.oldestPending.map { Int(Date().timeIntervalSince($0)) },
                                  oldestUndeliveredSeconds: queue.oldestUndelivered.map { Int(Date().timeIntervalSince($0)) })
        } catch {
            return Self.error(.serviceUnavailable, "the database does not answer")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: metrics())))
    }

    // MARK: Posting

    func preflight(_ request: Request, _ context: APIContext) -> Response {
        guard let force = context.parameters.get("force"), let site = catalog.forces[force] else {
            return Self.error(.notFound, "unknown force")
        }
        // What the POST would answer 404 is refused here too.
        let form = context.parameters.get("form") ?? ""
        guard catalog.forms[form] != nil, !site.unavailableForms.contains(form) else {
            return Self.error(.notFound, "force '\(force)' has no form '\(Escape.line(form, limit: 60))'")
        }
        guard let origin = request.headers[.origin], catalog.allowsOrigin(origin, for: force) else {
            return Self.error(.forbidden, "this origin may not post to this force")
        }
        var headers = Self.cors(origin)
        headers[.accessControlAllowMethods] = "POST"
        headers[.accessControlAllowHeaders] = "Content-Type, Idempotency-Key, Accept"
        headers[.accessControlMaxAge] = "600"
        return Response(status: .noContent, headers: headers)
    }

    func submit(_ request: Request, _ context: APIContext) async -> Response {
        let forceID = context.parameters.get("force") ?? "", formID = context.parameters.get("form") ?? ""
        guard let force = catalog.forces[forceID] else { return Self.error(.notFound, "unknown force '\(forceID)'") }
        guard let form = catalog.forms[formID], !force.unavailableForms.contains(formID) else {
            return Self.error(.notFound, "force '\(forceID)' has no form '\(formID)'")
        }
        let origin = request.headers[.origin]
        if let origin, !catalog.allowsOrigin(origin, for: forceID) {
            log(.notice, "refused origin", forceID, formID, status: 403)
            return Self.error(.forbidden, "this origin may not post to this force")
        }
        var cors = origin.map(Self.cors) ?? HTTPFields()
        if let wait = await limiter.take(client(request, context)) {
            cors[.retryAfter] = String(wait)
            return Self.error(.tooManyRequests, "too many submissions from this address; try again in \(wait) seconds", headers: cors)
        }
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard type == "application/json" || type == "application/x-www-form-urlencoded" else {
            return Self.error(.unsupportedMediaType, "send application/json or application/x-www-form-urlencoded", headers: cors)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: options.maxBody)
        } catch {
            return Self.error(.contentTooLarge, "the submission is larger than \(options.maxBody) bytes", headers: cors)
        }
        if type == "application/json" {
            return await submitJSON(body, request: request, force: force, form: form, cors: cors)
        }
        // A local preview's own origin gets the confirmation page of the preview, not the live site.
        let site = origin.flatMap { catalog.previewOrigins.contains($0) ? $0 : nil } ?? force.baseURL
        return await submitFields(body, force: force, form: form, site: site)
    }

    struct Payload: Decodable {
        var form: String
        var version: Int
        var language: String?
        var answers: [String: Answer]
        var startedAt: String?
        var submittedAt: String?
    }

    func submitJSON(_ body: ByteBuffer, request: Request, force: APICatalog.Force, form: FormDefinition, cors: HTTPFields) async -> Response {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(buffer: body))
        } catch {
            return Self.error(.badRequest, "the body is not a submission: \(Self.describe(error))", headers: cors)
        }
        guard payload.form == form.id else { return Self.error(.badRequest, "the body is for form '\(payload.form)', not '\(form.id)'", headers: cors) }
        guard payload.version == form.version else {
            return Self.error(.conflict, "this form has changed (version \(form.version)); reload the page to continue", headers: cors)
        }
        for (name, value) in [("startedAt", payload.startedAt), ("submittedAt", payload.submittedAt)] {
            if let value, !StoreTime.isTimestamp(value) {
                return Self.error(.badRequest, "'\(name)' is not a time (ISO 8601 with its zone, e.g. 2026-11-26T10:12:00Z)", headers: cors)
            }
        }
        let language = payload.language.flatMap { force.languages.contains($0) ? $0 : nil } ?? "en"
        let key = request.headers[Self.idempotencyKey]
        if let key, key.count > 200 { return Self.error(.badRequest, "the Idempotency-Key is too long", headers: cors) }
        let errors = FormValidator.validate(form, answers: payload.answers, options: .init(today: CalendarDate.today(), language: language))
        if !errors.isEmpty {
            log(.info, "invalid submission", force.id, form.id, status: 422)
            return Self.encode(.unprocessableContent, ["errors": errors], headers: cors)
        }
        // From the answers alone: nothing else in the request can move a report.
        let routing = ReportRouting.decide(form, answers: payload.answers, receivedBy: force.id, areas: catalog.areas)
        do {
            let new = NewSubmission(
                force: force.id, code: force.code, form: form.id, version: form.version, language: language,
                answers: try Self.canonicalJSON(Answer.stored(payload.answers)), startedAt: payload.startedAt, submittedAt: payload.submittedAt,
                idempotencyKey: key, destinations: destinations(force.id, form.id, routing: routing), routing: routing)
            let outcome = try await bounded { try await store.store(new) }
            switch outcome {
            case .created(let stored), .replayed(let stored):
                let created = if case .created = outcome { true } else { false }
                if created { self.stored() }
                log(.info, created ? "submission stored" : "idempotent replay", force.id, form.id, status: 201, reference: stored.reference)
                return Self.encode(.created, Self.receipt(stored), headers: cors)
            case .keyReused:
                // As the IETF Idempotency-Key draft advises: 422, and nothing stored or acknowledged.
                log(.notice, "idempotency key reused for other content", force.id, form.id, status: 422)
                return Self.encode(.unprocessableContent, [
                    "code": "idempotencyKeyReused",
                    "error": "this Idempotency-Key was already used for a different submission; send it again with a new key",
                ], headers: cors)
            }
        } catch {
            log(.error, "storage failed: \(type(of: store).describe(error))", force.id, form.id, status: 503)
            var headers = cors
            headers[.retryAfter] = "5"
            return Self.error(.serviceUnavailable, "the submission could not be stored; try again", headers: headers)
        }
    }

    func submitFields(_ body: ByteBuffer, force: APICatalog.Force, form: FormDefinition, site: String) async -> Response {
        let fields = FormFields.decode(String(buffer: body))
        let language = fields.last { $0.0 == "_language" }.map(\.1).flatMap { force.languages.contains($0) ? $0 : nil } ?? "en"
        let confirmation = site + (catalog.confirmationPaths[form.id]?[language] ?? "/")
        // Bots fill the hidden field; they are sent on as if it worked, and nothing is stored.
        if let trap = fields.last(where: { $0.0 == "_website" }), !trap.1.isEmpty {
            log(.notice, "honeypot filled: discarded", force.id, form.id, status: 303)
            return Response(status: .seeOther, headers: [.location: confirmation])
        }
        let today = CalendarDate.today()
        let answers = FormFields.keepAsked(FormFields.answers(fields, form: form), form: form, today: today)
        let errors = FormValidator.validate(form, answers: answers, options: .init(today: today, language: language))
        if !errors.isEmpty {
            log(.info, "invalid submission", force.id, form.id, status: 422)
            let formURL = site + (catalog.confirmationPaths[form.id]?[language].map { String($0.dropLast("confirmation/".count)) } ?? "/")
            return ErrorPage.response(.unprocessableContent, language: language, form: form, messages: errors.map(\.message), back: formURL)
        }
        do {
            // A form post has no idempotency key, so it is always stored anew.
            let routing = ReportRouting.decide(form, answers: answers, receivedBy: force.id, areas: catalog.areas)
            let new = NewSubmission(
                force: force.id, code: force.code, form: form.id, version: form.version, language: language,
                answers: try Self.canonicalJSON(Answer.stored(answers)), destinations: destinations(force.id, form.id, routing: routing), routing: routing)
            let outcome = try await bounded { try await store.store(new) }
            guard case .created(let stored) = outcome else { throw StoreError.notStored }
            self.stored()
            log(.info, "submission stored", force.id, form.id, status: 303, reference: stored.reference)
            // The confirmation page shows the note for the force whose area it was (`:target`).
            let note = routing.map { "#area-force-\($0.areaForce)" } ?? ""
            return Response(status: .seeOther, headers: [.location: "\(confirmation)?reference=\(stored.reference)\(note)"])
        } catch {
            log(.error, "storage failed: \(type(of: store).describe(error))", force.id, form.id, status: 503)
            return ErrorPage.response(.serviceUnavailable, language: language, form: form, messages: [
                language == "cy" ? "Nid oedd modd cadw eich atebion. Ewch yn ôl a rhowch gynnig arall arni." : "Your answers could not be saved. Go back and try again.",
            ], back: force.baseURL)
        }
    }

    // MARK: Finding a force (docs/routing.md)

    /// `GET /v1/postcodes/{postcode}`: the force whose area a postcode is in, from the index
    /// `soh areas import` made. Public data (the ONS Postcode Directory), so any origin may ask.
    func postcode(_ request: Request, _ context: APIContext) async -> Response {
        let headers: HTTPFields = [.accessControlAllowOrigin: "*"]
        if let wait = await limiter.take(client(request, context)) {
            return Self.error(.tooManyRequests, "too many requests from this address; try again in \(wait) seconds", headers: [.retryAfter: String(wait), .accessControlAllowOrigin: "*"])
        }
        let raw = context.parameters.get("postcode") ?? ""
        let asked = raw.removingPercentEncoding ?? raw
        guard let postcodes = catalog.postcodes else {
            return Self.error(.notFound, "postcode lookup is not set up on this server (soh areas import)", headers: headers)
        }
        guard let normalised = PostcodeIndex.normalised(asked) else {
            return Self.error(.badRequest, "that is not a postcode (for example CF10 1AA)", headers: headers)
        }
        guard let force = postcodes.force(for: normalised) else {
            return Self.error(.notFound, "no police area in England and Wales has this postcode", headers: headers)
        }
        // As find-force answers (an index naming an unknown force is refused at start).
        guard let known = catalog.forces[force] else {
            return Self.error(.notFound, "the force for that postcode has no site here", headers: headers)
        }
        let body = ["postcode": PostcodeIndex.display(normalised), "force": force, "name": known.names["en"] ?? force, "site": known.baseURL]
        return Self.encode(.ok, body, headers: headers)
    }

    /// `GET /v1/find-force?area=…|postcode=…[&service=…][&language=cy]`: the national site's
    /// finders send the person here, with or without JavaScript, and are sent on (303) to the
    /// force for that place: to its form of the service (or the service's page, when the force
    /// does not take it online), or without a service to its entry on "find your force".
    func findForce(_ request: Request, _ context: APIContext) async -> Response {
        if let wait = await limiter.take(client(request, context)) {
            return Self.error(.tooManyRequests, "too many requests from this address; try again in \(wait) seconds", headers: [.retryAfter: String(wait)])
        }
        // As a browser sends a form by GET: a space is a '+'.
        let parameters = request.uri.queryParameters
        var query: [String: String] = [:]
        for key in ["area", "postcode", "service", "language"] {
            query[key] = parameters[Substring(key)].map { String($0).replacingOccurrences(of: "+", with: " ") }
        }
        let language = query["language"] == "cy" ? "cy" : "en"
        let service = query["service"]
        let national = (catalog.nationalURL ?? "") + (language == "cy" ? "/cy" : "") + "/find-your-force/"
        var force: String?
        if let area = query["area"], !area.isEmpty {
            force = catalog.areas?.area(area)?.force
            guard force != nil else { return Self.error(.badRequest, "'\(String(area.prefix(60)))' is not an area of data/police-areas.yml") }
        } else if let asked = query["postcode"], !asked.allSatisfy(\.isWhitespace) {
            force = PostcodeIndex.normalised(asked).flatMap { catalog.postcodes?.force(for: $0) }
            // Back to the finder, which says so (its #postcode-not-found note).
            guard force != nil else { return Response(status: .seeOther, headers: [.location: national + "#postcode-not-found"]) }
        } else {
            // Sent with nothing chosen: back to the finder, whose #area-not-chosen note says what to do.
            return Response(status: .seeOther, headers: [.location: national + "#area-not-chosen"])
        }
        guard let id = force, let site = catalog.forces[id] else {
            return Self.error(.notFound, "the force for that area has no site here")
        }
        guard let service else {
            return Response(status: .seeOther, headers: [.location: national + "#force-\(id)"])
        }
        guard let pages = catalog.servicePages[service] else { return Self.error(.badRequest, "unknown service '\(String(service.prefix(60)))'") }
        // The force's page in the person's language when it publishes one, else in English.
        let page = site.languages.contains(language) ? pages[language] ?? pages["en"] ?? "/" : pages["en"] ?? "/"
        let takesIt = catalog.serviceForms[service].map { !site.unavailableForms.contains($0) } ?? false
        return Response(status: .seeOther, headers: [.location: site.baseURL + page + (takesIt ? "form/" : "")])
    }

    // MARK: Reading back

    /// The address a client is limited by (see `ClientAddress`).
    func client(_ request: Request, _ context: APIContext) -> String {
        options.clientAddress.key(peer: context.remoteAddress?.ipAddress, headers: request.headers)
    }

    /// Nil when the request carries this force's token and the force has reads left this
    /// minute; else the answer: 401, or 429 once the address has failed too many token checks
    /// (a token is not guessed by trying) or the force has read too much.
    func refusal(_ request: Request, _ context: APIContext, force: String) async -> Response? {
        let client = client(request, context)
        if let wait = await tokenFailures.check(client) { return Self.tooManyFailures(wait) }
        if authorised(request, force: force) {
            guard let wait = await reads.take(force) else { return nil }
            logger.notice("read limit reached", metadata: ["force": .string(force)])
            return Self.error(.tooManyRequests, "too many reads for this force; try again in \(wait) seconds", headers: [.retryAfter: String(wait)])
        }
        logger.notice("token check failed", metadata: ["force": .string(force)])
        if let wait = await tokenFailures.take(client) { return Self.tooManyFailures(wait) }
        return Self.unauthorised()
    }

    static func tooManyFailures(_ wait: Int) -> Response {
        error(.tooManyRequests, "too many failed token checks from this address; try again in \(wait) seconds", headers: [.retryAfter: String(wait)])
    }

    func authorised(_ request: Request, force: String) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let expected = tokens[force] else { return false }
        let given = Array(SHA256.hash(data: Data(header.dropFirst(7).utf8)))
        // Constant time: compare every byte whatever the first difference.
        return given.count == expected.count && zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    func list(_ request: Request, _ context: APIContext) async -> Response {
        let force = context.parameters.get("force") ?? ""
        guard catalog.forces[force] != nil else { return Self.error(.notFound, "unknown force") }
        if let refusal = await refusal(request, context, force: force) { return refusal }
        let page: Paging
        do throws(Paging.Refused) { page = try Paging(request.uri.queryParameters, defaultLimit: 50, maxLimit: 200, since: true) } catch {
            return Self.error(.badRequest, error.message)
        }
        do {
            let rows = try await bounded { try await store.list(force: force, since: page.since, after: page.after, limit: page.limit) }
            let next: String? = rows.count == page.limit ? rows.last.map { String($0.id) } : nil
            // Every delivery of exactly these reports, however many the force has.
            let receipts = try await bounded { try await store.deliveries(ofSubmissions: rows.map(\.id)) }
            let page = SubmissionPage(submissions: try rows.map { try SubmissionOut($0, deliveries: receipts, reader: force) }, next: next)
            // Nothing is shown that the audit log does not record.
            try await record(request, context, "list", force: force, target: rows.isEmpty ? "no submissions" : rows.map(\.reference).joined(separator: " "))
            return Self.encode(.ok, page)
        } catch let error as AnswerKeys.CannotOpen {
            return cannotOpen(error, force: force)
        } catch {
            logger.error("reading submissions failed: \(error)", metadata: ["force": .string(force)])
            return Self.error(.serviceUnavailable, "could not read submissions")
        }
    }

    func one(_ request: Request, _ context: APIContext) async -> Response {
        let force = context.parameters.get("force") ?? "", reference = context.parameters.get("reference") ?? ""
        guard catalog.forces[force] != nil else { return Self.error(.notFound, "unknown force") }
        if let refusal = await refusal(request, context, force: force) { return refusal }
        do {
            // A database that cannot be read is not "no such submission".
            guard let row = try await bounded({ try await store.get(force: force, reference: reference) }) else {
                // What was asked goes into the log escaped, on one line (operators read it in a terminal).
                let asked = Escape.line(reference, limit: 40)
                try await record(request, context, "read", force: force, target: "\(asked) (no such submission)")
                return Self.error(.notFound, "no such submission")
            }
            let deliveries = try await bounded { try await store.deliveries(reference: row.reference) }
            let out = try SubmissionOut(row, deliveries: deliveries, reader: force)
            try await record(request, context, "read", force: force, target: row.reference)
            return Self.encode(.ok, out)
        } catch let error as AnswerKeys.CannotOpen {
            return cannotOpen(error, force: force)
        } catch {
            logger.error("reading a submission failed: \(error)", metadata: ["force": .string(force)])
            return Self.error(.serviceUnavailable, "could not read the submission")
        }
    }

    /// Appends what a force's token read to the audit log; throws (and the read is refused)
    /// when it cannot be recorded.
    func record(_ request: Request, _ context: APIContext, _ action: String, force: String, target: String) async throws {
        let actor = tokens[force].map { AuditLog.tokenID(force: force, hash: $0) } ?? force
        let entry = AuditLog.Entry(actor: actor, action: action, force: force, target: target, address: client(request, context))
        try await bounded { try await store.audit(entry, now: Date()) }
    }

    /// `GET /v1/forces/{force}/audit`: the force's entries of the audit log, oldest first.
    func auditLog(_ request: Request, _ context: APIContext) async -> Response {
        let force = context.parameters.get("force") ?? ""
        guard catalog.forces[force] != nil else { return Self.error(.notFound, "unknown force") }
        if let refusal = await refusal(request, context, force: force) { return refusal }
        let page: Paging
        do throws(Paging.Refused) { page = try Paging(request.uri.queryParameters, defaultLimit: 100, maxLimit: 1000, since: false) } catch {
            return Self.error(.badRequest, error.message)
        }
        do {
            let records = try await bounded { try await store.auditRecords(force: force, after: page.after, limit: page.limit) }
            return Self.encode(.ok, AuditPage(entries: records, next: records.count == page.limit ? records.last.map { String($0.id) } : nil))
        } catch {
            logger.error("reading the audit log failed: \(error)", metadata: ["force": .string(force)])
            return Self.error(.serviceUnavailable, "could not read the audit log")
        }
    }

    struct AuditPage: Encodable {
        var entries: [AuditLog.Record]
        var next: String?
        enum Key: String, CodingKey { case entries, next }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(entries, forKey: .entries)
            try c.encode(next, forKey: .next)
        }
    }

    struct SubmissionPage: Encodable {
        var submissions: [SubmissionOut]
        /// The cursor of the next page; `null` (written out, as documented) at the end.
        var next: String?

        enum Key: String, CodingKey { case submissions, next }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(submissions, forKey: .submissions)
            try c.encode(next, forKey: .next)
        }
    }

    /// A submission as a force reads it back (the API and `soh submissions export`, whose lines
    /// `soh submissions import` reads).
    public struct SubmissionOut: Codable, Sendable {
        var reference: String
        /// The force the report was made to (whose reference it carries), whichever force reads
        /// it: an import keeps it, so a report about another force's area stays as it was.
        var force: String?
        var form: String, version: Int, language: String, receivedAt: String
        var startedAt: String?, submittedAt: String?
        var answers: [String: Answer]
        /// When the answers were purged under the retention rules (docs/privacy.md): `answers`
        /// is then empty, and the rest is as it was.
        var purgedAt: String?
        /// Where it was delivered: each destination's state, attempts and the force's own reference.
        var deliveries: [Receipt]?
        /// Set when it is about another force's area: who received it, who owns it, and what
        /// the reading force is to it (docs/routing.md).
        var routing: Routing?
        /// True when the answers are another force's to read: the force a report was made to
        /// and transferred sees the transfer, not the answers.
        var answersWithheld: Bool?

        public struct Receipt: Codable, Sendable {
            /// The delivery's id, sent with every attempt (receivers de-duplicate on it).
            var id: String
            var destination: String, state: String, attempts: Int
            var forceReference: String?, lastError: String?
            /// The force whose destination it is, when not the one the report was made to.
            var force: String?
            /// A transfer notice rather than the report.
            var notice: Bool?
            /// Waiting until the delivery to the force the report was made to has ended (a
            /// missing person report about another force's area): never sent before.
            var held: Bool?
        }

        public struct Routing: Codable, Sendable {
            var receivedBy: String, owningForce: String, areaForce: String, area: String, areaName: String
            var action: String, role: String?, reason: String
        }

        /// Throws when the stored answers cannot be read: never shown as an empty set. `reader`
        /// is the force whose token reads it (nil for an operator's export: everything).
        public init(_ s: StoredSubmission, deliveries: [DeliveryStatus]? = nil, reader: String? = nil) throws {
            reference = s.reference; force = s.force; form = s.form; version = s.version; language = s.language; receivedAt = s.receivedAt
            startedAt = s.startedAt; submittedAt = s.submittedAt; purgedAt = s.purgedAt
            let withheld = reader != nil && s.routing.map { $0.action == .transfer && $0.receivedBy == reader } == true
            answers = s.purgedAt == nil && !withheld ? try JSONDecoder().decode([String: Answer].self, from: Data(s.answers.utf8)) : [:]
            answersWithheld = withheld ? true : nil
            routing = s.routing.map {
                Routing(receivedBy: $0.receivedBy, owningForce: $0.owningForce, areaForce: $0.areaForce, area: $0.area, areaName: $0.areaName,
                        action: $0.action.rawValue, role: reader.map($0.role(of:)), reason: $0.reason)
            }
            self.deliveries = deliveries?.filter { $0.reference == s.reference }.sorted { ($0.toForce ?? "", $0.destination) < ($1.toForce ?? "", $1.destination) }.map {
                // Another force's deliveries: whether they arrived and its reference, not its systems' errors.
                let own = reader == nil || ($0.toForce ?? s.force) == reader
                return Receipt(id: $0.id, destination: $0.destination, state: $0.state.shown, attempts: $0.attempts, forceReference: $0.forceReference,
                               lastError: $0.state == .delivered || !own ? nil : $0.lastError, force: $0.toForce,
                               notice: $0.kind == .notice ? true : nil, held: $0.state == .held ? true : nil)
            }
        }

        /// The submission for another database, as exported for `force`: made to that force or
        /// about its area (else `Refused`). An export from before the force was written carries
        /// it in its routing, or was made to `force`. Times are checked and stored in one form.
        public func imported(force: String) throws -> ImportedSubmission {
            let receivedBy = self.force ?? routing?.receivedBy ?? force
            guard receivedBy == force || routing?.areaForce == force else {
                throw Refused(message: "\(reference) was made to \(receivedBy), not to \(force) or about its area")
            }
            guard Identifier.isValid(receivedBy) else { throw Refused(message: "'\(Escape.line(receivedBy, limit: 60))' is not a force id") }
            guard let received = StoreTime.normalised(receivedAt) else {
                throw Refused(message: "receivedAt '\(Escape.line(receivedAt, limit: 60))' is not a time in ISO 8601 with its zone")
            }
            for (name, value) in [("startedAt", startedAt), ("submittedAt", submittedAt), ("purgedAt", purgedAt)] {
                if let value, StoreTime.date(value) == nil {
                    throw Refused(message: "\(name) '\(Escape.line(value, limit: 60))' is not a time in ISO 8601 with its zone")
                }
            }
            var stored = StoredSubmission(id: 0, reference: reference, force: receivedBy, form: form, version: version, language: language,
                                          answers: purgedAt == nil ? try SubmissionAPI.canonicalJSON(answers) : "", receivedAt: received,
                                          startedAt: startedAt, submittedAt: submittedAt, purgedAt: purgedAt.flatMap(StoreTime.normalised))
            stored.routing = try routing.map { r in
                guard let action = FormDefinition.Routing(rawValue: r.action) else {
                    throw Refused(message: "routing action '\(Escape.line(r.action, limit: 60))' is neither transfer nor notify")
                }
                return ReportRouting(receivedBy: receivedBy, areaForce: r.areaForce, area: r.area, areaName: r.areaName, action: action)
            }
            if let area = routing?.areaForce, !Identifier.isValid(area) {
                throw Refused(message: "routing areaForce '\(Escape.line(area, limit: 60))' is not a force id")
            }
            return ImportedSubmission(submission: stored, deliveries: try (deliveries ?? []).map {
                // The id names a directory destination's file and goes into every attempt's
                // headers: only an id as the stores make them (a UUID), never a path.
                guard $0.id.count == 36, UUID(uuidString: $0.id) != nil, $0.id == $0.id.lowercased() else {
                    throw Refused(message: "delivery id '\(Escape.line($0.id, limit: 60))' is not a delivery id (a UUID, as exports write them)")
                }
                if let to = $0.force, !Identifier.isValid(to) {
                    throw Refused(message: "delivery \($0.id): '\(Escape.line(to, limit: 60))' is not a force id")
                }
                guard let state = DeliveryState(shown: $0.state, held: $0.held) else {
                    throw Refused(message: "delivery \($0.id): the state '\(Escape.line($0.state, limit: 60))' is not pending, delivered or dead")
                }
                return DeliveryStatus(id: $0.id, reference: reference, force: receivedBy, form: form, destination: $0.destination, state: state,
                                      attempts: $0.attempts, forceReference: $0.forceReference, lastError: $0.lastError, toForce: $0.force,
                                      kind: $0.notice == true ? .notice : .report)
            })
        }

        /// A line of an export that cannot be imported as it is.
        public struct Refused: Error, CustomStringConvertible {
            public var message: String
            public var description: String { message }
        }
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

    static func cors(_ origin: String) -> HTTPFields {
        [.accessControlAllowOrigin: origin, .vary: "Origin"]
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

/// Whether this instance should be sent requests; false from SIGTERM while it drains.
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func startDraining() { draining.store(true, ordering: .relaxed) }
}
