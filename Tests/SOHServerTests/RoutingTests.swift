import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SOHDelivery
import SOHForms
import SOHModel
import SOHServer
import Testing

/// Reports about another force's area (docs/routing.md): decided by the API from the answers,
/// stored with both forces, delivered to the right systems, read back by each as it should.
@Suite("Routing between forces")
struct RoutingTests {
    /// Kent and Gwent each deliver to a folder called `records` (the same name on purpose).
    static func deliveries(notices: Bool = true) -> DeliveryConfig {
        let folder = NSTemporaryDirectory() + "soh-routing-\(UUID().uuidString)"
        return DeliveryConfig(destinations: [
            "kent": [.init(name: "records", kind: .directory(path: folder + "/kent"), notices: notices)],
            "gwent": [.init(name: "records", kind: .directory(path: folder + "/gwent"))],
        ])
    }

    static func answers(_ form: FormDefinition, area: String) -> [String: Answer] {
        var answers = sampleAnswers(form)
        answers["area"] = .text(area)
        return answers
    }

    @Test func aCrimeAboutAnotherForcesAreaGoesToThatForceAndTheReceivingForceGetsANotice() async throws {
        let h = try Harness()
        let form = try #require(h.catalog.forms["crime"])
        let reference = try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            // Newport is in Gwent's area; the fields the browser adds of its own are ignored.
            var payload = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body(form, Self.answers(form, area: "newport")))) as? [String: Any])
            payload["owningForce"] = "kent"
            payload["areaForce"] = "kent"
            payload["routing"] = ["owningForce": "kent"]
            let tampered = ByteBuffer(data: try JSONSerialization.data(withJSONObject: payload))
            return try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .post, headers: jsonHeaders, body: tampered) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let object = json(response.body)
                let reference = object["reference"] as? String ?? ""
                #expect(object["areaForce"] as? String == "gwent")
                #expect(object["owningForce"] as? String == "gwent")
                #expect(reference.hasPrefix("KEN-"))
                return reference
            }
        }
        let deliveries = try await h.store.deliveries(reference: reference)
        #expect(deliveries.map { "\($0.toForce ?? "kent")/\($0.destination) \($0.notice == true ? "notice" : "report")" }.sorted()
                == ["gwent/records report", "kent/records notice"])

        // The worker's view: Gwent's delivery is the report with the answers, Kent's a notice without.
        let leased = try await h.store.lease(limit: 10, seconds: 60, now: Date())
        let report = try #require(leased.first { $0.report.force == "gwent" })
        let notice = try #require(leased.first { $0.report.force == "kent" })
        #expect(!report.report.notice && report.report.answers["area"] == .text("newport"))
        #expect(notice.report.notice)
        let noticeDocument = try #require(try JSONSerialization.jsonObject(with: DeliveryDocument.make(notice.report, definition: form)) as? [String: Any])
        let submission = try #require((noticeDocument["included"] as? [[String: Any]])?.first?["attributes"] as? [String: Any])
        #expect((submission["answers"] as? [String: Any])?.isEmpty == true)
        #expect(submission["forceIdentifier"] as? String == "kent")
        let routing = try #require(submission["routing"] as? [String: String])
        #expect(routing["role"] == "receiver" && routing["owningForce"] == "gwent" && routing["receivedBy"] == "kent" && routing["area"] == "newport")
        #expect(routing["areaName"] == "Newport")
        #expect((submission["submissionContent"] as? String)?.contains("Transfer notice") == true)
        let reportDocument = try #require(try JSONSerialization.jsonObject(with: DeliveryDocument.make(report.report, definition: form)) as? [String: Any])
        let reportSubmission = try #require((reportDocument["included"] as? [[String: Any]])?.first?["attributes"] as? [String: Any])
        #expect((reportSubmission["routing"] as? [String: String])?["role"] == "owner")
        #expect(reportSubmission["forceIdentifier"] as? String == "gwent")

        // Gwent records it and replies with its own reference: both forces see it.
        try await h.store.record([RecordedAttempt(delivery: report, attempt: Attempt(.delivered, status: 201, detail: "stored", forceReference: "GW/2026/123"),
                                                  next: .delivered(forceReference: "GW/2026/123"), at: Date())])
        try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            try await client.execute(uri: "/v1/forces/gwent/submissions/\(reference)", method: .get, headers: [.authorization: "Bearer gwent-secret"]) { response in
                #expect(response.status == .ok)
                let object = json(response.body)
                #expect((object["answers"] as? [String: Any])?["area"] as? String == "newport")
                #expect((object["routing"] as? [String: Any])?["role"] as? String == "owner")
                #expect(object["answersWithheld"] == nil)
            }
            try await client.execute(uri: "/v1/forces/kent/submissions/\(reference)", method: .get, headers: [.authorization: "Bearer kent-secret"]) { response in
                #expect(response.status == .ok)
                let object = json(response.body)
                // Kent sees the transfer and Gwent's reference, not the answers nor Gwent's systems.
                #expect((object["answers"] as? [String: Any])?.isEmpty == true)
                #expect(object["answersWithheld"] as? Bool == true)
                let routing = object["routing"] as? [String: Any] ?? [:]
                #expect(routing["role"] as? String == "receiver" && routing["owningForce"] as? String == "gwent")
                let receipts = object["deliveries"] as? [[String: Any]] ?? []
                let gwent = try #require(receipts.first { $0["force"] as? String == "gwent" })
                #expect(gwent["forceReference"] as? String == "GW/2026/123" && gwent["state"] as? String == "delivered")
            }
            try await client.execute(uri: "/v1/forces/gwent/submissions", method: .get, headers: [.authorization: "Bearer gwent-secret"]) { response in
                let list = json(response.body)["submissions"] as? [[String: Any]] ?? []
                #expect(list.map { $0["reference"] as? String } == [reference])
            }
        }
    }

    @Test func aMissingPersonStaysWithTheForceItWasMadeToAndTheAreaForceIsTold() async throws {
        let h = try Harness()
        let form = try #require(h.catalog.forms["missing-person"])
        try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            try await client.execute(uri: "/v1/forces/kent/forms/missing-person/submissions", method: .post, headers: jsonHeaders,
                                     body: body(form, Self.answers(form, area: "torfaen"))) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let object = json(response.body)
                #expect(object["areaForce"] as? String == "gwent" && object["owningForce"] as? String == "kent")
                let reference = object["reference"] as? String ?? ""
                let deliveries = try await h.store.deliveries(reference: reference)
                #expect(deliveries.map { "\($0.toForce ?? "kent")/\($0.destination) \($0.notice == true ? "notice" : "report")" }.sorted()
                        == ["gwent/records report", "kent/records report"])
            }
        }
        let leased = try await h.store.lease(limit: 10, seconds: 60, now: Date())
        #expect(leased.count == 2 && leased.allSatisfy { !$0.report.notice && $0.report.routing?.action == .notify })
        #expect(leased.first { $0.report.force == "gwent" }?.report.routing?.role(of: "gwent") == "notified")
    }

    @Test func aReportAboutTheForcesOwnAreaStaysAsItWas() async throws {
        let h = try Harness()
        let form = try #require(h.catalog.forms["crime"])
        try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .post, headers: jsonHeaders,
                                     body: body(form, Self.answers(form, area: "medway"))) { response in
                let object = json(response.body)
                #expect(response.status == .created && object["areaForce"] == nil && object["owningForce"] == nil)
                let deliveries = try await h.store.deliveries(reference: object["reference"] as? String ?? "")
                #expect(deliveries.map { "\($0.toForce ?? "kent")/\($0.destination)" } == ["kent/records"])
            }
            // An area that is not in the list is an invalid answer, not a way to move a report.
            try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .post, headers: jsonHeaders,
                                     body: body(form, Self.answers(form, area: "gwent"))) { response in
                #expect(response.status == .unprocessableContent)
                let errors = json(response.body)["errors"] as? [[String: Any]] ?? []
                #expect(errors.map { $0["code"] as? String } == ["invalidOption"])
            }
        }
    }

    @Test func aForceWithNoDestinationsStillGetsItsReportReadableAndTheReceivingForceKeepsACopy() async throws {
        let h = try Harness()
        let form = try #require(h.catalog.forms["crime"])
        try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            // Maidstone is Kent's; a report made to Gwent about it, and Kent has destinations.
            // Sussex has none here: a report about Crawley made to Kent is delivered to Kent in full.
            try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .post, headers: jsonHeaders,
                                     body: body(form, Self.answers(form, area: "crawley"))) { response in
                let object = json(response.body)
                #expect(object["owningForce"] as? String == "sussex")
                let deliveries = try await h.store.deliveries(reference: object["reference"] as? String ?? "")
                #expect(deliveries.map { "\($0.toForce ?? "kent")/\($0.destination) \($0.notice == true ? "notice" : "report")" } == ["kent/records report"])
            }
        }
    }

    @Test func aFormPostWithoutJavaScriptLandsOnTheNoteForTheAreasForce() async throws {
        let h = try Harness()
        let form = try #require(h.catalog.forms["crime"])
        var fields = ["_form=crime", "_version=\(form.version)", "_language=en", "_website="]
        func add(_ name: String, _ answer: Answer) {
            let escape = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
            switch answer {
            case .text(let v): fields.append("\(escape(name))=\(escape(v))")
            case .list(let vs): fields += vs.map { "\(escape(name))=\(escape($0))" }
            case .parts(let ps): fields += ps.map { "\(escape(name + "[" + $0.key + "]"))=\(escape($0.value))" }
            case .items: break
            }
        }
        for (name, answer) in Self.answers(form, area: "cardiff") { add(name, answer) }
        let posted = fields.joined(separator: "&")
        try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: "https://kent.soh.example"]
            try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .post, headers: headers,
                                     body: ByteBuffer(string: posted)) { response in
                #expect(response.status == .seeOther, "\(String(buffer: response.body))")
                let location = response.headers[.location] ?? ""
                #expect(location.hasPrefix("https://kent.soh.example/report/crime/form/confirmation/?reference=KEN-"), "\(location)")
                #expect(location.hasSuffix("#area-force-south-wales"), "\(location)")
            }
        }
    }

    @Test(arguments: StoreTests.Kind.allCases)
    func bothStoresKeepTheRoutingAndTwoForcesDestinationsOfOneName(_ kind: StoreTests.Kind) async throws {
        let made = try await StoreTests.make(kind)
        defer { made.close() }
        let routing = ReportRouting(receivedBy: "kent", areaForce: "gwent", area: "newport", areaName: "Newport", action: .transfer)
        var new = StoreTests.new(destinations: [DeliveryTarget(force: "gwent", destination: "records"), DeliveryTarget(destination: "records", notice: true)])
        new.routing = routing
        guard case .created(let stored) = try await made.store.store(new) else { Issue.record("not stored"); return }
        #expect(stored.routing == routing)
        #expect(try await made.store.get(force: "gwent", reference: stored.reference)?.routing == routing)
        #expect(try await made.store.get(force: "kent", reference: stored.reference)?.routing == routing)
        #expect(try await made.store.get(force: "sussex", reference: stored.reference) == nil)
        #expect(try await made.store.list(force: "gwent").map(\.reference) == [stored.reference])
        let leased = try await made.store.lease(limit: 10, seconds: 60, now: Date())
        #expect(leased.map { "\($0.report.force) \($0.report.notice)" }.sorted() == ["gwent false", "kent true"])
        #expect(leased.allSatisfy { $0.report.routing == routing })
        // Gwent's delivery dies and falls back: the fallback is Gwent's too, and a report.
        let gwent = try #require(leased.first { $0.report.force == "gwent" })
        try await made.store.record([RecordedAttempt(delivery: gwent, attempt: Attempt(.refused, detail: "no"),
                                                     next: .dead(reason: "no", fallback: "drop"), at: Date())])
        let all = try await made.store.deliveries(reference: stored.reference)
        #expect(all.map { "\($0.toForce ?? "kent")/\($0.destination) \($0.state) \($0.notice == true)" }.sorted()
                == ["gwent/drop pending false", "gwent/records dead false", "kent/records pending true"])
        #expect(try await made.store.deliveries(force: "gwent").count == 3)
        #expect(try await made.store.redeliver(force: "gwent", since: "2000-01-01T00:00:00Z", until: "2100-01-01T00:00:00Z", dryRun: true) == 1)
    }
}
