import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SOHForms
import SOHModel

/// Evidence uploads (docs/evidence.md), by the core of the tus 1.0 protocol with its
/// `creation` and `termination` extensions: `POST` makes an upload for a file question,
/// `PATCH` appends bytes at the offset `HEAD` gives (resuming after a broken connection),
/// `GET` says where it stands (scanned, infected …), `DELETE` forgets it.
extension SubmissionAPI {
    enum Tus {
        static let version = "1.0.0"
        static let resumable = HTTPField.Name("Tus-Resumable")!
        static let versions = HTTPField.Name("Tus-Version")!
        static let extensions = HTTPField.Name("Tus-Extension")!
        static let maxSize = HTTPField.Name("Tus-Max-Size")!
        static let length = HTTPField.Name("Upload-Length")!
        static let offset = HTTPField.Name("Upload-Offset")!
        static let metadata = HTTPField.Name("Upload-Metadata")!
        static let deferLength = HTTPField.Name("Upload-Defer-Length")!
        static let chunkType = "application/offset+octet-stream"
        /// What the sites' script may send, and read back.
        static let requestHeaders = "Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset, Content-Type"
        static let exposed = "Location, Tus-Resumable, Tus-Version, Tus-Max-Size, Upload-Offset, Upload-Length"
    }

    /// The upload routes' preflight, which is also tus's discovery (`OPTIONS`).
    func uploadOptions(_ request: Request, _ context: APIContext) -> Response {
        var response = preflight(request, context, methods: "POST, HEAD, PATCH, GET, DELETE", headers: Tus.requestHeaders)
        if response.status == .forbidden, request.headers[.origin] == nil {
            // Not a browser: tus's discovery alone.
            response = Response(status: .noContent)
        }
        guard response.status == .noContent else { return response }
        response.headers[Tus.resumable] = Tus.version
        response.headers[Tus.versions] = Tus.version
        response.headers[Tus.extensions] = "creation,termination"
        response.headers[Tus.maxSize] = String(Question.Files.ceiling)
        response.headers[.accessControlExposeHeaders] = Tus.exposed
        return response
    }

    /// What an upload request names, checked: the force, the form, where files are kept, and
    /// (for every request but a browser's preflight) an origin that may post to the force.
    struct UploadPlace {
        var force: APICatalog.Force
        var form: FormDefinition
        var evidence: Evidence
    }

    func uploadPlace(_ request: Request, _ context: APIContext) -> Result<UploadPlace, ErrorResponse> {
        let forceID = context.parameters.get("force") ?? "", formID = context.parameters.get("form") ?? ""
        guard let force = catalog.forces[forceID] else { return .failure(.init(.notFound, "unknown force '\(Escape.line(forceID, limit: 60))'")) }
        guard let form = catalog.forms[formID], !force.unavailableForms.contains(formID) else {
            return .failure(.init(.notFound, "force '\(forceID)' has no form '\(Escape.line(formID, limit: 60))'"))
        }
        guard let evidence else { return .failure(.init(.notFound, "this service takes no files (soh api --evidence, docs/evidence.md)")) }
        if let origin = request.headers[.origin], !catalog.allowsOrigin(origin, for: forceID) {
            return .failure(.init(.forbidden, "this origin may not post to this force"))
        }
        guard request.headers[Tus.resumable] == Tus.version else {
            return .failure(.init(.preconditionFailed, "send Tus-Resumable: \(Tus.version)", headers: [Tus.versions: Tus.version]))
        }
        return .success(UploadPlace(force: force, form: form, evidence: evidence))
    }

    /// An error answer, built where the reason is known and sent as it is.
    struct ErrorResponse: Error {
        var status: HTTPResponse.Status, message: String, headers: HTTPFields = [:]
        init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) { (self.status, self.message, self.headers) = (status, message, headers) }
        var response: Response { SubmissionAPI.error(status, message, headers: headers) }
    }

    /// The answer to an upload request, with what every tus answer carries.
    static func tus(_ response: Response) -> Response {
        var response = response
        response.headers[Tus.resumable] = Tus.version
        response.headers[.accessControlExposeHeaders] = Tus.exposed
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// A file question's message about one file, in the person's language, as the form's
    /// validation errors are (`{"errors": [{question, code, message}]}`).
    static func fileError(_ status: HTTPResponse.Status, _ question: Question, _ code: String, file: String, language: String) -> Response {
        let message = MessageTemplate.fill(question.messages[code]?.text(language) ?? code, ["file": file])
        return encode(status, ["errors": [FormError(question: question.id, code: code, message: message)]])
    }

    func createUpload(_ request: Request, _ context: APIContext) async -> Response {
        let place: UploadPlace
        switch uploadPlace(request, context) {
        case .success(let p): place = p
        case .failure(let refusal): return Self.tus(refusal.response)
        }
        if request.headers[Tus.deferLength] != nil { return Self.tus(Self.error(.badRequest, "give the file's size in Upload-Length: its length cannot be deferred")) }
        guard let lengthText = request.headers[Tus.length], let size = Int64(lengthText), size >= 0 else {
            return Self.tus(Self.error(.badRequest, "Upload-Length, the file's size in bytes, is needed"))
        }
        guard let metadata = Self.uploadMetadata(request.headers[Tus.metadata] ?? "") else {
            return Self.tus(Self.error(.badRequest, "Upload-Metadata is not pairs of a key and a base64 value, separated by commas"))
        }
        let questionID = metadata["question"] ?? ""
        guard let question = place.form.question(questionID), question.type == .file, let rule = question.files else {
            return Self.tus(Self.error(.badRequest, "Upload-Metadata names no file question of this form ('question')"))
        }
        let name = Self.fileName(metadata["filename"] ?? "")
        let language = metadata["language"].flatMap { place.force.languages.contains($0) ? $0 : nil } ?? "en"
        if size == 0 { return Self.tus(Self.fileError(.unprocessableContent, question, "fileEmpty", file: name, language: language)) }
        if size > rule.maxSize { return Self.tus(Self.fileError(.contentTooLarge, question, "fileTooLarge", file: name, language: language)) }
        do {
            let upload = try await bounded { [store] in
                try await store.createUpload(force: place.force.id, form: place.form.id, question: question.id, name: name, size: size, now: Date())
            }
            log(.info, "upload created", place.force.id, place.form.id, status: 201)
            return Self.tus(Response(status: .created, headers: [.location: "/v1/forces/\(place.force.id)/forms/\(place.form.id)/uploads/\(upload.id)"]))
        } catch {
            log(.error, "upload not created: \(SubmissionStore.describe(error))", place.force.id, place.form.id, status: 503)
            return Self.tus(Self.error(.serviceUnavailable, "the upload could not be started; try again"))
        }
    }

    /// The upload in the path, if it is one of this force's form's.
    func namedUpload(_ place: UploadPlace, _ context: APIContext) async -> Result<UploadRecord, ErrorResponse> {
        let id = context.parameters.get("upload") ?? ""
        guard UploadID.isValid(id) else { return .failure(.init(.notFound, "no such upload")) }
        do {
            guard let upload = try await bounded({ [store] in try await store.upload(id: id) }),
                  upload.force == place.force.id, upload.form == place.form.id else { return .failure(.init(.notFound, "no such upload")) }
            return .success(upload)
        } catch {
            return .failure(.init(.serviceUnavailable, "the upload cannot be read now; try again"))
        }
    }

    func uploadAndPlace(_ request: Request, _ context: APIContext) async -> Result<(UploadPlace, UploadRecord), ErrorResponse> {
        switch uploadPlace(request, context) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let place): return await namedUpload(place, context).map { (place, $0) }
        }
    }

    func headUpload(_ request: Request, _ context: APIContext) async -> Response {
        switch await uploadAndPlace(request, context) {
        case .failure(let refusal): return Self.tus(Response(status: refusal.status))
        case .success(let (_, upload)):
            // A file refused, destroyed or purged takes no more bytes.
            guard !upload.purged, upload.state == .receiving || upload.complete else { return Self.tus(Response(status: .gone)) }
            return Self.tus(Response(status: .ok, headers: [Tus.offset: String(upload.position.received), Tus.length: String(upload.size)]))
        }
    }

    func patchUpload(_ request: Request, _ context: APIContext) async -> Response {
        let (place, upload): (UploadPlace, UploadRecord)
        switch await uploadAndPlace(request, context) {
        case .failure(let refusal): return Self.tus(refusal.response)
        case .success(let found): (place, upload) = found
        }
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == Tus.chunkType else { return Self.tus(Self.error(.unsupportedMediaType, "send the bytes as \(Tus.chunkType)")) }
        guard let offset = request.headers[Tus.offset].flatMap({ Int64($0) }) else {
            return Self.tus(Self.error(.badRequest, "Upload-Offset, where these bytes start, is needed"))
        }
        guard upload.state == .receiving, !upload.purged else {
            return Self.tus(upload.complete && offset == upload.size
                ? Response(status: .noContent, headers: [Tus.offset: String(upload.size)])
                : Self.error(.gone, "this upload takes no more bytes"))
        }
        guard offset == upload.position.received else {
            return Self.tus(Self.error(.conflict, "the upload is at \(upload.position.received), not \(offset): ask HEAD where to resume",
                                       headers: [Tus.offset: String(upload.position.received)]))
        }
        guard let question = place.form.question(upload.question), let rule = question.files, let keys = store.keys else {
            return Self.tus(Self.error(.gone, "this upload's question is no longer in the form"))
        }
        let language = request.uri.queryParameters.get("language").flatMap { place.force.languages.contains($0) ? $0 : nil } ?? "en"
        do {
            switch try await place.evidence.receive(upload, accept: rule.accept, body: request.body, keys: keys, store: store) {
            case .acknowledged(let position):
                if position.received == upload.size { uploaded() }
                return Self.tus(Response(status: .noContent, headers: [Tus.offset: String(position.received)]))
            case .tooLong(let position):
                if position.received == upload.size { uploaded() }
                return Self.tus(Self.error(.contentTooLarge, "more bytes than Upload-Length (\(upload.size)): those past it were not kept",
                                           headers: [Tus.offset: String(position.received)]))
            case .wrongKind(let kind):
                log(.info, "upload refused: \(Evidence.wrongKind(kind))", place.force.id, place.form.id, status: 415)
                return Self.tus(Self.fileError(.unsupportedMediaType, question, "fileType", file: upload.name, language: language))
            case .busy:
                return Self.tus(Self.error(.init(code: 423, reasonPhrase: "Locked"), "another request is sending this upload's bytes; ask HEAD where it stands and resume when it ends"))
            case .moved:
                return Self.tus(Self.error(.conflict, "another request moved this upload on: ask HEAD where to resume"))
            }
        } catch {
            log(.error, "upload bytes not kept: \(error)", place.force.id, place.form.id, status: 503)
            return Self.tus(Self.error(.serviceUnavailable, "the bytes could not be kept; ask HEAD where to resume"))
        }
    }

    /// Where an upload stands, for the page that shows it: its name and size, how much
    /// arrived, its kind, and its state; a message when it cannot join the report.
    struct UploadOut: Encodable {
        var id: String, name: String, size: Int64, received: Int64, mediaType: String?, state: UploadState, sha256: String?
        var error: FormError?
    }

    func getUpload(_ request: Request, _ context: APIContext) async -> Response {
        switch await uploadAndPlace(request, context) {
        case .failure(let refusal): return Self.tus(refusal.response)
        case .success(let (place, upload)):
            let language = request.uri.queryParameters.get("language").flatMap { place.force.languages.contains($0) ? $0 : nil } ?? "en"
            var out = UploadOut(id: upload.id, name: upload.name, size: upload.size, received: upload.position.received,
                                mediaType: upload.mediaType?.rawValue, state: upload.state, sha256: upload.sha256)
            let code: String? = switch upload.state {
            case .infected: "fileInfected"
            case .refused: "fileType"
            default: nil
            }
            if let code, let question = place.form.question(upload.question) {
                out.error = FormError(question: question.id, code: code,
                                      message: MessageTemplate.fill(question.messages[code]?.text(language) ?? code, ["file": upload.name]))
            }
            return Self.tus(Self.encode(.ok, out))
        }
    }

    func deleteUpload(_ request: Request, _ context: APIContext) async -> Response {
        switch await uploadAndPlace(request, context) {
        case .failure(let refusal): return Self.tus(refusal.response)
        case .success(let (place, upload)):
            do {
                guard upload.submissionID == nil else { return Self.tus(Self.error(.conflict, "this file is part of a sent report")) }
                // The bytes first: if they cannot go now, the upload stays, and goes with its
                // bytes a day on like every upload no report took.
                guard await place.evidence.destroy(upload.id, store: store) else {
                    return Self.tus(Self.error(.serviceUnavailable, "the upload could not be removed; try again"))
                }
                guard try await bounded({ [store] in try await store.deleteUpload(id: upload.id) }) else {
                    return Self.tus(Self.error(.conflict, "this file is part of a sent report"))
                }
                return Self.tus(Response(status: .noContent))
            } catch {
                return Self.tus(Self.error(.serviceUnavailable, "the upload could not be removed; try again"))
            }
        }
    }

    /// tus's `Upload-Metadata`: `key base64,key base64` (a key may have no value); nil when it
    /// is not that, or a key comes twice.
    static func uploadMetadata(_ header: String) -> [String: String]? {
        var pairs: [String: String] = [:]
        for item in header.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
            guard let key = parts.first, parts.count <= 2, pairs[String(key)] == nil else { return nil }
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let text = String(data: data, encoding: .utf8) else { return nil }
                pairs[String(key)] = text
            } else {
                pairs[String(key)] = ""
            }
        }
        return pairs
    }

    /// A file's name as it is kept and shown: its last part only (never a path), without
    /// control characters, at most 200 characters; `file` when nothing is left.
    static func fileName(_ sent: String) -> String {
        let last = sent.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(String.UnicodeScalarView(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
            .trimmingCharacters(in: .whitespaces)
        let name = String(clean.prefix(200))
        return name.isEmpty || name == "." || name == ".." ? "file" : name
    }
}
