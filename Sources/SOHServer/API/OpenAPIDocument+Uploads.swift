import OpenAPIKit
import SOHForms

/// The evidence upload routes (tus 1.0 core, `creation`, `termination`; docs/evidence.md).
extension OpenAPIDocument {
    static let uploads = "/v1/forces/{force}/forms/{form}/uploads"
    static let upload = uploads + "/{upload}"

    /// The forms with a file question, and every force that takes one of them (every force,
    /// while no form has one).
    static func uploadParameters(_ catalog: APICatalog, upload: Bool) -> [Either<OpenAPI.Reference<OpenAPI.Parameter>, OpenAPI.Parameter>] {
        let taking = forms(catalog).filter { $0.form.allQuestions.contains { $0.question.type == .file } }
        let formIDs = taking.map { AnyCodable($0.id) }
        let forces = Set((taking.isEmpty ? forms(catalog) : taking).flatMap(\.takers)).sorted()
        var parameters: [Either<OpenAPI.Reference<OpenAPI.Parameter>, OpenAPI.Parameter>] = [
            force(forces),
            .parameter(name: "form", context: .path(schema: formIDs.isEmpty ? .string(description: "A form with a file question") : .string(allowedValues: formIDs))),
        ]
        if upload {
            parameters.append(.parameter(name: "upload", context: .path(schema: .string(pattern: Question.uploadIDPattern))))
        }
        parameters.append(.parameter(name: "Tus-Resumable", context: .header(required: false, schema: .string(allowedValues: ["1.0.0"]))))
        return parameters
    }

    static func uploadOptions(_ catalog: APICatalog) -> Described {
        [uploads, upload].map { path in
            (path, OpenAPI.Operation(
                summary: "tus discovery, and the CORS preflight of a force's site", operationId: path == uploads ? "uploadsOptions" : "uploadOptions",
                parameters: uploadParameters(catalog, upload: path == upload),
                responses: [204: .response(description: "Tus-Version, Tus-Extension (creation, termination), Tus-Max-Size"),
                            403: error("A browser's origin that may not post to this force"), 404: error("Unknown force or form")]))
        }
    }

    static func createUpload(_ catalog: APICatalog) -> Described {
        [(uploads, OpenAPI.Operation(
            summary: "Starts an upload of one file for a file question (tus creation)", operationId: "createUpload",
            parameters: uploadParameters(catalog, upload: false) + [
                .parameter(name: "Upload-Length", context: .header(required: true, schema: .string(pattern: "^[0-9]+$"))),
                .parameter(name: "Upload-Metadata", context: .header(required: true, schema: .string(
                    description: "question (the file question's id), filename, language (en or cy), each base64: 'question cGhvdG9z,filename ZGFzaC5tcDQ='"))),
            ],
            responses: [201: .response(description: "Location: the upload's URL, to PATCH its bytes to"),
                        400: error("No Upload-Length, or metadata naming no file question"),
                        403: error("A browser's origin that may not post to this force"), 404: error("Unknown force or form, or a service that takes no files"),
                        412: error("Tus-Resumable is not 1.0.0"),
                        413: response("Larger than the question's maxSize; the message names the file", "Invalid"),
                        422: response("An empty file", "Invalid"), 503: error("The upload could not be started; try again")]))]
    }

    static func headUpload(_ catalog: APICatalog) -> Described {
        [(upload, OpenAPI.Operation(
            summary: "Where to resume an upload", operationId: "headUpload", parameters: uploadParameters(catalog, upload: true),
            responses: [200: .response(description: "Upload-Offset: the bytes kept; Upload-Length"), 404: .response(description: "No such upload"),
                        410: .response(description: "Refused or infected: it takes no more bytes"), 412: .response(description: "Tus-Resumable is not 1.0.0")]))]
    }

    static func patchUpload(_ catalog: APICatalog) -> Described {
        [(upload, OpenAPI.Operation(
            summary: "Appends bytes to an upload at Upload-Offset", operationId: "patchUpload",
            parameters: uploadParameters(catalog, upload: true) + [
                .parameter(name: "Upload-Offset", context: .header(required: true, schema: .string(pattern: "^[0-9]+$"))),
                .parameter(name: "language", context: .query(required: false, schema: .string(allowedValues: ["en", "cy"]))),
            ],
            requestBody: .init(content: [.init(rawValue: "application/offset+octet-stream")!: .content(.init(schema: .string(contentEncoding: .binary)))]),
            responses: [204: .response(description: "Kept: Upload-Offset says how far (all of it, or as far as a broken request got)"),
                        400: error("No Upload-Offset"), 404: error("No such upload"),
                        409: error("Not at the upload's offset (Upload-Offset gives it), or moved on by another request"),
                        410: error("Refused or infected: it takes no more bytes"), 412: error("Tus-Resumable is not 1.0.0"),
                        413: error("More bytes than Upload-Length"),
                        415: response("Not application/offset+octet-stream, or content of a kind the question does not take (the message names the file)", "Invalid"),
                        423: error("Another request is sending its bytes now"), 503: error("The bytes could not be kept; resume from HEAD")]))]
    }

    static func getUpload(_ catalog: APICatalog) -> Described {
        let state = JSONSchema.string(allowedValues: UploadState.allCases.map { AnyCodable($0.rawValue) })
        return [(upload, OpenAPI.Operation(
            summary: "Where an upload stands: received, scanned clean, infected or refused", operationId: "getUpload",
            parameters: uploadParameters(catalog, upload: true) + [.parameter(name: "language", context: .query(required: false, schema: .string(allowedValues: ["en", "cy"])))],
            responses: [200: .response(description: "The upload", content: [.json: .content(.init(schema: .object(properties: [
                "id": .string, "name": .string, "size": .integer, "received": .integer, "mediaType": .string(required: false), "state": state,
                "sha256": .string(required: false, description: "Of the bytes as sent, once scanned"),
                "error": .object(required: false, description: "Why it cannot join a report, as the form says it", properties: [
                    "question": .string, "code": .string, "message": .string]),
            ])))]), 404: error("No such upload"), 412: error("Tus-Resumable is not 1.0.0")]))]
    }

    static func deleteUpload(_ catalog: APICatalog) -> Described {
        [(upload, OpenAPI.Operation(
            summary: "Forgets an upload the person removed (tus termination)", operationId: "deleteUpload",
            parameters: uploadParameters(catalog, upload: true),
            responses: [204: .response(description: "Forgotten, its bytes destroyed"), 404: error("No such upload"),
                        409: error("Part of a sent report"), 412: error("Tus-Resumable is not 1.0.0")]))]
    }

    static func fetchEvidence(_ catalog: APICatalog) -> Described {
        [("/v1/forces/{force}/submissions/{reference}/evidence/{upload}", OpenAPI.Operation(
            summary: "A report's file, for the force it was delivered to (its bytes exactly as sent)", operationId: "fetchEvidence",
            parameters: [force(Set(forms(catalog).flatMap(\.takers)).sorted()), .parameter(name: "reference", context: .path(schema: .string)),
                         .parameter(name: "upload", context: .path(schema: .string(pattern: Question.uploadIDPattern))),
                         .parameter(name: "Range", context: .header(required: false, schema: .string(description: "One range: bytes=START-END, bytes=START- or bytes=-LAST")))],
            responses: [200: .response(description: "The file; Repr-Digest gives its SHA-256", content: [.any: .content(.init(schema: .string(contentEncoding: .binary)))]),
                        206: .response(description: "The range asked for (Content-Range)", content: [.any: .content(.init(schema: .string(contentEncoding: .binary)))]),
                        404: error("No such report or file for this force, or the files of a report transferred to another force"),
                        410: error("Withheld: clamd found it infected, or it was refused; its bytes were destroyed"),
                        416: error("A range beyond the file (Content-Range gives its size)"),
                        503: error("Waiting for its scan, or the store cannot be read; try again after Retry-After")]))]
    }
}
