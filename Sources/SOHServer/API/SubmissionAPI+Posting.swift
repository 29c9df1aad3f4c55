import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SOHModel
import SOHForms

/// Posting a report: JSON from the sites' script, or a form post when the script did not run.
/// Both take one path from the answers to a stored report (`accept`); only how the request is
/// read and how the outcome is answered differ.
extension SubmissionAPI {
    /// The deliveries of a new report (docs/routing.md): to the force it was made to; or, when
    /// it is about another force's area, the report to the owning force and a notice to the other.
    func destinations(_ force: String, _ form: String, routing: ReportRouting? = nil) -> [DeliveryTarget] {
        let own = deliveries.destinations(force: force, form: form).map { DeliveryTarget(destination: $0.name, address: $0.kind.address) }
        guard let routing else { return own }
        switch routing.action {
        case .transfer:
            let owner = deliveries.destinations(force: routing.areaForce, form: form)
            // A force that takes no deliveries here reads its reports through the API; the force
            // it was made to then gets the report too, so that it reaches someone's system.
            let notices = owner.isEmpty ? own : deliveries.noticeDestinations(force: force, form: form).map {
                DeliveryTarget(destination: $0.name, address: $0.kind.address, notice: true)
            }
            return owner.map { DeliveryTarget(force: routing.areaForce, destination: $0.name, address: $0.kind.address) } + notices
        case .notify:
            // The force it was made to acts first: the other force's deliveries wait for its own.
            return own + deliveries.noticeDestinations(force: routing.areaForce, form: form).map {
                DeliveryTarget(force: routing.areaForce, destination: $0.name, address: $0.kind.address, held: !own.isEmpty)
            }
        }
    }

    /// The confirmation the person asked for (docs/messages.md), sent by the force the report is
    /// with (the owning force after routing), or else the force it was made to; nil when they
    /// asked for none or neither force sends that kind.
    func confirmation(_ force: String, _ form: FormDefinition, routing: ReportRouting?, answers: [String: Answer]) -> DeliveryTarget? {
        guard let recipient = form.receipt?.recipient(answers) else { return nil }
        for candidate in [routing?.owningForce ?? force, force] {
            if let destination = deliveries.messageDestination(force: candidate, form: form.id, channel: recipient.channel) {
                return DeliveryTarget(force: candidate, destination: destination.name, address: destination.kind.address, message: true)
            }
        }
        logger.warning("a confirmation was asked for and no destination sends it", metadata: ["force": .string(force), "form": .string(form.id),
                                                                                           "channel": .string(recipient.channel)])
        return nil
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

    /// A browser asking whether a force's site may send this request: `methods` with `headers`.
    func preflight(_ request: Request, _ context: APIContext, methods: String = "POST",
                   headers allowed: String = "Content-Type, Idempotency-Key, Accept") -> Response {
        guard let force = context.parameters.get("force"), let site = catalog.forces[force] else {
            return Self.error(.notFound, "unknown force")
        }
        // What the request itself would answer 404 is refused here too.
        let form = context.parameters.get("form") ?? ""
        guard catalog.forms[form] != nil, !site.unavailableForms.contains(form) else {
            return Self.error(.notFound, "force '\(force)' has no form '\(Escape.line(form, limit: 60))'")
        }
        guard let origin = request.headers[.origin], catalog.allowsOrigin(origin, for: force) else {
            return Self.error(.forbidden, "this origin may not post to this force")
        }
        var headers = HTTPFields()
        headers[.accessControlAllowMethods] = methods
        headers[.accessControlAllowHeaders] = allowed
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
        let contentType = request.headers[.contentType] ?? ""
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        // A local preview's own origin gets the confirmation page of the preview, not the live site.
        let site = origin.flatMap { catalog.previewOrigins.contains($0) ? $0 : nil } ?? force.baseURL
        if type == "multipart/form-data" {
            // A form with files, posted by the page itself: the files stream to their uploads.
            guard let boundary = MultipartForm.boundary(contentType) else { return Self.error(.badRequest, "multipart/form-data needs its boundary") }
            do {
                let posted = try await MultipartForm.read(request.body, boundary: boundary, form: form, force: forceID, evidence: evidence,
                                                          store: store, maxText: options.maxBody)
                let response = await submitFields(posted.fields, problems: posted.problems, force: force, form: form, site: site)
                // Files no report took (the post was refused, or a bot's) are forgotten at once; a
                // report's own stay (an upload that joined a report is never deleted).
                await forget(posted.uploads)
                return response
            } catch let unreadable as MultipartForm.Unreadable {
                return Self.error(unreadable.tooLarge ? .contentTooLarge : .badRequest, unreadable.description)
            } catch {
                log(.error, "files not kept: \(error)", forceID, formID, status: 503)
                return Self.error(.serviceUnavailable, "the files could not be kept; try again")
            }
        }
        guard type == "application/json" || type == "application/x-www-form-urlencoded" else {
            return Self.error(.unsupportedMediaType, "send application/json, application/x-www-form-urlencoded or multipart/form-data")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: options.maxBody)
        } catch {
            return Self.error(.contentTooLarge, "the submission is larger than \(options.maxBody) bytes")
        }
        if type == "application/json" {
            return await submitJSON(body, key: request.headers[Self.idempotencyKey], force: force, form: form)
        }
        return await submitFields(FormFields.decode(String(buffer: body)), force: force, form: form, site: site)
    }

    /// A report as either kind of post gives it, read and checked for what its kind of post
    /// checks itself.
    struct Report {
        var force: APICatalog.Force, form: FormDefinition, language: String, answers: [String: Answer]
        var startedAt: String? = nil, submittedAt: String? = nil, key: String? = nil, today = CalendarDate.today()
    }

    /// What became of a report.
    enum Accepted {
        case invalid([FormError])
        case stored(StoredSubmission, created: Bool)
        case keyReused
        case notStored
    }

    /// The one path from a report to a stored one: validated, routed from its answers alone
    /// (nothing else in the request can move a report), stored with its deliveries, logged.
    func accept(_ report: Report, status: Int) async -> Accepted {
        let (force, form) = (report.force, report.form)
        let errors = FormValidator.validate(form, answers: report.answers, options: .init(today: report.today, language: report.language))
        if !errors.isEmpty {
            log(.info, "invalid submission", force.id, form.id, status: 422)
            return .invalid(errors)
        }
        let routing = ReportRouting.decide(form, answers: report.answers, receivedBy: force.id, areas: catalog.areas)
        let uploads: [String]
        do {
            let (ids, problems) = try await checkUploads(report)
            if !problems.isEmpty {
                log(.info, "invalid submission: its files", force.id, form.id, status: 422)
                return .invalid(problems)
            }
            uploads = ids
        } catch {
            log(.error, "uploads not read: \(SubmissionStore.describe(error))", force.id, form.id, status: 503)
            return .notStored
        }
        do {
            let new = NewSubmission(
                force: force.id, code: force.code, form: form.id, version: form.version, language: report.language,
                answers: try Self.canonicalJSON(Answer.stored(report.answers)), startedAt: report.startedAt, submittedAt: report.submittedAt,
                idempotencyKey: report.key, destinations: destinations(force.id, form.id, routing: routing)
                    + [confirmation(force.id, form, routing: routing, answers: report.answers)].compactMap { $0 },
                routing: routing, uploads: uploads)
            switch try await bounded({ try await store.store(new) }) {
            case .created(let stored):
                self.stored()
                log(.info, "submission stored", force.id, form.id, status: status, reference: stored.reference)
                return .stored(stored, created: true)
            case .replayed(let stored):
                log(.info, "idempotent replay", force.id, form.id, status: status, reference: stored.reference)
                return .stored(stored, created: false)
            case .keyReused:
                log(.notice, "idempotency key reused for other content", force.id, form.id, status: 422)
                return .keyReused
            }
        } catch StoreError.uploadGone {
            log(.info, "invalid submission: a file was taken meanwhile", force.id, form.id, status: 422)
            let question = form.allQuestions.first { $0.question.type == .file }?.question
            let message = question?.messages["fileNotUploaded"]?.text(report.language) ?? "fileNotUploaded"
            return .invalid([FormError(question: question?.id ?? "", code: "fileNotUploaded",
                                       message: MessageTemplate.fill(message, ["file": report.language == "cy" ? "Ffeil" : "A file"]))])
        } catch {
            log(.error, "storage failed: \(SubmissionStore.describe(error))", force.id, form.id, status: 503)
            return .notStored
        }
    }

    /// Forgets those of `uploads` no report took, and destroys their bytes (an upload whose
    /// bytes cannot go now stays, and goes a day on like every upload no report took).
    func forget(_ uploads: [String]) async {
        guard let evidence else { return }
        for id in uploads {
            guard let upload = try? await bounded({ [store] in try await store.upload(id: id) }), upload.submissionID == nil,
                  await evidence.destroy(id, store: store) else { continue }
            _ = try? await bounded({ [store] in try await store.deleteUpload(id: id) })
        }
    }

    /// The uploads a report's file questions name, and what is wrong with any of them, as the
    /// question says it: each must be this force's form's upload for that question, complete,
    /// not refused or infected, and all of them together within `maxTotal`.
    func checkUploads(_ report: Report) async throws -> (ids: [String], problems: [FormError]) {
        var ids: [String] = [], problems: [FormError] = []
        for (_, question) in report.form.allQuestions where question.type == .file {
            guard case .list(let named) = report.answers[question.id], let rule = question.files else { continue }
            func problem(_ code: String, _ file: String) {
                problems.append(FormError(question: question.id, code: code,
                                          message: MessageTemplate.fill(question.messages[code]?.text(report.language) ?? code, ["file": file])))
            }
            var total: Int64 = 0
            for id in named {
                guard let upload = try await bounded({ [store] in try await store.upload(id: id) }), upload.force == report.force.id,
                      upload.form == report.form.id, upload.question == question.id, upload.submissionID == nil, !upload.purged else {
                    problem("fileNotUploaded", report.language == "cy" ? "Ffeil" : "A file")
                    continue
                }
                switch upload.state {
                case .receiving: problem("fileNotUploaded", upload.name)
                case .infected: problem("fileInfected", upload.name)
                case .refused: problem("fileType", upload.name)
                case .scanning, .clean: ids.append(id); total += upload.size
                }
            }
            if total > rule.maxTotal { problem("filesTooLarge", "") }
        }
        return (ids, problems)
    }

    struct Payload: Decodable {
        var form: String
        var version: Int
        var language: String?
        var answers: [String: Answer]
        var startedAt: String?
        var submittedAt: String?
    }

    func submitJSON(_ body: ByteBuffer, key: String?, force: APICatalog.Force, form: FormDefinition) async -> Response {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(buffer: body))
        } catch {
            return Self.error(.badRequest, "the body is not a submission: \(Self.describe(error))")
        }
        guard payload.form == form.id else { return Self.error(.badRequest, "the body is for form '\(payload.form)', not '\(form.id)'") }
        guard payload.version == form.version else {
            return Self.error(.conflict, "this form has changed (version \(form.version)); reload the page to continue")
        }
        for (name, value) in [("startedAt", payload.startedAt), ("submittedAt", payload.submittedAt)] {
            if let value, !StoreTime.isTimestamp(value) {
                return Self.error(.badRequest, "'\(name)' is not a time (ISO 8601 with its zone, e.g. 2026-11-26T10:12:00Z)")
            }
        }
        if let key, key.count > 200 { return Self.error(.badRequest, "the Idempotency-Key is too long") }
        let language = payload.language.flatMap { force.languages.contains($0) ? $0 : nil } ?? "en"
        switch await accept(Report(force: force, form: form, language: language, answers: payload.answers, startedAt: payload.startedAt,
                                   submittedAt: payload.submittedAt, key: key), status: 201) {
        case .invalid(let errors):
            return Self.encode(.unprocessableContent, ["errors": errors])
        case .stored(let stored, _):
            return Self.encode(.created, Self.receipt(stored))
        case .keyReused:
            // As the IETF Idempotency-Key draft advises: 422, and nothing stored or acknowledged.
            return Self.encode(.unprocessableContent, [
                "code": "idempotencyKeyReused",
                "error": "this Idempotency-Key was already used for a different submission; send it again with a new key",
            ])
        case .notStored:
            return Self.error(.serviceUnavailable, "the submission could not be stored; try again")
        }
    }

    /// A form post has no idempotency key, so it is always stored anew; it is answered with
    /// pages (the confirmation, or what to mend) rather than JSON.
    func submitFields(_ fields: [(String, String)], problems: [MultipartForm.Problem] = [], force: APICatalog.Force, form: FormDefinition,
                      site: String) async -> Response {
        let language = fields.last { $0.0 == "_language" }.map(\.1).flatMap { force.languages.contains($0) ? $0 : nil } ?? "en"
        let confirmation = site + (catalog.confirmationPaths[form.id]?[language] ?? "/")
        // Bots fill the hidden field; they are sent on as if it worked, and nothing is stored.
        if let trap = fields.last(where: { $0.0 == "_website" }), !trap.1.isEmpty {
            log(.notice, "honeypot filled: discarded", force.id, form.id, status: 303)
            return Response(status: .seeOther, headers: [.location: confirmation])
        }
        let formURL = site + (catalog.confirmationPaths[form.id]?[language].map { String($0.dropLast("confirmation/".count)) } ?? "/")
        if !problems.isEmpty {
            // A file that cannot join the report is named, and nothing is stored.
            log(.info, "invalid submission: its files", force.id, form.id, status: 422)
            return ErrorPage.response(.unprocessableContent, language: language, form: form, messages: problems.map {
                MessageTemplate.fill($0.question.messages[$0.code]?.text(language) ?? $0.code, ["file": $0.file])
            }, back: formURL)
        }
        let today = CalendarDate.today()
        let answers = FormFields.keepAsked(FormFields.answers(fields, form: form), form: form, today: today)
        switch await accept(Report(force: force, form: form, language: language, answers: answers, today: today), status: 303) {
        case .invalid(let errors):
            return ErrorPage.response(.unprocessableContent, language: language, form: form, messages: errors.map(\.message), back: formURL)
        case .stored(let stored, _):
            // The confirmation page shows the note for the force whose area it was (`:target`).
            let note = stored.routing.map { "#area-force-\($0.areaForce)" } ?? ""
            return Response(status: .seeOther, headers: [.location: "\(confirmation)?reference=\(stored.reference)\(note)"])
        case .keyReused, .notStored:
            return ErrorPage.response(.serviceUnavailable, language: language, form: form, messages: [
                language == "cy" ? "Nid oedd modd cadw eich atebion. Ewch yn ôl a rhowch gynnig arall arni." : "Your answers could not be saved. Go back and try again.",
            ], back: force.baseURL)
        }
    }
}
