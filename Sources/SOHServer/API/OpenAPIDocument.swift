import Foundation
import HTTPTypes
import OpenAPIKit
import SOHForms
import SOHModel

/// `GET /v1/openapi.json`: the API in OpenAPI 3.1, made from the route table. Each route says
/// how it is described (`SubmissionAPI.Route.described`); what it shares with others adds the
/// rest (a force's token: the bearer scheme and its refusals; the rate limit: 429). Each form's
/// answers are a schema generated from its definition.
enum OpenAPIDocument {
    /// The operations a route is described by, each at the path the document shows it under (a
    /// route that takes every form is one operation per form).
    typealias Described = [(path: String, operation: OpenAPI.Operation)]

    static func make(_ catalog: APICatalog, routes: [SubmissionAPI.Route]) throws -> Data {
        var items: [String: OpenAPI.PathItem] = [:]
        for route in routes {
            for (path, described) in try route.described(catalog) {
                var operation = described
                // Status codes as keys: an integer alone would be taken for a position.
                let (unauthorised, notFound, tooMany): (OpenAPI.Response.StatusCode, OpenAPI.Response.StatusCode, OpenAPI.Response.StatusCode) = (401, 404, 429)
                if route.access == .forceToken {
                    operation.security = [[.component(named: "bearer"): []]]
                    operation.responses[unauthorised] = error("No token, or not this force's")
                    if operation.responses[notFound] == nil { operation.responses[notFound] = error("Unknown force") }
                    operation.responses[tooMany] = error("Too many failed token checks from this address, or too many reads for this force; try again after Retry-After")
                }
                if route.limited { operation.responses[tooMany] = error("Too many requests from this address; try again after Retry-After") }
                var item = items[path] ?? OpenAPI.PathItem()
                switch route.method {
                case .get: item.get = operation
                case .post: item.post = operation
                case .options: item.options = operation
                case .head: item.head = operation
                case .patch: item.patch = operation
                case .delete: item.delete = operation
                default: throw Undescribed(method: route.method)
                }
                items[path] = item
            }
        }
        var paths: OpenAPI.PathItem.Map = [:]
        for (path, item) in items.sorted(by: { $0.key < $1.key }) { paths[OpenAPI.Path(rawValue: path)] = .b(item) }
        let document = OpenAPI.Document(
            openAPIVersion: .v3_1_0, info: .init(title: "Single Online Home submission API", version: "1"), servers: [], paths: paths,
            components: .direct(schemas: schemas(catalog), securitySchemes: ["bearer": .http(scheme: "bearer")]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }

    /// A method the document has no place for.
    struct Undescribed: Error { var method: HTTPRequest.Method }

    // MARK: Operations, one function per route

    static func health(_: APICatalog) -> Described {
        let queue = JSONSchema.object(required: false, properties: [
            "pending": .integer, "dead": .integer, "oldestPendingSeconds": .integer(required: false)])
        return [("/healthz", OpenAPI.Operation(responses: [
            200: .response(description: "The process is alive (liveness); whether the database answers, and how the delivery queue stands when it does",
                           content: [.json: .content(.init(schema: .object(properties: [
                               "status": .string(allowedValues: ["ok"]), "database": .string(allowedValues: ["ok", "unreachable"]), "deliveries": queue])))]),
        ]))]
    }

    static func ready(_: APICatalog) -> Described {
        [("/readyz", OpenAPI.Operation(responses: [
            200: .response(description: "Ready: the database answers and has every migration; a load balancer may send requests here",
                           content: [.json: .content(.init(schema: .object(properties: ["status": .string(allowedValues: ["ready"])])))]),
            503: error("Not ready: draining before it stops, the database does not answer, or it lacks migrations"),
        ]))]
    }

    static func metrics(_: APICatalog) -> Described {
        [("/metrics", OpenAPI.Operation(responses: [
            200: .response(description: "Prometheus text format: soh_delivery_attempts_total{outcome}, soh_delivery_pending, soh_delivery_dead, soh_delivery_oldest_pending_seconds, soh_report_oldest_undelivered_seconds, soh_delivery_submit_to_delivered_seconds",
                           content: [.txt: .content(.init(schema: .string))]),
            404: error("Metrics are not exported by this server (tests embedding the API)"),
            503: error("The database does not answer"),
        ]))]
    }

    static func itself(_: APICatalog) -> Described {
        [("/v1/openapi.json", OpenAPI.Operation(responses: [200: .response(description: "This document")]))]
    }

    /// The forms a force takes, each with the forces that take it.
    static func forms(_ catalog: APICatalog) -> [(id: String, form: FormDefinition, takers: [String])] {
        catalog.forms.sorted { $0.key < $1.key }.compactMap { id, form in
            let takers = catalog.forces.values.filter { !$0.unavailableForms.contains(id) }.map(\.id).sorted()
            return takers.isEmpty ? nil : (id, form, takers)
        }
    }

    static func preflight(_ catalog: APICatalog) -> Described {
        forms(catalog).map { id, form, takers in
            ("/v1/forces/{force}/forms/\(id)/submissions", OpenAPI.Operation(
                summary: "CORS preflight for \(form.title.text("en"))", operationId: "preflight-\(id)", parameters: [force(takers)],
                responses: [204: .response(description: "The force's own origin (or a preview) may post"),
                            403: error("Another origin, or none"), 404: error("Unknown force")]))
        }
    }

    /// One operation per form: its own body, the forces that take it, a stored example, and a
    /// link from the 201 to reading the report back.
    static func submit(_ catalog: APICatalog) throws -> Described {
        let today = CalendarDate.today()
        return try forms(catalog).map { id, form, takers in
            let answers = try JSONDecoder().decode(AnyCodable.self, from: JSONEncoder().encode(form.exampleAnswers(force: takers.first, today: today)))
            let example = AnyCodable(["form": AnyCodable(id), "version": AnyCodable(form.version), "language": AnyCodable("en"), "answers": answers])
            var bodies: OpenAPI.Content.Map = [
                .json: .content(.init(schema: .reference(.component(named: "Submission-" + id)), example: example)),
                .form: .content(.init(schema: .object)),
            ]
            // A form with files posts them with its fields when the page's script did not run.
            if form.allQuestions.contains(where: { $0.question.type == .file }) { bodies[.multipartForm] = .content(.init(schema: .object)) }
            let read = OpenAPI.Link(operationId: "readSubmission", parameters: [
                "force": .a(OpenAPI.RuntimeExpression(rawValue: "$request.path.force")!),
                "reference": .a(OpenAPI.RuntimeExpression(rawValue: "$response.body#/reference")!),
            ], description: "The report just stored, read back with the force's token")
            return ("/v1/forces/{force}/forms/\(id)/submissions", OpenAPI.Operation(
                summary: form.title.text("en"), operationId: "submit-\(id)",
                parameters: [force(takers), .parameter(name: "Idempotency-Key", context: .header(required: false, schema: .string(maxLength: 200)))],
                requestBody: .init(content: bodies, required: true),
                responses: [
                    201: .response(description: "Stored; the same Idempotency-Key returns the same result",
                                   content: [.json: .content(.init(schema: .reference(.component(named: "Created"))))], links: ["readSubmission": .b(read)]),
                    303: .response(description: "Form post stored: redirect to the force's confirmation page"),
                    400: refusal("Malformed"), 403: refusal("The Origin is not the force's own site"),
                    404: refusal("Unknown force, or a service the force switched off"), 409: refusal("The form changed"),
                    413: refusal("Too large"), 415: error("Unsupported content type"),
                    422: refusal("Invalid answers (codes such as required, invalid, notAsked, unknown, and exit when the answers lead to a page that ends the form), or an Idempotency-Key already used for other content (nothing stored)",
                                 .one(of: [.reference(.component(named: "Invalid")), .reference(.component(named: "KeyReused"))])),
                    503: refusal("Could not be stored; try again after Retry-After"),
                ]))
        }
    }

    static func list(_ catalog: APICatalog) -> Described {
        [("/v1/forces/{force}/submissions", OpenAPI.Operation(
            summary: "A force's submissions, oldest first", operationId: "listSubmissions",
            parameters: [force(catalog.forces.keys.sorted()), .parameter(name: "since", context: .query(required: false, schema: .string(format: .dateTime))),
                         after, .parameter(name: "limit", context: .query(required: false, schema: .integer(maximum: (200, exclusive: false), minimum: (1, exclusive: false))))],
            responses: [200: response("A page of submissions and the cursor of the next", "SubmissionPage"),
                        400: error("since, after or limit not of its form or out of range"), cannotOpen.status: cannotOpen.response,
                        503: error("The database could not be read")]))]
    }

    static func one(_ catalog: APICatalog) -> Described {
        [("/v1/forces/{force}/submissions/{reference}", OpenAPI.Operation(
            summary: "One submission", operationId: "readSubmission",
            parameters: [force(catalog.forces.keys.sorted()), .parameter(name: "reference", context: .path(schema: .string))],
            responses: [200: response("The submission", "Submission"), 404: error("Unknown force, or no such submission for this force"),
                        cannotOpen.status: cannotOpen.response, 503: error("The database could not be read")]))]
    }

    static func audit(_ catalog: APICatalog) -> Described {
        [("/v1/forces/{force}/audit", OpenAPI.Operation(
            summary: "The force's entries of the audit log (every read of its reports, export, redelivery), oldest first",
            parameters: [force(catalog.forces.keys.sorted()), after,
                         .parameter(name: "limit", context: .query(required: false, schema: .integer(maximum: (1000, exclusive: false), minimum: (1, exclusive: false))))],
            responses: [200: response("A page of entries and the cursor of the next", "AuditPage"),
                        400: error("after or limit not of its form or out of range"), 503: error("The database could not be read")]))]
    }

    static func postcode(_: APICatalog) -> Described {
        [("/v1/postcodes/{postcode}", OpenAPI.Operation(
            summary: "The force whose police area a postcode is in (the index soh areas import made)",
            parameters: [.parameter(name: "postcode", context: .path(schema: .string(description: "A postcode, with spaces anywhere or none (CF10 1AA, cf101aa)")))],
            responses: [200: response("The postcode and its force", "Postcode"), 400: error("Not a postcode"),
                        404: error("Not in the index, or no index on this server")]))]
    }

    static func findForce(_ catalog: APICatalog) -> Described {
        let areas = catalog.areas?.allAreas.map { AnyCodable($0.id) } ?? []
        return [("/v1/find-force", OpenAPI.Operation(
            summary: "Sends a person to the force for an area or postcode: its form of a service, or its entry on the national site",
            parameters: [.parameter(name: "area", context: .query(required: false, schema: .string(allowedValues: areas))),
                         .parameter(name: "postcode", context: .query(required: false, schema: .string(description: "A postcode, with spaces anywhere or none"))),
                         .parameter(name: "service", context: .query(required: false, schema: .string(allowedValues: catalog.servicePages.keys.sorted().map(AnyCodable.init)))),
                         .parameter(name: "language", context: .query(required: false, schema: .string(allowedValues: ["en", "cy"])))],
            responses: [303: .response(description: "To the force's page (Location)"),
                        400: error("Neither an area nor a postcode, or an unknown area or service"),
                        404: error("The force for that place has no site here")]))]
    }

    // MARK: Pieces

    static func force(_ ids: [String]) -> Either<OpenAPI.Reference<OpenAPI.Parameter>, OpenAPI.Parameter> {
        .parameter(name: "force", context: .path(schema: .string(allowedValues: ids.map(AnyCodable.init))))
    }

    static let after: Either<OpenAPI.Reference<OpenAPI.Parameter>, OpenAPI.Parameter> =
        .parameter(name: "after", context: .query(required: false, schema: .string(pattern: "^[0-9]+$")))

    static let cannotOpen: (status: OpenAPI.Response.StatusCode, response: Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response>) =
        (500, error("The instance's answers keys cannot open a submission (docs/privacy.md)"))

    static func response(_ description: String, _ schema: String) -> Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response> {
        .response(description: description, content: [.json: .content(.init(schema: .reference(.component(named: schema))))])
    }

    static func error(_ description: String) -> Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response> { response(description, "Error") }

    /// A refusal of a post: JSON for a post from the form's script, the form's page saying what
    /// is wrong (HTML) for a form posted without JavaScript.
    static func refusal(_ description: String, _ schema: JSONSchema = .reference(.component(named: "Error"))) -> Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response> {
        .response(description: description, content: [.json: .content(.init(schema: schema)), .html: .content(.init(schema: .string))])
    }

    // MARK: Schemas

    static func schemas(_ catalog: APICatalog) -> OpenAPI.ComponentDictionary<JSONSchema> {
        let time = JSONSchema.string(format: .dateTime)
        let optionalTime = JSONSchema.string(format: .dateTime, required: false)
        let delivery = JSONSchema.object(properties: [
            "id": .string(description: "The delivery's id, sent with each attempt"), "destination": .string,
            "state": .string(allowedValues: DeliveryState.shownStates.map(AnyCodable.init)), "attempts": .integer,
            "forceReference": .string(required: false), "lastError": .string(required: false),
            "force": .string(required: false, description: "The force whose destination it is, when not the one it was made to"),
            "notice": .boolean(required: false, description: "A transfer notice, without the answers"),
            "message": .boolean(required: false, description: "A confirmation to the person who reported, never with the answers (docs/messages.md)"),
            "held": .boolean(required: false, description: "Waiting until the delivery to the force it was made to has ended (docs/routing.md)"),
        ])
        var schemas: OpenAPI.ComponentDictionary<JSONSchema> = [
            "Error": .object(properties: ["error": .string]),
            "Created": .object(properties: [
                "reference": .string, "receivedAt": time,
                "areaForce": .string(required: false, description: "When it happened in another force's area: that force (docs/routing.md)"),
                "owningForce": .string(required: false, description: "When it happened in another force's area: the force that deals with it"),
            ]),
            "Invalid": .object(properties: ["errors": .array(items: .object(properties: ["question": .string, "code": .string, "message": .string]))]),
            "Submission": .object(properties: [
                "reference": .string, "force": .string(required: false, description: "The force the report was made to"), "form": .string,
                "version": .integer, "language": .string, "receivedAt": time, "startedAt": .string(required: false),
                "submittedAt": .string(required: false), "answers": .object,
                "purgedAt": .string(format: .dateTime, required: false, description: "When the answers were purged under the retention rules; answers is then empty"),
                "answersWithheld": .boolean(required: false, description: "True for the force a report was made to and transferred: the answers are the owning force's"),
                "routing": .object(required: false, description: "When it happened in another force's area: the transfer record (docs/routing.md)", properties: [
                    "receivedBy": .string, "owningForce": .string, "areaForce": .string, "area": .string, "areaName": .string,
                    "action": .string(allowedValues: ["transfer", "notify"]), "role": .string(required: false, allowedValues: ["owner", "receiver", "notified"]),
                    "reason": .string,
                ]),
                "deliveries": .array(required: false, description: "Where it is going in the force's own systems", items: delivery),
            ]),
            "SubmissionPage": .object(properties: [
                "submissions": .array(items: .reference(.component(named: "Submission"))),
                "next": .string(nullable: true, description: "The cursor of the next page (the after parameter); null at the end"),
            ]),
            "AuditPage": .object(properties: [
                "entries": .array(items: .object(properties: [
                    "id": .integer, "at": time, "actor": .string, "action": .string, "force": .string(required: false), "target": .string,
                    "address": .string(required: false), "previous": .string, "hash": .string,
                ])),
                "next": .string(nullable: true),
            ]),
            "Postcode": .object(properties: ["postcode": .string, "force": .string, "name": .string, "site": .string]),
            "KeyReused": .object(properties: ["code": .string(allowedValues: ["idempotencyKeyReused"]), "error": .string]),
        ]
        for (id, form) in catalog.forms.sorted(by: { $0.key < $1.key }) {
            var properties: OpenAPIKit.OrderedDictionary<String, JSONSchema> = [:]
            for page in form.pages {
                let questions = (page.questions + page.questions.flatMap(\.revealed)).filter(\.takesAnswer)
                if page.repeat != nil {
                    var item: OpenAPIKit.OrderedDictionary<String, JSONSchema> = [:]
                    for q in questions { item[q.id] = schema(q) }
                    properties[page.id] = .array(required: false, items: .object(properties: item, additionalProperties: .a(false)))
                } else {
                    for q in questions { properties[q.id] = schema(q) }
                }
            }
            schemas[OpenAPI.ComponentKey(rawValue: "Submission-" + id)!] = .object(title: form.title.text("en"), properties: [
                "form": .string(allowedValues: [.init(id)]), "version": .integer(allowedValues: [.init(form.version)]),
                "language": .string(required: false, allowedValues: ["en", "cy"]), "startedAt": optionalTime, "submittedAt": optionalTime,
                "answers": .object(properties: properties, additionalProperties: .a(false)),
            ])
        }
        return schemas
    }

    /// Text fields, none required, in the order given.
    static func texts(_ names: [String]) -> OpenAPIKit.OrderedDictionary<String, JSONSchema> {
        var fields: OpenAPIKit.OrderedDictionary<String, JSONSchema> = [:]
        for name in names { fields[name] = .string(required: false) }
        return fields
    }

    /// An answer's schema; no answer is required here (the validator says which are, with the
    /// form's own messages).
    static func schema(_ q: Question) -> JSONSchema {
        let options = (q.options ?? []).map { AnyCodable($0.value) }
        return switch q.type {
        case .checkboxes: .array(required: false, items: .string(allowedValues: options))
        case .date: .object(required: false, properties: texts(Question.dateFields))
        case .address: .object(required: false, properties: texts(Question.addressFields))
        case .file: .array(required: false, description: "The ids of uploads made for it (createUpload)", maxItems: q.files?.maxFiles,
                           uniqueItems: true, items: .string(pattern: Question.uploadIDPattern))
        case .radios, .select, .area: .string(required: false, allowedValues: options)
        case .yesNo: .string(required: false, allowedValues: ["yes", "no"])
        case .declaration: .string(required: false, allowedValues: ["yes"])
        default: .string(required: false, description: q.label.text("en"))
        }
    }
}
