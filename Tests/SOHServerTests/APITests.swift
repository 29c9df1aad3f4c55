import Crypto
import SQLiteKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SOHDelivery
import SOHForms
import SOHModel
import SOHServer
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func sha256(_ s: String) -> String { SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined() }

/// The API over the repository's real forms, a fresh database, and tokens for two forces.
struct Harness {
    var catalog: APICatalog
    let store: SubmissionStore
    let dbPath: String

    init() async throws {
        catalog = try APICatalog.load(root: repositoryRoot)
        dbPath = FileManager.default.temporaryDirectory.appendingPathComponent("soh-api-\(UUID().uuidString).sqlite").path
        store = try await SubmissionStore.sqlite(path: dbPath, keys: StoreTests.keys)
    }

    func app(rate: Int = 0, reads: Int = 600, maxBody: Int = 64 * 1024, deliveries: DeliveryConfig = DeliveryConfig()) -> some ApplicationProtocol {
        var options = SubmissionAPI.Options()
        options.ratePerMinute = rate
        options.readsPerMinute = reads
        options.burst = 2
        options.maxBody = maxBody
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let api = SubmissionAPI(catalog: catalog, store: store, tokenHashes: ["kent": sha256("kent-secret"), "gwent": sha256("gwent-secret")],
                                options: options, logger: logger, deliveries: deliveries)
        return APIServer.makeApplication(api, host: "127.0.0.1", port: 0, logger: logger) { _ in }
    }
}

/// Valid answers for any form (`exampleAnswers`), in Kent's area: the tests post to Kent, and a
/// report about elsewhere moves (RoutingTests).
func sampleAnswers(_ form: FormDefinition) -> [String: Answer] {
    form.exampleAnswers(force: "kent", today: CalendarDate(year: 2026, month: 6, day: 15))
}

func body(_ form: FormDefinition, _ answers: [String: Answer], version: Int? = nil, language: String = "en") -> ByteBuffer {
    struct Payload: Encodable { var form: String; var version: Int; var language: String; var answers: [String: Answer] }
    let data = try! JSONEncoder().encode(Payload(form: form.id, version: version ?? form.version, language: language, answers: answers))
    return ByteBuffer(data: data)
}

func json(_ buffer: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
}

let jsonHeaders: HTTPFields = [.contentType: "application/json", .origin: "https://kent.soh.example"]

@Suite("Submission API")
struct APITests {
    @Test func everyServiceFormIsStoredWithAReference() async throws {
        let h = try await Harness()
        #expect(h.catalog.forms.count == 10)
        try await h.app().test(.live) { client in
            for (id, form) in h.catalog.forms.sorted(by: { $0.key < $1.key }) {
                try await client.execute(uri: "/v1/forces/kent/forms/\(id)/submissions", method: .post, headers: jsonHeaders,
                                         body: body(form, sampleAnswers(form))) { response in
                    let object = json(response.body)
                    #expect(response.status == .created, "\(id): \(String(buffer: response.body))")
                    let reference = object["reference"] as? String ?? ""
                    #expect(reference.hasPrefix("KEN-") && Reference.isValid(reference), "\(reference)")
                    #expect(response.headers[.accessControlAllowOrigin] == "https://kent.soh.example")
                }
            }
        }
        #expect(try await h.store.count() == 10)
    }

    @Test func invalidAnswersGetTheValidatorsCodes() async throws {
        let h = try await Harness()
        let form = try #require(h.catalog.forms["crime"])
        var answers = sampleAnswers(form)
        answers["email"] = .text("not an email")
        answers["other-type"] = .text("typed under an option not chosen")
        answers["shoe-size"] = .text("9")
        let invalid = answers
        try await h.app().test(.live) { client in
            try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .post, headers: jsonHeaders, body: body(form, invalid)) { response in
                #expect(response.status == .unprocessableContent)
                let errors = (json(response.body)["errors"] as? [[String: String]] ?? []).map { "\($0["question"]!):\($0["code"]!)" }
                #expect(errors == ["email:invalid", "other-type:notAsked", "shoe-size:unknown"])
            }
            // Welsh messages for a Welsh force.
            try await client.execute(uri: "/v1/forces/gwent/forms/crime/submissions", method: .post,
                                     headers: [.contentType: "application/json"], body: body(form, [:], language: "cy")) { response in
                #expect(response.status == .unprocessableContent)
                let first = (json(response.body)["errors"] as? [[String: String]])?.first
                #expect(first?["code"] == "required")
                #expect(first?["message"] == "Dewiswch a oes unrhyw un mewn perygl nawr")
            }
        }
        #expect(try await h.store.count() == 0)
    }

    @Test func refusalsHaveTheirStatus() async throws {
        let h = try await Harness()
        let form = try #require(h.catalog.forms["lost-property"])
        try await h.app(maxBody: 2048).test(.live) { client in
            let path = "/v1/forces/kent/forms/lost-property/submissions"
            try await client.execute(uri: path, method: .post, headers: jsonHeaders, body: ByteBuffer(string: "{not json")) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/forces/atlantis/forms/lost-property/submissions", method: .post, headers: jsonHeaders, body: body(form, [:])) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/v1/forces/kent/forms/nope/submissions", method: .post, headers: jsonHeaders, body: body(form, [:])) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: path, method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "hi")) {
                #expect($0.status == .unsupportedMediaType)
            }
            try await client.execute(uri: path, method: .post, headers: jsonHeaders, body: ByteBuffer(string: String(repeating: "x", count: 5000))) {
                #expect($0.status == .contentTooLarge)
            }
            try await client.execute(uri: path, method: .post, headers: jsonHeaders, body: body(form, sampleAnswers(form), version: 99)) {
                #expect($0.status == .conflict)
            }
            // CORS: another site's origin is refused, before and at the post.
            var foreign = jsonHeaders
            foreign[.origin] = "https://evil.example"
            try await client.execute(uri: path, method: .post, headers: foreign, body: body(form, sampleAnswers(form))) {
                #expect($0.status == .forbidden)
                #expect($0.headers[.accessControlAllowOrigin] == nil)
            }
            try await client.execute(uri: path, method: .options, headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"]) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: path, method: .options, headers: [.origin: "https://kent.soh.example", .accessControlRequestMethod: "POST"]) {
                #expect($0.status == .noContent)
                #expect($0.headers[.accessControlAllowOrigin] == "https://kent.soh.example")
                #expect($0.headers[.accessControlAllowHeaders]?.contains("Idempotency-Key") == true)
            }
            // Times that are not times are refused, not stored.
            for (field, value) in [("startedAt", "yesterday"), ("submittedAt", "2026-13-45T99:00:00Z"), ("startedAt", String(repeating: "9", count: 5000)),
                                   ("submittedAt", "2026-11-26")] {
                var payload = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body(form, sampleAnswers(form)))) as? [String: Any])
                payload[field] = value
                let data = try JSONSerialization.data(withJSONObject: payload)
                try await client.execute(uri: path, method: .post, headers: jsonHeaders, body: ByteBuffer(data: data)) {
                    #expect($0.status == .badRequest || $0.status == .contentTooLarge, "\(field): \(value.prefix(20))")
                    if value.count < 100 { #expect(String(buffer: $0.body).contains("'\(field)' is not a time"), "\(String(buffer: $0.body))") }
                }
            }
            // Kent's origin may not post to Gwent.
            try await client.execute(uri: "/v1/forces/gwent/forms/lost-property/submissions", method: .post, headers: jsonHeaders, body: body(form, sampleAnswers(form))) {
                #expect($0.status == .forbidden)
            }
        }
        #expect(try await h.store.count() == 0)
    }

    @Test func tooManySubmissionsAreRateLimited() async throws {
        let h = try await Harness()
        let form = try #require(h.catalog.forms["lost-property"])
        try await h.app(rate: 1).test(.live) { client in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/forces/kent/forms/lost-property/submissions", method: .post, headers: jsonHeaders, body: body(form, sampleAnswers(form))) {
                    statuses.append($0.status)
                    if $0.status == .tooManyRequests { retryAfter = $0.headers[.retryAfter] }
                }
            }
            #expect(statuses == [.created, .created, .tooManyRequests])
            #expect(Int(retryAfter ?? "") ?? 0 > 0)
        }
    }

    @Test func anIdempotentReplayStoresOnce() async throws {
        let h = try await Harness()
        let form = try #require(h.catalog.forms["found-property"])
        var headers = jsonHeaders
        headers[HTTPField.Name("Idempotency-Key")!] = "8d3c6a52-0a4f-4f0e-9f1e-1f2c3d4e5f60"
        let keyed = headers
        try await h.app().test(.live) { client in
            var references: [String] = []
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/forces/kent/forms/found-property/submissions", method: .post, headers: keyed, body: body(form, sampleAnswers(form))) {
                    #expect($0.status == .created)
                    references.append(json($0.body)["reference"] as? String ?? "")
                }
            }
            #expect(Set(references).count == 1)
        }
        #expect(try await h.store.count() == 1)
    }

    @Test func aReusedKeyWithOtherContentIsRefusedAndNothingIsLost() async throws {
        let h = try await Harness()
        let lost = try #require(h.catalog.forms["lost-property"]), found = try #require(h.catalog.forms["found-property"])
        var headers = jsonHeaders
        headers[HTTPField.Name("Idempotency-Key")!] = "k1"
        let keyed = headers
        var corrected = sampleAnswers(lost)
        corrected["item-description"] = .text("A blue umbrella, not a black one")
        let first = sampleAnswers(lost), second = corrected
        #expect(first != second)
        try await h.app().test(.live) { client in
            var reference = ""
            try await client.execute(uri: "/v1/forces/kent/forms/lost-property/submissions", method: .post, headers: keyed, body: body(lost, first)) {
                #expect($0.status == .created)
                reference = json($0.body)["reference"] as? String ?? ""
            }
            // Other answers, another language or another form under the same key: refused, not acknowledged.
            for (form, answers, language) in [(lost, second, "en"), (found, sampleAnswers(found), "en")] {
                try await client.execute(uri: "/v1/forces/kent/forms/\(form.id)/submissions", method: .post, headers: keyed,
                                         body: body(form, answers, language: language)) {
                    #expect($0.status == .unprocessableContent, "\(form.id)")
                    #expect(json($0.body)["code"] as? String == "idempotencyKeyReused")
                    #expect(json($0.body)["reference"] == nil)
                }
            }
            // The same content again: the same reference.
            try await client.execute(uri: "/v1/forces/kent/forms/lost-property/submissions", method: .post, headers: keyed, body: body(lost, first)) {
                #expect($0.status == .created)
                #expect(json($0.body)["reference"] as? String == reference)
            }
            // A key is the force's own: another force may use the same one.
            var gwent = keyed
            gwent[.origin] = nil
            try await client.execute(uri: "/v1/forces/gwent/forms/lost-property/submissions", method: .post, headers: gwent, body: body(lost, second)) {
                #expect($0.status == .created)
            }
        }
        #expect(try await h.store.count() == 2)
    }

    @Test func keysStoredBeforeDigestsStillReplay() async throws {
        // A database made by the first schema, with a keyed submission in it.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("soh-v1-\(UUID().uuidString).sqlite").path
        let answers = #"{"item-type":"keys"}"#
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        for statement in [
            "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)",
            "INSERT INTO grdb_migrations VALUES ('v1: submissions')",
            """
            CREATE TABLE submission (
              id INTEGER PRIMARY KEY AUTOINCREMENT, reference TEXT NOT NULL UNIQUE, force TEXT NOT NULL, form TEXT NOT NULL,
              form_version INTEGER NOT NULL, language TEXT NOT NULL, answers TEXT NOT NULL, received_at TEXT NOT NULL,
              started_at TEXT, submitted_at TEXT, idempotency_key TEXT, UNIQUE (force, idempotency_key))
            """,
        ] { _ = try await connection.query(statement) }
        _ = try await connection.query("""
            INSERT INTO submission (reference, force, form, form_version, language, answers, received_at, idempotency_key)
            VALUES ('KEN-7K4M-QX9C', 'kent', 'lost-property', 1, 'en', ?, '2026-11-01T10:00:00Z', 'old-key')
            """, [.text(answers)])
        try await connection.close()
        let store = try await SubmissionStore.sqlite(path: path, keys: StoreTests.keys)
        #expect(try await store.appliedMigrations() == StoreTests.migrations)
        // The documented step after upgrading from before sealing (docs/privacy.md).
        #expect(try await store.reseal(batch: 10, sealUnsealed: true) == 1)
        let again = try await store.store(.init(force: "kent", code: "KEN", form: "lost-property", version: 1, language: "en",
                                               answers: answers, idempotencyKey: "old-key"))
        guard case .replayed(let stored) = again else { Issue.record("expected a replay, got \(again)"); return }
        #expect(stored.reference == "KEN-7K4M-QX9C")
        let other = try await store.store(.init(force: "kent", code: "KEN", form: "lost-property", version: 1, language: "en",
                                               answers: #"{"item-type":"bag"}"#, idempotencyKey: "old-key"))
        #expect(other == .keyReused)
        #expect(try await store.count() == 1)
    }

    @Test func formPostsRedirectOrExplain() async throws {
        let h = try await Harness()
        try await h.app().test(.live) { client in
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: "https://kent.soh.example"]
            let good = "_form=found-property&_version=1&_language=en&_website=&dangerous=no&item-description=Keys+on+a+ring"
                + "&found-date%5Bday%5D=2&found-date%5Bmonth%5D=3&found-date%5Byear%5D=2026&found-place=Bus+stop&still-have=yes"
                + "&full-name=Sam+Jones&email=sam%40example.com&phone=&home-address%5Bline1%5D=1+High+St&home-address%5Bline2%5D="
                + "&home-address%5Btown%5D=Leeds&home-address%5Bcounty%5D=&home-address%5Bpostcode%5D=LS1+1AA&confirm=yes"
            try await client.execute(uri: "/v1/forces/kent/forms/found-property/submissions", method: .post, headers: headers, body: ByteBuffer(string: good)) {
                #expect($0.status == .seeOther)
                let location = $0.headers[.location] ?? ""
                #expect(location.hasPrefix("https://kent.soh.example/report/found-property/form/confirmation/?reference=KEN-"), "\(location)")
            }
            let bad = good.replacingOccurrences(of: "email=sam%40example.com", with: "email=sam")
            try await client.execute(uri: "/v1/forces/kent/forms/found-property/submissions", method: .post, headers: headers, body: ByteBuffer(string: bad)) {
                #expect($0.status == .unprocessableContent)
                let page = String(buffer: $0.body)
                #expect($0.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.contains("<h1>There is a problem</h1>"))
                #expect(page.contains("Enter an email address in the correct format, like name@example.com"))
                #expect(page.contains("href=\"https://kent.soh.example/report/found-property/form/\""))
            }
            let bot = good.replacingOccurrences(of: "_website=", with: "_website=http%3A%2F%2Fspam.example")
            try await client.execute(uri: "/v1/forces/kent/forms/found-property/submissions", method: .post, headers: headers, body: ByteBuffer(string: bot)) {
                #expect($0.status == .seeOther)
                #expect($0.headers[.location]?.contains("reference=") == false)
            }
            // A field that is no question is not an answer: left out, as a JSON body's extra fields are.
            try await client.execute(uri: "/v1/forces/kent/forms/found-property/submissions", method: .post, headers: headers,
                                     body: ByteBuffer(string: good + "&admin=true&owningForce=gwent")) {
                #expect($0.status == .seeOther && $0.headers[.location]?.contains("reference=KEN-") == true)
            }
        }
        let stored = try await h.store.list(force: "kent")
        #expect(stored.count == 2, "the good posts are stored, the bot's is not")
        #expect(stored.allSatisfy { !$0.answers.contains("admin") && !$0.answers.contains("owningForce") })
    }

    @Test func answersAreStoredTheSameWhicheverWayTheyCame() async throws {
        let h = try await Harness()
        let form = try #require(h.catalog.forms["found-property"])
        let fields = "_form=found-property&_version=1&_language=en&_website=&dangerous=no&item-description=Keys+on+a+ring"
            + "&found-date%5Bday%5D=2&found-date%5Bmonth%5D=3&found-date%5Byear%5D=2026&found-place=Bus+stop&still-have=yes"
            + "&full-name=Sam+Jones&email=sam%40example.com&phone=&home-address%5Bline1%5D=1+High+St&home-address%5Bline2%5D="
            + "&home-address%5Btown%5D=Leeds&home-address%5Bcounty%5D=&home-address%5Bpostcode%5D=LS1+1AA&confirm=yes"
        // The same answers as the runtime sends them: every address part, empty ones included.
        let answers: [String: Answer] = [
            "dangerous": .text("no"), "item-description": .text("Keys on a ring"),
            "found-date": .parts(["day": "2", "month": "3", "year": "2026"]), "found-place": .text("Bus stop"), "still-have": .text("yes"),
            "full-name": .text("Sam Jones"), "email": .text("sam@example.com"), "phone": .text(""),
            "home-address": .parts(["line1": "1 High St", "line2": "", "town": "Leeds", "county": " ", "postcode": "LS1 1AA"]),
            "confirm": .text("yes"),
        ]
        try await h.app().test(.live) { client in
            try await client.execute(uri: "/v1/forces/kent/forms/found-property/submissions", method: .post,
                                     headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: fields)) {
                #expect($0.status == .seeOther)
            }
            try await client.execute(uri: "/v1/forces/kent/forms/found-property/submissions", method: .post, headers: jsonHeaders,
                                     body: body(form, answers)) {
                #expect($0.status == .created, "\(String(buffer: $0.body))")
            }
        }
        let stored = try await h.store.list(force: "kent").map(\.answers)
        #expect(stored.count == 2)
        #expect(stored.first == stored.last, "\(stored)")
        #expect(stored.first?.contains("line2") == false && stored.first?.contains("county") == false && stored.first?.contains("phone") == false)
    }

    /// A Welsh post without JavaScript: the error page and the confirmation are Welsh, and the
    /// submission keeps its language.
    @Test func welshFormPostsStayWelsh() async throws {
        let h = try await Harness()
        try await h.app().test(.live) { client in
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: "https://gwent.soh.example"]
            let good = "_form=found-property&_version=1&_language=cy&_website=&dangerous=no&item-description=Allweddi"
                + "&found-date%5Bday%5D=2&found-date%5Bmonth%5D=3&found-date%5Byear%5D=2026&found-place=Arhosfan+bws&still-have=yes"
                + "&full-name=Siân+Jones&email=sian%40example.com&phone=&home-address%5Bline1%5D=1+Stryd+Fawr&home-address%5Bline2%5D="
                + "&home-address%5Btown%5D=Casnewydd&home-address%5Bcounty%5D=&home-address%5Bpostcode%5D=NP20+1AA&confirm=yes"
            let bad = good.replacingOccurrences(of: "email=sian%40example.com", with: "email=sian")
            try await client.execute(uri: "/v1/forces/gwent/forms/found-property/submissions", method: .post, headers: headers, body: ByteBuffer(string: bad)) {
                #expect($0.status == .unprocessableContent)
                let page = String(buffer: $0.body)
                #expect(page.contains("<html lang=\"cy\">"))
                #expect(page.contains("<h1>Mae problem wedi codi</h1>"))
                #expect(page.contains("Rhowch gyfeiriad e-bost yn y fformat cywir"))
                #expect(page.contains("href=\"https://gwent.soh.example/cy/rhoi-gwybod/eiddo-a-ganfuwyd/form/\""), "\(page)")
            }
            try await client.execute(uri: "/v1/forces/gwent/forms/found-property/submissions", method: .post, headers: headers, body: ByteBuffer(string: good)) {
                #expect($0.status == .seeOther)
                let location = $0.headers[.location] ?? ""
                #expect(location.hasPrefix("https://gwent.soh.example/cy/rhoi-gwybod/eiddo-a-ganfuwyd/form/confirmation/?reference=GWE-"), "\(location)")
            }
        }
        #expect(try await h.store.list(force: "gwent").map(\.language) == ["cy"])
    }

    @Test func aForceReadsOnlyItsOwnSubmissions() async throws {
        let h = try await Harness()
        let form = try #require(h.catalog.forms["lost-property"])
        try await h.app().test(.live) { client in
            var kentReference = ""
            try await client.execute(uri: "/v1/forces/kent/forms/lost-property/submissions", method: .post, headers: jsonHeaders, body: body(form, sampleAnswers(form))) {
                kentReference = json($0.body)["reference"] as? String ?? ""
            }
            try await client.execute(uri: "/v1/forces/gwent/forms/lost-property/submissions", method: .post,
                                     headers: [.contentType: "application/json"], body: body(form, sampleAnswers(form))) {
                #expect($0.status == .created)
            }
            let kent: HTTPFields = [.authorization: "Bearer kent-secret"]
            try await client.execute(uri: "/v1/forces/kent/submissions", method: .get, headers: kent) { response in
                #expect(response.status == .ok)
                let list = json(response.body)["submissions"] as? [[String: Any]] ?? []
                #expect(list.map { $0["reference"] as? String } == [kentReference])
                #expect((list.first?["answers"] as? [String: Any])?["item-description"] as? String == "Sample answer")
            }
            try await client.execute(uri: "/v1/forces/kent/submissions/\(kentReference)", method: .get, headers: kent) {
                #expect($0.status == .ok)
            }
            // Kent's token does not open Gwent's submissions, nor does no token or a wrong one.
            try await client.execute(uri: "/v1/forces/gwent/submissions", method: .get, headers: kent) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/forces/kent/submissions", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/forces/kent/submissions", method: .get, headers: [.authorization: "Bearer guess"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/forces/gwent/submissions/\(kentReference)", method: .get, headers: [.authorization: "Bearer gwent-secret"]) {
                #expect($0.status == .notFound)
            }
            // A reference with a terminal escape in it is logged without it.
            try await client.execute(uri: "/v1/forces/kent/submissions/KEN%1B%5B31mX%0A", method: .get, headers: kent) {
                #expect($0.status == .notFound)
            }
        }
        let logged = try await h.store.auditRecords(force: "kent", after: nil, limit: 100)
        #expect(logged.map(\.action) == ["list", "read", "read"])
        #expect(logged.last.map { $0.target.hasSuffix("(no such submission)") && !$0.target.contains("\u{1B}") && !$0.target.contains("\n") } == true,
                "\(logged.last?.target ?? "")")
    }

    /// A force's reads are limited per force (a leaked token cannot empty the database at full
    /// speed); another force is not slowed by it.
    @Test func readsAreLimitedPerForce() async throws {
        let h = try await Harness()
        try await h.app(reads: 6).test(.live) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<12 {
                try await client.execute(uri: "/v1/forces/kent/submissions", method: .get, headers: [.authorization: "Bearer kent-secret"]) {
                    statuses.append($0.status)
                    if $0.status == .tooManyRequests { #expect($0.headers[.retryAfter] != nil) }
                }
            }
            // A burst of a sixth of a minute's reads (here one), then 429 with Retry-After (one
            // more read comes back every ten seconds).
            #expect(statuses.first == .ok && statuses.filter { $0 == .tooManyRequests }.count >= 9, "\(statuses)")
            try await client.execute(uri: "/v1/forces/gwent/submissions", method: .get, headers: [.authorization: "Bearer gwent-secret"]) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func healthAndOpenAPI() async throws {
        let h = try await Harness()
        #expect(try await h.store.appliedMigrations() == StoreTests.migrations)
        try await h.app().test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) {
                #expect($0.status == .ok && json($0.body)["database"] as? String == "ok")
                #expect($0.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
                #expect($0.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] == "same-origin")
                #expect($0.headers[.xContentTypeOptions] == "nosniff")
                let deliveries = json($0.body)["deliveries"] as? [String: Any]
                #expect(deliveries?["pending"] as? Int == 0 && deliveries?["dead"] as? Int == 0)
            }
            try await client.execute(uri: "/readyz", method: .get) {
                #expect($0.status == .ok && json($0.body)["status"] as? String == "ready")
            }
            // Refusals carry them too.
            try await client.execute(uri: "/v1/forces/kent/submissions", method: .get) {
                #expect($0.status == .unauthorized && $0.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] == "same-origin")
            }
            try await client.execute(uri: "/v1/openapi.json", method: .get) { response in
                let doc = json(response.body)
                #expect(doc["openapi"] as? String == "3.1.0")
                let schemas = (doc["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
                #expect(schemas["Submission-crime"] != nil)
            }
        }
    }

    @Test func referencesAreShortUnambiguousAndChecked() {
        var seen = Set<String>()
        for _ in 0..<2000 {
            let r = Reference.make(code: "KEN")
            #expect(Reference.isValid(r))
            #expect(r.count == 13)
            #expect(!r.dropFirst(4).contains { "0O1IL2Z5S6G8B".contains($0) })
            seen.insert(r)
        }
        #expect(seen.count == 2000)
        #expect(!Reference.isValid("KEN-AAAA-AAAB"))
        let codes = ForceCodes.assign(try! APICatalog.load(root: repositoryRoot).forces.keys.sorted())
        #expect(Set(codes.values).count == 43)
        #expect(codes["kent"] == "KEN")
    }
}
