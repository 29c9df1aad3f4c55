import Crypto
import Foundation
import Hummingbird
import SOHModel

/// Reading back: each force its own reports and its audit log, with its own token.
extension SubmissionAPI {
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
        let page: Paging
        do throws(Paging.Refused) { page = try Paging(request.uri.queryParameters, defaultLimit: 50, maxLimit: 200, since: true) } catch {
            return Self.error(.badRequest, error.message)
        }
        do {
            let rows = try await bounded { try await store.list(force: force, since: page.since, after: page.after, limit: page.limit) }
            let next: String? = rows.count == page.limit ? rows.last.map { String($0.id) } : nil
            // Every delivery of exactly these reports, however many the force has.
            let receipts = try await bounded { try await store.deliveries(ofSubmissions: rows.map(\.id)) }
            let files = try await bounded { try await store.evidence(ofSubmissions: rows.map(\.id)) }
            let page = SubmissionPage(submissions: try rows.map { try SubmissionOut($0, deliveries: receipts, reader: force, evidence: files[$0.id] ?? []) },
                                      next: next)
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
        do {
            // A database that cannot be read is not "no such submission".
            guard let row = try await bounded({ try await store.get(force: force, reference: reference) }) else {
                // What was asked goes into the log escaped, on one line (operators read it in a terminal).
                let asked = Escape.line(reference, limit: 40)
                try await record(request, context, "read", force: force, target: "\(asked) (no such submission)")
                return Self.error(.notFound, "no such submission")
            }
            let deliveries = try await bounded { try await store.deliveries(reference: row.reference) }
            let files = try await bounded { try await store.evidence(ofSubmissions: [row.id]) }
            let out = try SubmissionOut(row, deliveries: deliveries, reader: force, evidence: files[row.id] ?? [])
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
}
