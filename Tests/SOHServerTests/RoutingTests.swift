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
        let h = try await Harness()
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
        #expect(deliveries.map { "\($0.toForce ?? "kent")/\($0.destination) \($0.kind == .notice ? "notice" : "report")" }.sorted()
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
        let h = try await Harness()
        let form = try #require(h.catalog.forms["missing-person"])
        try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            try await client.execute(uri: "/v1/forces/kent/forms/missing-person/submissions", method: .post, headers: jsonHeaders,
                                     body: body(form, Self.answers(form, area: "torfaen"))) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let object = json(response.body)
                #expect(object["areaForce"] as? String == "gwent" && object["owningForce"] as? String == "kent")
                let reference = object["reference"] as? String ?? ""
                let deliveries = try await h.store.deliveries(reference: reference)
                #expect(deliveries.map { "\($0.toForce ?? "kent")/\($0.destination) \($0.kind == .notice ? "notice" : "report")" }.sorted()
                        == ["gwent/records report", "kent/records report"])
            }
        }
        // Kent, which acts on it, has it first; Gwent's delivery waits until Kent's is delivered.
        let first = try await h.store.lease(limit: 10, seconds: 60, now: Date())
        #expect(first.map(\.report.force) == ["kent"] && first.allSatisfy { !$0.report.notice && $0.report.routing?.action == .notify })
        let waiting = try #require(try await h.store.deliveries(force: "gwent").first { $0.toForce == "gwent" })
        #expect(waiting.state == .held && waiting.nextAttemptAt == nil && waiting.lastError == "waiting for the delivery to kent")
        try await h.store.record([RecordedAttempt(delivery: first[0], attempt: Attempt(.delivered, status: 201, detail: "stored"),
                                                  next: .delivered(forceReference: nil), at: Date())])
        let then = try await h.store.lease(limit: 10, seconds: 60, now: Date())
        #expect(then.map(\.report.force) == ["gwent"])
        #expect(then.first?.report.routing?.role(of: "gwent") == "notified" && then.first?.report.answers["area"] == .text("torfaen"))
    }

    @Test(arguments: StoreTests.Kind.allCases)
    func aHeldDeliveryGoesWhenTheReceivingForcesIsDeliveredOrGivenUp(_ kind: StoreTests.Kind) async throws {
        let made = try await StoreTests.make(kind)
        defer { made.close() }
        for outcome in ["delivered", "dead"] {
            var new = StoreTests.new(destinations: ["records", DeliveryTarget(force: "gwent", destination: "records", held: true)])
            new.routing = ReportRouting(receivedBy: "kent", areaForce: "gwent", area: "torfaen", areaName: "Torfaen", action: .notify)
            guard case .created(let stored) = try await made.store.store(new) else { Issue.record("not stored"); return }
            let leased = try await made.store.lease(limit: 10, seconds: 60, now: Date())
            #expect(leased.map(\.report.force) == ["kent"], "\(kind) \(outcome)")
            let next: NextStep = outcome == "delivered" ? .delivered(forceReference: "K1") : .dead(reason: "refused", fallback: nil)
            try await made.store.record([RecordedAttempt(delivery: leased[0], attempt: Attempt(outcome == "delivered" ? .delivered : .refused, detail: outcome),
                                                         next: next, at: Date())])
            let released = try await made.store.lease(limit: 10, seconds: 60, now: Date())
            #expect(released.map { "\($0.report.force) \($0.report.reference)" } == ["gwent \(stored.reference)"], "\(kind) \(outcome)")
            try await made.store.record([RecordedAttempt(delivery: released[0], attempt: Attempt(.delivered, detail: "ok"),
                                                         next: .delivered(forceReference: nil), at: Date())])
        }
    }

    @Test func aReportAboutTheForcesOwnAreaStaysAsItWas() async throws {
        let h = try await Harness()
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
        let h = try await Harness()
        let form = try #require(h.catalog.forms["crime"])
        try await h.app(deliveries: Self.deliveries()).test(.live) { client in
            // Maidstone is Kent's; a report made to Gwent about it, and Kent has destinations.
            // Sussex has none here: a report about Crawley made to Kent is delivered to Kent in full.
            try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .post, headers: jsonHeaders,
                                     body: body(form, Self.answers(form, area: "crawley"))) { response in
                let object = json(response.body)
                #expect(object["owningForce"] as? String == "sussex")
                let deliveries = try await h.store.deliveries(reference: object["reference"] as? String ?? "")
                #expect(deliveries.map { "\($0.toForce ?? "kent")/\($0.destination) \($0.kind == .notice ? "notice" : "report")" } == ["kent/records report"])
            }
        }
    }

    @Test func aDestinationCanTurnNoticesOff() async throws {
        let h = try await Harness()
        let form = try #require(h.catalog.forms["crime"])
        try await h.app(deliveries: Self.deliveries(notices: false)).test(.live) { client in
            try await client.execute(uri: "/v1/forces/kent/forms/crime/submissions", method: .post, headers: jsonHeaders,
                                     body: body(form, Self.answers(form, area: "newport"))) { response in
                let object = json(response.body)
                #expect(object["owningForce"] as? String == "gwent")
                let deliveries = try await h.store.deliveries(reference: object["reference"] as? String ?? "")
                #expect(deliveries.map { "\($0.toForce ?? "kent")/\($0.destination)" } == ["gwent/records"])
            }
        }
    }

    @Test func aFormPostWithoutJavaScriptLandsOnTheNoteForTheAreasForce() async throws {
        let h = try await Harness()
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
        // What a tampered page might add: ignored, as in a JSON body; the answers decide.
        fields += ["owningForce=kent", "areaForce=kent", "routing=none"]
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
        #expect(all.map { "\($0.toForce ?? "kent")/\($0.destination) \($0.state) \($0.kind == .notice)" }.sorted()
                == ["gwent/drop pending false", "gwent/records dead false", "kent/records pending true"])
        #expect(try await made.store.deliveries(force: "gwent").count == 3)
        #expect(try await made.store.redeliver(force: "gwent", since: try #require(StoreTime.date("2000-01-01T00:00:00Z")),
                                                    until: try #require(StoreTime.date("2100-01-01T00:00:00Z")), dryRun: true) == 1)
    }
}

/// Finding a force by area or postcode: the index `soh areas import` makes, and the API's
/// lookups and redirects the national site uses.
@Suite("Finding a force")
struct FindForceTests {
    static let sample = repositoryRoot.appendingPathComponent("Tests/fixtures/onspd-sample.csv")

    static func index() throws -> PostcodeIndex {
        let sink = DiagnosticSink()
        let areas = try #require(PoliceAreas.load(root: repositoryRoot, languages: ["en", "cy"], sink: sink))
        let result = try PostcodeImport.read(sample, areas: areas)
        #expect(result.entries.count == 6 && result.terminated == 1 && result.otherAreas == ["S23000009": 1] && result.malformedLines == [10])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soh-postcodes-\(UUID().uuidString).idx")
        defer { try? FileManager.default.removeItem(at: file) }
        try PostcodeIndex(entries: result.entries).encoded.write(to: file)
        return try PostcodeIndex(contentsOf: file)
    }

    @Test func theIndexFindsEveryImportedPostcodeHoweverItIsWritten() throws {
        let index = try Self.index()
        #expect(index.count == 6)
        #expect(index.force(for: "CF10 1AA") == "south-wales")
        #expect(index.force(for: "cf101aa") == "south-wales")
        #expect(index.force(for: " me14  1xx ") == "kent")
        #expect(index.force(for: "SW1A 2AA") == "metropolitan")
        #expect(index.force(for: "EC2V 7HH") == "city-of-london")
        #expect(index.force(for: "LL65 1AA") == "north-wales")
        #expect(index.force(for: "ME14 1ZZ") == nil, "no longer in use")
        #expect(index.force(for: "EH1 1YZ") == nil, "Scotland")
        #expect(index.force(for: "not a postcode") == nil)
        #expect(PostcodeIndex.normalised("SW1A 2AA") == "SW1A2AA" && PostcodeIndex.normalised("12345") == nil && PostcodeIndex.normalised("ME14 1X") == nil)
    }

    /// CR, LF and CRLF all end lines; a line longer than any row stops the import at its number
    /// at once (a file whose line ends were lost was read as one growing line, in time and memory
    /// growing faster than the file).
    @Test func lineEndsOfEveryKindAndOverlongLines() throws {
        let sink = DiagnosticSink()
        let areas = try #require(PoliceAreas.load(root: repositoryRoot, languages: ["en", "cy"], sink: sink))
        let text = try String(contentsOf: Self.sample, encoding: .utf8)
        let expected = try PostcodeImport.read(Self.sample, areas: areas)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soh-onspd-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        for end in ["\r", "\r\n", "\n"] {
            try Data(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: end).utf8).write(to: file)
            let result = try PostcodeImport.read(file, areas: areas)
            #expect(result.entries == expected.entries && result.malformedLines == expected.malformedLines && result.terminated == expected.terminated,
                    "line ends \(end.debugDescription)")
        }
        var long = Data(text.split(separator: "\n")[0].utf8) + Data("\r".utf8)
        long.append(Data(repeating: UInt8(ascii: "x"), count: 3 * PostcodeImport.maxLine))
        try long.write(to: file)
        #expect { try PostcodeImport.read(file, areas: areas) } throws: {
            "\($0)" == "\(file.path):2: error: line 2 is longer than 65536 bytes: not a row of the ONS Postcode Directory's CSV (a file without line ends reads as one line)"
        }
    }

    /// An index naming a force with no site here is refused before the API starts, so the two
    /// lookups cannot disagree (one answering 200 with no site, the other 404).
    @Test func anIndexNamingAForceWithNoSiteIsRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soh-postcodes-\(UUID().uuidString).idx")
        defer { try? FileManager.default.removeItem(at: file) }
        try PostcodeIndex(entries: ["CF101AA": "south-wales", "ZZ11ZZ": "atlantis"]).encoded.write(to: file)
        let catalog = try APICatalog.load(root: repositoryRoot)
        #expect { try APICatalog.postcodes(at: file, forces: catalog.forces) } throws: {
            "\($0)" == "the postcode index names a force with no force file here: 'atlantis'"
        }
        try PostcodeIndex(entries: ["CF101AA": "south-wales"]).encoded.write(to: file)
        #expect(try APICatalog.postcodes(at: file, forces: catalog.forces).force(for: "CF101AA") == "south-wales")
    }

    @Test func aFileThatIsNotAnIndexOrACSVWithoutItsColumnsIsRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soh-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("pcds,lat,long\nCF10 1AA,1,2\n".utf8).write(to: file)
        let sink = DiagnosticSink()
        let areas = try #require(PoliceAreas.load(root: repositoryRoot, languages: ["en", "cy"], sink: sink))
        #expect(throws: PostcodeImport.Problem.self) { _ = try PostcodeImport.read(file, areas: areas) }
        do { _ = try PostcodeImport.read(file, areas: areas) } catch {
            #expect("\(error)" == "\(file.path):1: error: no 'pfa' column (the ONS Postcode Directory's police force area); columns found: pcds, lat, long")
        }
        #expect(throws: PostcodeIndex.Unreadable.self) { _ = try PostcodeIndex(contentsOf: file) }
    }

    @Test func theAPISendsPeopleToTheForceForTheirAreaOrPostcode() async throws {
        var h = try await Harness()
        h.catalog.postcodes = try Self.index()
        try await h.app().test(.live) { client in
            func location(_ query: String) async throws -> String {
                try await client.execute(uri: "/v1/find-force?\(query)", method: .get) { response in
                    #expect(response.status == .seeOther, "\(query): \(String(buffer: response.body))")
                    return response.headers[.location] ?? ""
                }
            }
            #expect(try await location("area=maidstone&service=crime") == "https://kent.soh.example/report/crime/form/")
            #expect(try await location("postcode=cf10+1aa&service=crime&language=cy") == "https://south-wales.soh.example/cy/rhoi-gwybod/trosedd/form/")
            // Kent publishes no Welsh: a Welsh speaker gets its English page.
            #expect(try await location("area=medway&service=lost-property&language=cy") == "https://kent.soh.example/report/lost-property/form/")
            // A service without a form: the force's page of it.
            #expect(try await location("area=medway&service=fraud") == "https://kent.soh.example/report/fraud/")
            #expect(try await location("area=cardiff") == "https://national.soh.example/find-your-force/#force-south-wales")
            #expect(try await location("postcode=ZZ1+1ZZ&language=cy") == "https://national.soh.example/cy/find-your-force/#postcode-not-found")
            try await client.execute(uri: "/v1/find-force?area=atlantis", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/find-force?area=medway&service=nothing", method: .get) { #expect($0.status == .badRequest) }
            // Sent with nothing chosen (no JavaScript): back to the finder's note, in the page's language.
            #expect(try await location("area=&service=crime&language=cy") == "https://national.soh.example/cy/find-your-force/#area-not-chosen")
            #expect(try await location("postcode=+&language=en") == "https://national.soh.example/find-your-force/#area-not-chosen")
            #expect(try await location("") == "https://national.soh.example/find-your-force/#area-not-chosen")

            try await client.execute(uri: "/v1/postcodes/CF10%201AA", method: .get) { response in
                #expect(response.status == .ok)
                let object = json(response.body)
                #expect(object["force"] as? String == "south-wales" && object["postcode"] as? String == "CF10 1AA")
                #expect(object["name"] as? String == "South Wales Police" && response.headers[.accessControlAllowOrigin] == "*")
            }
            try await client.execute(uri: "/v1/postcodes/ZZ11ZZ", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/postcodes/%3Cscript%3E", method: .get) { #expect($0.status == .badRequest) }
        }
        // Without an index, postcodes are not found but areas still are.
        let plain = try await Harness()
        try await plain.app().test(.live) { client in
            try await client.execute(uri: "/v1/postcodes/CF101AA", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("not set up"))
            }
            try await client.execute(uri: "/v1/find-force?area=cardiff&service=crime", method: .get) {
                #expect($0.headers[.location] == "https://south-wales.soh.example/report/crime/form/")
            }
        }
    }
}
