import Crypto
import Foundation
@testable import SOHDelivery
import SOHForms
import SOHModel
import SOHServer
import Testing

@Suite("Deliveries file")
struct DeliveryConfigTests {
    let forces: Set<String> = ["kent", "gwent"]
    let forms: Set<String> = ["crime", "lost-property"]

    func load(_ text: String, environment: [String: String] = ["KENT_KEY": "k", "HOOK": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]) -> (DeliveryConfig?, [String]) {
        let sink = DiagnosticSink()
        let config = DeliveryConfig.load(text, file: "deliveries.yml", forces: forces, forms: forms, environment: environment, sink: sink)
        return (config, sink.sorted.map { $0.description.components(separatedBy: "\n")[0] })
    }

    @Test func aGoodFileGivesEachForceItsDestinations() throws {
        let (config, errors) = load("""
            retry: {schedule: [30s, 5m, 2h, 1d], jitter: 0.1}
            forces:
              kent:
                - {name: athena, kind: standard-api, url: "https://kent.example/sapi/", apiKey: {env: KENT_KEY}, forms: [crime], fallback: drop}
                - {name: hook, kind: webhook, url: "https://kent.example/hook", secrets: [{env: HOOK}]}
                - {name: drop, kind: directory, path: /var/spool/soh/kent}
            """)
        #expect(errors == [])
        let c = try #require(config)
        #expect(c.retry.delays == [30, 300, 7200, 86400] && c.retry.jitter == 0.1)
        // The fallback takes only what another gives up; forms limit where a report goes.
        #expect(c.destinations(force: "kent", form: "crime").map(\.name) == ["athena", "hook"])
        #expect(c.destinations(force: "kent", form: "lost-property").map(\.name) == ["hook"])
        #expect(c.destinations(force: "gwent", form: "crime").isEmpty)
        #expect(c.destination(force: "kent", name: "athena")?.kind == .standardAPI(url: "https://kent.example/sapi", apiKey: "k", apiKeyHeader: "x-api-key", tls: nil))
    }

    /// Destinations that send confirmations to people take no reports; each says which ways
    /// it reaches them, and every mistake is named at its line.
    @Test func confirmationDestinationsAreReadStrictly() throws {
        let key = "soh_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
        let env = ["KENT_KEY": "k", "NOTIFY": key, "TOKEN": "a-callback-token", "USER": "u", "PASS": "p"]
        let (config, errors) = load("""
            forces:
              kent:
                - {name: athena, kind: standard-api, url: "https://kent.example/sapi", apiKey: {env: KENT_KEY}}
                - {name: mail, kind: email, url: "smtp://relay.kent.example:587", username: {env: USER}, password: {env: PASS}, from: "Kent Police <no-reply@kent.example>"}
                - {name: notify, kind: notify, apiKey: {env: NOTIFY}, smsTemplate: 7D2E9A41-3C6B-4F0E-8B15-9E4A2C7F1D38, callbackToken: {env: TOKEN}}
            """, environment: env)
        #expect(errors == [])
        let c = try #require(config)
        #expect(c.destinations(force: "kent", form: "crime").map(\.name) == ["athena"], "no reports to people's channels")
        #expect(c.messageDestination(force: "kent", form: "crime", channel: "email")?.name == "mail")
        #expect(c.messageDestination(force: "kent", form: "crime", channel: "text")?.name == "notify")
        // Every channel the forms offer has a way out here; a force with only a report destination has none.
        let offered: [String: Set<String>] = ["crime": ["email", "text"], "lost-property": ["email"]]
        #expect(c.confirmationsNotSent(channels: offered).isEmpty)
        let (reportsOnly, _) = load("""
            forces:
              kent:
                - {name: athena, kind: standard-api, url: "https://kent.example/sapi", apiKey: {env: KENT_KEY}}
                - {name: mail, kind: email, url: "smtp://relay.kent.example:587", from: "Kent Police <no-reply@kent.example>", forms: [crime]}
            """, environment: env)
        let gaps = try #require(reportsOnly).confirmationsNotSent(channels: offered).map { "\($0.force) \($0.channel) \($0.forms)" }
        #expect(gaps == ["kent email [\"lost-property\"]", "kent text [\"crime\"]"])
        guard case .notify(let service)? = c.destination(force: "kent", name: "notify")?.kind else { Issue.record("not notify"); return }
        #expect(service.serviceID == "26785a09-ab16-4eb0-8407-a37497a57506" && service.secret == "3d844edf-8d35-48ac-975b-e847b4f122b0")
        #expect(service.smsTemplate == "7d2e9a41-3c6b-4f0e-8b15-9e4a2c7f1d38" && service.url == "https://api.notifications.service.gov.uk")
        guard case .email(let relay)? = c.destination(force: "kent", name: "mail")?.kind else { Issue.record("not email"); return }
        #expect(relay.host == "relay.kent.example" && relay.port == 587 && !relay.implicitTLS && relay.fromAddress == "no-reply@kent.example")
        let (_, bad) = load("""
            forces:
              kent:
                - {name: mail, kind: email, url: "http://relay.kent.example", from: "Kent Police"}
                - {name: notify, kind: notify, apiKey: {env: KENT_KEY}, emailTemplate: not-a-uuid}
                - {name: texts, kind: notify, apiKey: {env: NOTIFY}, smsTemplate: 7d2e9a41-3c6b-4f0e-8b15-9e4a2c7f1d38, fallback: notify}
            """, environment: env)
        #expect(bad == [
            "deliveries.yml:3:38: error: 'url' should be smtp://HOST:PORT or smtps://HOST:PORT, found 'http://relay.kent.example'",
            "deliveries.yml:3:73: error: 'from' should be an email address, or a name and <address>, found 'Kent Police'",
            "deliveries.yml:4:44: error: the Notify API key should be as Notify gives it: its name, the service id and the secret",
            "deliveries.yml:4:76: error: 'emailTemplate' should be a Notify template id (a UUID), found 'not-a-uuid'",
            "deliveries.yml:5:109: error: 'fallback' does not apply to a destination that sends confirmations to people",
        ], "\(bad)")
    }

    @Test func theTimeoutIsADurationWithinLimits() throws {
        let (config, errors) = load("timeout: 5s\nforces:\n  kent:\n    - {name: drop, kind: directory, path: /x}\n")
        #expect(errors == [] && config?.timeout == 5)
        #expect(try #require(load("forces:\n  kent:\n    - {name: drop, kind: directory, path: /x}\n").0).timeout == 30)
        for bad in ["0s", "10m", "soon"] {
            let (_, errors) = load("timeout: \(bad)\nforces:\n  kent:\n    - {name: drop, kind: directory, path: /x}\n")
            #expect(errors == ["deliveries.yml:1:10: error: 'timeout' should be a duration from 1s to 5m, found '\(bad)'"])
        }
    }

    @Test func aFallbackMustBeAnotherDestination() {
        let (_, errors) = load("forces:\n  kent:\n    - {name: drop, kind: directory, path: /x, fallback: elsewhere}\n")
        #expect(errors == ["deliveries.yml:3:57: error: fallback 'elsewhere' is not another destination of force 'kent'"])
    }

    @Test func everyProblemIsNamedWithItsLine() {
        let (config, errors) = load("""
            retry: {schedule: [30s, soon]}
            forces:
              kent:
                - name: athena
                  kind: standard-api
                  url: http://kent.example
                  apiKey: in-clear
                  fallback: nowhere
                - {name: hook, kind: webhook, url: "https://k.example", secrets: [{env: MISSING}], path: /tmp}
                - {name: drop, kind: dirctory, path: /x}
                - {name: x, kind: directory, path: relative, forms: [crim]}
              wiltshre: []
            """)
        #expect(config == nil)
        // The fallback is not checked here: its destination (athena) had errors of its own.
        #expect(errors == [
            "deliveries.yml:1:25: error: 'soon' is not a duration",
            "deliveries.yml:6:12: error: 'url' should be an https:// address, found 'http://kent.example'",
            "deliveries.yml:7:15: error: 'apiKey' should be a set of keys, found 'in-clear'",
            "deliveries.yml:9:77: error: the environment variable 'MISSING' is not set",
            "deliveries.yml:9:88: error: 'path' does not apply to a webhook destination",
            "deliveries.yml:10:26: error: unknown destination kind 'dirctory'",
            "deliveries.yml:11:40: error: 'path' should be an absolute folder path, found 'relative'",
            "deliveries.yml:11:58: error: unknown form 'crim'",
            "deliveries.yml:12:3: error: unknown force 'wiltshre'",
        ])
    }
}

@Suite("What is sent")
struct DeliverySendingTests {
    @Test func retriesSpreadOverTwoDaysThenStop() {
        let schedule = RetrySchedule()
        #expect(schedule.total >= 48 * 3600)
        #expect(schedule.delay(after: 1, random: 0) == 30)
        #expect(schedule.delay(after: 1, random: 1) == 36)
        #expect(schedule.delay(after: 1, random: -1) == 24)
        #expect(schedule.delay(after: schedule.delays.count + 1) == nil)
    }

    /// The Standard Webhooks signature of a known message, computed here independently.
    @Test func webhookSignaturesAreStandardWebhooks() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let signature = WebhookSignature.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: body, secrets: [secret])
        let key = try #require(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let expected = HMAC<SHA256>.authenticationCode(for: Data("msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.".utf8) + body, using: SymmetricKey(data: key))
        #expect(signature == "v1," + Data(expected).base64EncodedString())
        // During a rotation both secrets sign.
        #expect(WebhookSignature.sign(id: "a", timestamp: 1, body: body, secrets: [secret, secret]).split(separator: " ").count == 2)
        #expect(WebhookSignature.key("not-a-secret") == nil)
    }

    @Test func theDocumentIsTheSameForEveryAttemptAndReadable() throws {
        let form = try #require(APICatalog.load(root: repositoryRoot).forms["lost-property"])
        let report = DeliveryDocument.Report(
            reference: "KEN-7K4M-QX9C", force: "kent", form: "lost-property", version: 1, language: "cy",
            answers: ["think-stolen": .text("no"), "item-type": .text("keys"), "lost-date": .parts(["day": "2", "month": "3", "year": "2026"]),
                      "home-address": .parts(["line1": "1 High Street", "town": "Maidstone", "postcode": "ME14 1XX"]), "confirm": .text("yes")],
            receivedAt: "2026-11-26T10:12:01.204Z", submittedAt: nil)
        let a = try DeliveryDocument.make(report, definition: form), b = try DeliveryDocument.make(report, definition: form)
        #expect(a == b)
        let object = try #require(try JSONSerialization.jsonObject(with: a) as? [String: Any])
        let submission = try #require((object["included"] as? [[String: Any]])?.first?["attributes"] as? [String: Any])
        let text = try #require(submission["submissionContent"] as? String)
        #expect(text.contains("Reference: KEN-7K4M-QX9C"))
        #expect(text.contains("Language: Welsh"))
        #expect(text.contains("What did you lose?: Keys"))
        #expect(text.contains(": 2 March 2026"))
        #expect(text.contains(": 1 High Street, Maidstone, ME14 1XX"))
        #expect(submission["customerReferenceNumber"] as? String == "KEN-7K4M-QX9C")
    }
}

@Suite("Answers written one way for the force's system")
struct NormalisedAnswerTests {
    @Test(arguments: [("14:30", "14:30:00"), ("9.05", "09:05:00"), ("2pm", "14:00:00"), ("2:30 PM", "14:30:00"),
                      ("12am", "00:00:00"), ("12:15pm", "12:15:00"), ("0:00", "00:00:00")])
    func times(_ given: String, _ expected: String) {
        #expect(Rules.time24(given) == expected)
    }

    @Test func otherAnswers() {
        #expect(Rules.time24("25:00") == nil && Rules.time24("13pm") == nil)
        #expect(Rules.compactRegistration(" ab12  cde") == "AB12CDE")
        #expect(Rules.formattedPostcode("sw1a2aa") == "SW1A 2AA" && Rules.formattedPostcode("M1 1AE") == "M1 1AE")
        #expect(Rules.phoneDigits("+44 7700 900-982") == "07700900982" && Rules.phoneDigits("0044 7700 900982") == "07700900982")
        #expect(Rules.number("1,250.50") == 1250.5 && Rules.number("1e5") == nil)
    }

    /// Each item of a repeated page is its own entity, with its own id, the same on every attempt.
    @Test func itemsOfRepeatedPagesAreEntitiesWithStableIDs() throws {
        let form = try #require(APICatalog.load(root: repositoryRoot).forms["road-traffic-collision"])
        let report = DeliveryDocument.Report(
            reference: "KEN-7K4M-QX9C", force: "kent", form: "road-traffic-collision", version: 1, language: "en",
            answers: ["collision-description": .text("Into my car"),
                      "vehicles": .items([["registration": .text("ab12cde"), "driver-name": .text("Sam Taylor")], ["registration": .text("XY70ABC")]])],
            receivedAt: "2026-11-26T10:12:01.204Z", submittedAt: nil)
        let a = try DeliveryDocument.make(report, definition: form)
        #expect(a == (try DeliveryDocument.make(report, definition: form)))
        let object = try #require(try JSONSerialization.jsonObject(with: a) as? [String: Any])
        let included = try #require(object["included"] as? [[String: Any]])
        #expect(included.map { $0["type"] as? String } == ["submission", "vehicle", "vehicle", "person"])
        #expect(Set(included.compactMap { $0["id"] as? String }).count == 4)
        let incident = try #require(object["data"] as? [String: Any])
        #expect((incident["attributes"] as? [String: Any])?["incidentDescription"] as? String == "Into my car")
        let vehicles = try #require(((incident["relationships"] as? [String: Any])?["vehicleInvolved"] as? [String: Any])?["data"] as? [[String: String]])
        #expect(vehicles.map { $0["id"] } == [included[1]["id"] as? String, included[2]["id"] as? String])
        let driver = ((included[1]["relationships"] as? [String: Any])?["driver"] as? [String: Any])?["data"] as? [[String: String]]
        #expect(driver?.first?["id"] == included[3]["id"] as? String)
        #expect(included[2]["relationships"] == nil)
    }
}

extension NormalisedAnswerTests {
    /// A file question's files are linked from the entity its `fills` names (what was stolen),
    /// or from the incident; a photo alone makes the entity it is linked to.
    @Test func filesAreLinkedWhereTheFormSays() throws {
        let form = try #require(APICatalog.load(root: repositoryRoot).forms["crime"])
        func file(_ id: String, _ question: String) -> EvidenceFile {
            EvidenceFile(id: id, question: question, name: "\(id).jpg", mediaType: "image/jpeg", size: 10, sha256: String(repeating: "a", count: 64),
                         scan: "clean", withheld: nil)
        }
        let report = DeliveryDocument.Report(
            reference: "KEN-7K4M-QX9C", force: "kent", form: "crime", version: 4, language: "en",
            answers: ["crime-type": .text("theft"), "what-happened": .text("Bike taken")], receivedAt: "2026-11-26T10:12:01.204Z", submittedAt: nil,
            evidence: [file(String(repeating: "1", count: 32), "crime-photos"), file(String(repeating: "2", count: 32), "stolen-photos"),
                       file(String(repeating: "3", count: 32), "stolen-photos")])
        let object = try #require(try JSONSerialization.jsonObject(with: try DeliveryDocument.make(report, definition: form)) as? [String: Any])
        let included = try #require(object["included"] as? [[String: Any]])
        func ids(_ relationships: Any?, _ name: String) -> [String] {
            (((relationships as? [String: Any])?[name] as? [String: Any])?["data"] as? [[String: String]])?.compactMap { $0["id"] } ?? []
        }
        let attachments = included.filter { $0["type"] as? String == "attachment" }.compactMap { $0["id"] as? String }
        #expect(attachments.count == 3)
        let incident = try #require(object["data"] as? [String: Any])
        #expect(ids(incident["relationships"], "attachments") == [attachments[0]])
        let stolen = try #require(included.first { $0["type"] as? String == "property" })
        #expect(ids(stolen["relationships"], "attachments") == Array(attachments[1...]))
        #expect(ids(incident["relationships"], "stolenProperty") == [stolen["id"] as? String].compactMap { $0 })
    }
}

@Suite("Where reports may go")
struct AddressPolicyTests {
    @Test(arguments: ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "localhost"])
    func thisMachineAndPrivateNetworksAreRefused(_ host: String) {
        #expect(AddressPolicy.privateAddress(of: host) != nil, "\(host)")
    }

    @Test(arguments: ["8.8.8.8", "81.2.69.160", "2a00:1450:4009:81f::200e", "172.32.0.1", "100.128.0.1"])
    func publicAddressesPass(_ host: String) {
        #expect(AddressPolicy.privateAddress(of: host) == nil, "\(host)")
    }
}

@Suite("The force's reference in a reply")
struct ForceReferenceTests {
    @Test(arguments: [
        (#"{"data": {"type": "incident", "id": "KNT/1", "attributes": {"crimeReferenceNumber": "37/12345/26", "reference": "R1"}}}"#, "37/12345/26"),
        (#"{"data": {"type": "incident", "id": "KNT/1", "attributes": {"forceReference": "F1", "reference": "R1"}}}"#, "F1"),
        (#"{"data": {"type": "incident", "id": "KNT/1", "attributes": {"reference": "R1"}}}"#, "R1"),
        (#"{"data": {"type": "incident", "id": "KNT/1"}}"#, "KNT/1"),
        (#"{"reference": "TOP"}"#, "TOP"),
    ])
    func theFirstOfTheDocumentedFieldsIsKept(_ reply: String, _ expected: String) {
        #expect(DeliverySender.forceReference(reply) == expected)
    }

    @Test func aReplyThatIsNotJSONHasNone() {
        #expect(DeliverySender.forceReference("<html>stored</html>") == nil)
        #expect(DeliverySender.forceReference(#"{"data": {"id": 7}}"#) == nil)
    }
}

@Suite("Email dates")
struct MailDateTests {
    @Test func datesAreRFC5322InUTCWithEnglishNames() {
        #expect(MailMessage.date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        // 2026-12-07 20:45:09 UTC, a Monday.
        #expect(MailMessage.date(Date(timeIntervalSince1970: 1_796_676_309)) == "Mon, 07 Dec 2026 20:45:09 +0000")
    }
}
