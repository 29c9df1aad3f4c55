import Foundation
import SOHForms

/// `GET /v1/openapi.json`: the API described in OpenAPI 3.1, with each form's answers as a schema
/// generated from its definition.
enum OpenAPIDocument {
    static func make(_ catalog: APICatalog) throws -> Data {
        var schemas: [String: Any] = [
            "Error": ["type": "object", "properties": ["error": ["type": "string"]], "required": ["error"]],
            "Created": ["type": "object", "properties": ["reference": ["type": "string"], "receivedAt": ["type": "string", "format": "date-time"],
                                                "areaForce": ["type": "string", "description": "When it happened in another force's area: that force (docs/routing.md)"],
                                                "owningForce": ["type": "string", "description": "When it happened in another force's area: the force that deals with it"]],
                        "required": ["reference", "receivedAt"]],
            "Invalid": ["type": "object", "properties": ["errors": ["type": "array", "items": [
                "type": "object", "properties": ["question": ["type": "string"], "code": ["type": "string"], "message": ["type": "string"]],
                "required": ["question", "code", "message"]]]], "required": ["errors"]],
            "Submission": ["type": "object", "properties": [
                "reference": ["type": "string"], "force": ["type": "string", "description": "The force the report was made to"], "form": ["type": "string"], "version": ["type": "integer"], "language": ["type": "string"],
                "receivedAt": ["type": "string", "format": "date-time"], "startedAt": ["type": "string"], "submittedAt": ["type": "string"],
                "answers": ["type": "object"],
                "purgedAt": ["type": "string", "format": "date-time", "description": "When the answers were purged under the retention rules; answers is then empty"],
                "answersWithheld": ["type": "boolean", "description": "True for the force a report was made to and transferred: the answers are the owning force's"],
                "routing": ["type": "object", "description": "When it happened in another force's area: the transfer record (docs/routing.md)", "properties": [
                    "receivedBy": ["type": "string"], "owningForce": ["type": "string"], "areaForce": ["type": "string"], "area": ["type": "string"],
                    "areaName": ["type": "string"], "action": ["enum": ["transfer", "notify"]], "role": ["enum": ["owner", "receiver", "notified"]],
                    "reason": ["type": "string"]], "required": ["receivedBy", "owningForce", "areaForce", "area", "areaName", "action", "reason"]],
                "deliveries": ["type": "array", "description": "Where it is going in the force's own systems", "items": [
                    "type": "object", "properties": ["id": ["type": "string", "description": "The delivery's id, sent with each attempt"], "destination": ["type": "string"], "state": ["enum": DeliveryState.shownStates],
                                                     "attempts": ["type": "integer"], "forceReference": ["type": "string"], "lastError": ["type": "string"],
                                                     "force": ["type": "string", "description": "The force whose destination it is, when not the one it was made to"],
                                                     "notice": ["type": "boolean", "description": "A transfer notice, without the answers"],
                                                     "held": ["type": "boolean", "description": "Waiting until the delivery to the force it was made to has ended (docs/routing.md)"]],
                    "required": ["id", "destination", "state", "attempts"]]]],
                "required": ["reference", "form", "version", "language", "receivedAt", "answers"]],
            "SubmissionPage": ["type": "object", "properties": [
                "submissions": ["type": "array", "items": ["$ref": "#/components/schemas/Submission"]],
                "next": ["type": ["string", "null"], "description": "The cursor of the next page (the after parameter); null at the end"]],
                "required": ["submissions", "next"]],
            "AuditPage": ["type": "object", "properties": [
                "entries": ["type": "array", "items": ["type": "object", "properties": [
                    "id": ["type": "integer"], "at": ["type": "string", "format": "date-time"], "actor": ["type": "string"],
                    "action": ["type": "string"], "force": ["type": "string"], "target": ["type": "string"], "address": ["type": "string"],
                    "previous": ["type": "string"], "hash": ["type": "string"]],
                    "required": ["id", "at", "actor", "action", "target", "previous", "hash"]]],
                "next": ["type": ["string", "null"]]],
                "required": ["entries", "next"]],
            "Postcode": ["type": "object", "properties": ["postcode": ["type": "string"], "force": ["type": "string"], "name": ["type": "string"],
                                                      "site": ["type": "string"]], "required": ["postcode", "force", "name", "site"]],
            "KeyReused": ["type": "object", "properties": ["code": ["const": "idempotencyKeyReused"], "error": ["type": "string"]],
                          "required": ["code", "error"]],
        ]
        var formPaths: [String: Any] = [:]
        for (id, form) in catalog.forms.sorted(by: { $0.key < $1.key }) {
            var properties: [String: Any] = [:]
            for page in form.pages {
                let questions = page.questions + page.questions.flatMap(\.revealed)
                if page.repeat != nil {
                    var item: [String: Any] = [:]
                    for q in questions where q.takesAnswer { item[q.id] = schema(q) }
                    properties[page.id] = ["type": "array", "items": ["type": "object", "properties": item, "additionalProperties": false]]
                } else {
                    for q in questions where q.takesAnswer { properties[q.id] = schema(q) }
                }
            }
            let name = "Submission-" + id
            schemas[name] = [
                "type": "object", "title": form.title.text("en"),
                "properties": [
                    "form": ["const": id], "version": ["const": form.version], "language": ["enum": ["en", "cy"]],
                    "startedAt": ["type": "string", "format": "date-time"], "submittedAt": ["type": "string", "format": "date-time"],
                    "answers": ["type": "object", "properties": properties, "additionalProperties": false],
                ],
                "required": ["form", "version", "answers"],
            ]
            formPaths[id] = name
        }
        func response(_ description: String, _ schema: String) -> [String: Any] {
            ["description": description, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]]]
        }
        /// A refusal of a post: JSON for a post from the form's script, the form's page saying what
        /// is wrong (HTML) for a form posted without JavaScript.
        func refusal(_ description: String, _ schema: [String: Any]) -> [String: Any] {
            ["description": description, "content": ["application/json": ["schema": schema], "text/html": ["schema": ["type": "string"]]]]
        }
        func error(_ description: String) -> [String: Any] { refusal(description, ["$ref": "#/components/schemas/Error"]) }
        let force: [String: Any] = ["name": "force", "in": "path", "required": true, "schema": ["enum": catalog.forces.keys.sorted()]]
        let reference: [String: Any] = ["name": "reference", "in": "path", "required": true, "schema": ["type": "string"]]
        // One operation per form: its own body, the forces that take it, a stored example, and
        // a link from the 201 to reading the report back.
        var paths: [String: Any] = [:]
        let today = CalendarDate.today()
        for (id, form) in catalog.forms.sorted(by: { $0.key < $1.key }) {
            let takers = catalog.forces.values.filter { !$0.unavailableForms.contains(id) }.map(\.id).sorted()
            guard !takers.isEmpty else { continue }
            let example: [String: Any] = [
                "form": id, "version": form.version, "language": "en",
                "answers": try JSONSerialization.jsonObject(with: JSONEncoder().encode(form.exampleAnswers(force: takers.first, today: today))),
            ]
            let taker: [String: Any] = ["name": "force", "in": "path", "required": true, "schema": ["enum": takers]]
            paths["/v1/forces/{force}/forms/\(id)/submissions"] = ["parameters": [taker], "options": [
                "summary": "CORS preflight for \(form.title.text("en"))", "operationId": "preflight-\(id)",
                "responses": ["204": ["description": "The force's own origin (or a preview) may post"],
                              "403": response("Another origin, or none", "Error"), "404": response("Unknown force", "Error")],
            ], "post": [
                "summary": form.title.text("en"), "operationId": "submit-\(id)",
                "parameters": [["name": "Idempotency-Key", "in": "header", "schema": ["type": "string", "maxLength": 200]]],
                "requestBody": ["required": true, "content": [
                    "application/json": ["schema": ["$ref": "#/components/schemas/\(formPaths[id] ?? "")"], "example": example],
                    "application/x-www-form-urlencoded": ["schema": ["type": "object"]]]],
                "responses": [
                    "201": [
                        "description": "Stored; the same Idempotency-Key returns the same result",
                        "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Created"]]],
                        "links": ["readSubmission": [
                            "operationId": "readSubmission", "description": "The report just stored, read back with the force's token",
                            "parameters": ["force": "$request.path.force", "reference": "$response.body#/reference"]]],
                    ],
                    "303": ["description": "Form post stored: redirect to the force's confirmation page"],
                    "400": error("Malformed"), "403": error("The Origin is not the force's own site"),
                    "404": error("Unknown force, or a service the force switched off"),
                    "409": error("The form changed"), "413": error("Too large"),
                    "415": response("Unsupported content type", "Error"),
                    "422": refusal("Invalid answers (codes such as required, invalid, notAsked, unknown, and exit when the answers lead to a page that ends the form), or an Idempotency-Key already used for other content (nothing stored)",
                                   ["oneOf": [["$ref": "#/components/schemas/Invalid"], ["$ref": "#/components/schemas/KeyReused"]]]),
                    "429": error("Rate limited"),
                    "503": error("Could not be stored; try again after Retry-After"),
                ],
            ]]
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "Single Online Home submission API", "version": "1"],
            "paths": paths.merging([
                "/healthz": ["get": ["responses": [
                    "200": ["description": "The process is alive (liveness); whether the database answers, and how the delivery queue stands when it does",
                            "content": ["application/json": ["schema": [
                        "type": "object", "properties": ["status": ["const": "ok"], "database": ["enum": ["ok", "unreachable"]], "deliveries": [
                            "type": "object", "properties": ["pending": ["type": "integer"], "dead": ["type": "integer"],
                                                             "oldestPendingSeconds": ["type": "integer"]], "required": ["pending", "dead"]]],
                        "required": ["status", "database"]]]]]]]],
                "/readyz": ["get": ["responses": [
                    "200": ["description": "Ready: the database answers and has every migration; a load balancer may send requests here",
                            "content": ["application/json": ["schema": ["type": "object", "properties": ["status": ["const": "ready"]], "required": ["status"]]]]],
                    "503": response("Not ready: draining before it stops, the database does not answer, or it lacks migrations", "Error")]]],
                "/v1/openapi.json": ["get": ["responses": ["200": ["description": "This document"]]]],
                "/metrics": ["get": ["responses": [
                    "200": ["description": "Prometheus text format: soh_delivery_attempts_total{outcome}, soh_delivery_pending, soh_delivery_dead, soh_delivery_oldest_pending_seconds, soh_report_oldest_undelivered_seconds, soh_delivery_submit_to_delivered_seconds", "content": ["text/plain": ["schema": ["type": "string"]]]],
                    "404": response("Metrics are not exported by this server (tests embedding the API)", "Error"),
                    "503": response("The database does not answer", "Error")]]],
                "/v1/forces/{force}/submissions": ["parameters": [force], "get": [
                    "summary": "A force's submissions, oldest first", "operationId": "listSubmissions", "security": [["bearer": []]],
                    "parameters": [["name": "since", "in": "query", "schema": ["type": "string", "format": "date-time"]],
                                   ["name": "after", "in": "query", "schema": ["type": "string", "pattern": "^[0-9]+$"]],
                                   ["name": "limit", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": 200]]],
                    "responses": ["200": response("A page of submissions and the cursor of the next", "SubmissionPage"),
                                  "400": response("since, after or limit not of its form or out of range", "Error"),
                                  "401": response("No token, or not this force's", "Error"), "404": response("Unknown force", "Error"),
                                  "429": response("Too many failed token checks from this address, or too many reads for this force; try again after Retry-After", "Error"),
                                  "500": response("The instance's answers keys cannot open a submission (docs/privacy.md)", "Error"),
                                  "503": response("The database could not be read", "Error")],
                ]],
                "/v1/postcodes/{postcode}": ["parameters": [["name": "postcode", "in": "path", "required": true, "schema": ["type": "string", "description": "A postcode, with spaces anywhere or none (CF10 1AA, cf101aa)"]]], "get": [
                    "summary": "The force whose police area a postcode is in (the index soh areas import made)",
                    "responses": ["200": response("The postcode and its force", "Postcode"), "400": response("Not a postcode", "Error"),
                                  "404": response("Not in the index, or no index on this server", "Error"),
                                  "429": response("Too many requests from this address; try again after Retry-After", "Error")],
                ]],
                "/v1/find-force": ["get": [
                    "summary": "Sends a person to the force for an area or postcode: its form of a service, or its entry on the national site",
                    "parameters": [["name": "area", "in": "query", "schema": ["enum": catalog.areas?.allAreas.map(\.id) ?? []]],
                                   ["name": "postcode", "in": "query", "schema": ["type": "string", "description": "A postcode, with spaces anywhere or none"]],
                                   ["name": "service", "in": "query", "schema": ["enum": catalog.servicePages.keys.sorted()]],
                                   ["name": "language", "in": "query", "schema": ["enum": ["en", "cy"]]]],
                    "responses": ["303": ["description": "To the force's page (Location)"],
                                  "400": response("Neither an area nor a postcode, or an unknown area or service", "Error"),
                                  "404": response("The force for that place has no site here", "Error"),
                                  "429": response("Too many requests from this address; try again after Retry-After", "Error")],
                ]],
                "/v1/forces/{force}/audit": ["parameters": [force], "get": [
                    "summary": "The force's entries of the audit log (every read of its reports, export, redelivery), oldest first",
                    "security": [["bearer": []]],
                    "parameters": [["name": "after", "in": "query", "schema": ["type": "string", "pattern": "^[0-9]+$"]],
                                   ["name": "limit", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": 1000]]],
                    "responses": ["200": response("A page of entries and the cursor of the next", "AuditPage"),
                                  "400": response("after or limit not of its form or out of range", "Error"),
                                  "401": response("No token, or not this force's", "Error"), "404": response("Unknown force", "Error"),
                                  "429": response("Too many failed token checks from this address, or too many reads for this force; try again after Retry-After", "Error"),
                                  "503": response("The database could not be read", "Error")],
                ]],
                "/v1/forces/{force}/submissions/{reference}": ["parameters": [force, reference], "get": [
                    "summary": "One submission", "operationId": "readSubmission", "security": [["bearer": []]],
                    "responses": ["200": response("The submission", "Submission"), "401": response("No token, or not this force's", "Error"),
                                  "404": response("Unknown force, or no such submission for this force", "Error"),
                                  "429": response("Too many failed token checks from this address, or too many reads for this force; try again after Retry-After", "Error"),
                                  "500": response("The instance's answers keys cannot open a submission (docs/privacy.md)", "Error"),
                                  "503": response("The database could not be read", "Error")],
                ]],
            ]) { first, _ in first },
            "components": ["schemas": schemas, "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
    }

    static func schema(_ q: Question) -> [String: Any] {
        switch q.type {
        case .checkboxes: ["type": "array", "items": ["enum": (q.options ?? []).map(\.value)]]
        case .date: ["type": "object", "properties": Dictionary(uniqueKeysWithValues: Question.dateFields.map { ($0, ["type": "string"]) })]
        case .address: ["type": "object", "properties": Dictionary(uniqueKeysWithValues: Question.addressFields.map { ($0, ["type": "string"]) })]
        case .radios, .select, .area: ["enum": (q.options ?? []).map(\.value)]
        case .yesNo: ["enum": ["yes", "no"]]
        case .declaration: ["const": "yes"]
        default: ["type": "string", "description": q.label.text("en")]
        }
    }
}
