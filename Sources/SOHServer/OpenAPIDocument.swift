import Foundation
import SOHForms

/// `GET /v1/openapi.json`: the API described in OpenAPI 3.1, with each form's answers as a schema
/// generated from its definition.
enum OpenAPIDocument {
    static func make(_ catalog: APICatalog) -> Data {
        var schemas: [String: Any] = [
            "Error": ["type": "object", "properties": ["error": ["type": "string"]], "required": ["error"]],
            "Created": ["type": "object", "properties": ["reference": ["type": "string"], "receivedAt": ["type": "string", "format": "date-time"]],
                        "required": ["reference", "receivedAt"]],
            "Invalid": ["type": "object", "properties": ["errors": ["type": "array", "items": [
                "type": "object", "properties": ["question": ["type": "string"], "code": ["type": "string"], "message": ["type": "string"]],
                "required": ["question", "code", "message"]]]], "required": ["errors"]],
            "KeyReused": ["type": "object", "properties": ["code": ["const": "idempotencyKeyReused"], "error": ["type": "string"]],
                          "required": ["code", "error"]],
        ]
        var oneOf: [[String: Any]] = []
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
            oneOf.append(["$ref": "#/components/schemas/\(name)"])
        }
        let json = ["$ref": "#/components/schemas/Error"]
        func response(_ description: String, _ schema: String) -> [String: Any] {
            ["description": description, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]]]
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "Single Online Home submission API", "version": "1"],
            "paths": [
                "/healthz": ["get": ["responses": ["200": ["description": "The API is up"]]]],
                "/v1/forces/{force}/forms/{form}/submissions": ["post": [
                    "summary": "Send a form",
                    "parameters": [["name": "force", "in": "path", "required": true, "schema": ["enum": catalog.forces.keys.sorted()]],
                                   ["name": "form", "in": "path", "required": true, "schema": ["enum": catalog.forms.keys.sorted()]],
                                   ["name": "Idempotency-Key", "in": "header", "schema": ["type": "string", "maxLength": 200]]],
                    "requestBody": ["content": ["application/json": ["schema": ["oneOf": oneOf]],
                                                "application/x-www-form-urlencoded": ["schema": ["type": "object"]]]],
                    "responses": [
                        "201": response("Stored; the same Idempotency-Key returns the same result", "Created"),
                        "303": ["description": "Form post stored: redirect to the force's confirmation page"],
                        "400": response("Malformed", "Error"), "404": response("Unknown force or form", "Error"),
                        "409": response("The form changed", "Error"), "413": response("Too large", "Error"),
                        "415": response("Unsupported content type", "Error"),
                        "422": ["description": "Invalid answers, or an Idempotency-Key already used for other content (nothing stored)",
                                "content": ["application/json": ["schema": ["oneOf": [["$ref": "#/components/schemas/Invalid"],
                                                                                      ["$ref": "#/components/schemas/KeyReused"]]]]]],
                        "429": response("Rate limited", "Error"),
                    ],
                ]],
                "/v1/forces/{force}/submissions": ["get": [
                    "summary": "A force's submissions, oldest first", "security": [["bearer": []]],
                    "parameters": [["name": "since", "in": "query", "schema": ["type": "string", "format": "date-time"]],
                                   ["name": "after", "in": "query", "schema": ["type": "string"]],
                                   ["name": "limit", "in": "query", "schema": ["type": "integer", "maximum": 200]]],
                    "responses": ["200": ["description": "A page of submissions and the cursor of the next"], "401": ["content": ["application/json": ["schema": json]], "description": "No or wrong token"]],
                ]],
                "/v1/forces/{force}/submissions/{reference}": ["get": [
                    "summary": "One submission", "security": [["bearer": []]],
                    "responses": ["200": ["description": "The submission"], "401": ["description": "No or wrong token"], "404": ["description": "Not found"]],
                ]],
            ],
            "components": ["schemas": schemas, "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func schema(_ q: Question) -> [String: Any] {
        switch q.type {
        case .checkboxes: ["type": "array", "items": ["enum": (q.options ?? []).map(\.value)]]
        case .date: ["type": "object", "properties": Dictionary(uniqueKeysWithValues: Question.dateFields.map { ($0, ["type": "string"]) })]
        case .address: ["type": "object", "properties": Dictionary(uniqueKeysWithValues: Question.addressFields.map { ($0, ["type": "string"]) })]
        case .radios, .select: ["enum": (q.options ?? []).map(\.value)]
        case .yesNo: ["enum": ["yes", "no"]]
        case .declaration: ["const": "yes"]
        default: ["type": "string", "description": q.label.text("en")]
        }
    }
}
