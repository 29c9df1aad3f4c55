import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SOHDelivery
import SOHForms
import SOHModel
@testable import SOHServer
import Synchronization
import Testing

/// Evidence uploads end to end against a real clamd (`TestClamd`): the tus requests a site's
/// script sends, the bytes sealed on disk as they arrive, the kind decided from the content,
/// and clamd's verdict.
@Suite("Evidence uploads", .serialized)
struct EvidenceTests {
    static let formYAML = """
        id: evidence
        title: Evidence
        version: 1
        confirmation: {title: Sent, body: "Reference {reference}."}
        pages:
          - id: photos
            title: Photos
            questions:
              - {id: photos, type: file, label: Photos of the damage, required: false, accept: [image/jpeg, image/png, video/mp4], maxFiles: 2, maxSize: 5 MB}

        """

    /// A JPEG's first bytes, then `rest`.
    static func jpeg(_ rest: Data = Data(repeating: 0x42, count: 3000)) -> Data { Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) + Data("JFIF\0".utf8) + rest }

    struct Rig {
        let harness: Harness
        /// The evidence folder, and where an upload's sealed file is in it.
        let folder: String
        let evidence: Evidence
        let clamd: TestClamd
        let scanner: EvidenceScanner
        let app: any ApplicationProtocol

        init() async throws {
            var harness = try await Harness()
            let sink = DiagnosticSink()
            harness.catalog.forms["evidence"] = try #require(FormLoader.load(EvidenceTests.formYAML, file: "evidence.yml", expectedID: "evidence",
                                                                             languages: ["en", "cy"], sink: sink), "\(sink.sorted)")
            self.harness = harness
            folder = NSTemporaryDirectory() + "soh-evidence-" + UUID().uuidString
            evidence = try Evidence.folder(folder)
            clamd = try TestClamd.shared.get()
            try clamd.start()
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let doorbell = Doorbell()
            var scanner = EvidenceScanner(store: harness.store, evidence: evidence, clamd: try Clamd(address: clamd.address), logger: logger, doorbell: doorbell)
            scanner.pollSeconds = 0.2
            scanner.retrySeconds = 0.2
            self.scanner = scanner
            var options = SubmissionAPI.Options()
            options.ratePerMinute = 0
            let deliveries = DeliveryConfig(destinations: ["kent": [.init(name: "athena", kind: .directory(path: NSTemporaryDirectory() + "soh-evidence-out"))]])
            let api = SubmissionAPI(catalog: harness.catalog, store: harness.store, tokenHashes: ["kent": sha256("kent-secret")], options: options, logger: logger,
                                    deliveries: deliveries, evidence: evidence, onUploaded: { Task { await doorbell.ring() } })
            app = APIServer.makeApplication(api, host: "127.0.0.1", port: 0, logger: logger) { _ in }
        }

        func sealed(_ id: String) -> String { "\(folder)/\(id)/\(harness.store.keys!.current).sealed" }

        /// Every sealed file in the folder.
        func sealedFiles() -> [String] {
            (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".sealed") }
        }

        /// Runs `body` with the scanner working beside the API.
        func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            let scanning = Task { [scanner] in try await scanner.run() }
            defer { scanning.cancel() }
            try await app.test(.live, body)
        }
    }

    static let base = "/v1/forces/kent/forms/evidence/uploads"
    static let tus: HTTPFields = [HTTPField.Name("Tus-Resumable")!: "1.0.0", .origin: "https://kent.soh.example"]

    static func metadata(_ pairs: [String: String]) -> String {
        pairs.sorted { $0.key < $1.key }.map { "\($0.key) \(Data($0.value.utf8).base64EncodedString())" }.joined(separator: ",")
    }

    /// Creates an upload; its path.
    static func create(_ client: any TestClientProtocol, size: Int, name: String = "damage.jpg", question: String = "photos", force: String = "kent",
                       expect status: HTTPResponse.Status = .created) async throws -> String {
        var headers = tus
        headers[.origin] = "https://\(force).soh.example"
        headers[HTTPField.Name("Upload-Length")!] = String(size)
        headers[HTTPField.Name("Upload-Metadata")!] = metadata(["question": question, "filename": name])
        return try await client.execute(uri: base.replacingOccurrences(of: "/kent/", with: "/\(force)/"), method: .post, headers: headers) { response in
            #expect(response.status == status, "\(String(buffer: response.body))")
            #expect(response.headers[HTTPField.Name("Tus-Resumable")!] == "1.0.0")
            return response.headers[.location] ?? ""
        }
    }

    static func patch(_ client: any TestClientProtocol, _ path: String, offset: Int, _ bytes: Data, headers: HTTPFields = tus,
                      _ check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
        var headers = headers
        headers[.contentType] = "application/offset+octet-stream"
        headers[HTTPField.Name("Upload-Offset")!] = String(offset)
        try await client.execute(uri: path, method: .patch, headers: headers, body: ByteBuffer(data: bytes)) { try check($0) }
    }

    static func offset(_ client: any TestClientProtocol, _ path: String) async throws -> Int? {
        try await client.execute(uri: path, method: .head, headers: tus) { response in
            response.headers[HTTPField.Name("Upload-Offset")!].flatMap { Int($0) }
        }
    }

    /// The upload's state once it is no longer `scanning` (or after 20 s).
    static func settled(_ client: any TestClientProtocol, _ path: String, language: String = "en") async throws -> [String: Any] {
        for _ in 0..<200 {
            let object = try await client.execute(uri: path + "?language=\(language)", method: .get, headers: [HTTPField.Name("Tus-Resumable")!: "1.0.0"]) { json($0.body) }
            if object["state"] as? String != "scanning" { return object }
            try await Task.sleep(for: .milliseconds(100))
        }
        return [:]
    }

    static func hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    @Test func aCleanPhotoSentInTwoPartsIsSealedOnDiskAndScannedClean() async throws {
        let rig = try await Rig()
        let photo = Self.jpeg(Data("a photo of a dented wing, SOH-PLAINTEXT-CANARY".utf8) + Data(repeating: 7, count: 1_500_000))
        try await rig.run { client in
            let path = try await Self.create(client, size: photo.count)
            #expect(path.hasPrefix(Self.base + "/"))
            try await Self.patch(client, path, offset: 0, photo.prefix(10)) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[HTTPField.Name("Upload-Offset")!] == "10")
            }
            // The connection broke here: the client asks where to resume.
            #expect(try await Self.offset(client, path) == 10)
            try await Self.patch(client, path, offset: 3, photo.dropFirst(3)) { #expect($0.status == .conflict) }
            try await Self.patch(client, path, offset: 10, photo.dropFirst(10)) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[HTTPField.Name("Upload-Offset")!] == String(photo.count))
            }
            let status = try await Self.settled(client, path)
            #expect(status["state"] as? String == "clean")
            #expect(status["mediaType"] as? String == "image/jpeg")
            #expect(status["name"] as? String == "damage.jpg")
            #expect(status["sha256"] as? String == Self.hex(photo))
            // On disk: sealed, none of the bytes as sent.
            let id = String(path.split(separator: "/").last!)
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: rig.sealed(id)))
            #expect(onDisk.count > photo.count)
            #expect(onDisk.range(of: Data("SOH-PLAINTEXT-CANARY".utf8)) == nil)
        }
    }

    @Test func eicarIsRefusedByNameAndItsBytesDestroyed() async throws {
        let rig = try await Rig()
        let infected = Self.jpeg(TestClamd.eicar)
        try await rig.run { client in
            let path = try await Self.create(client, size: infected.count, name: "IMG_0042.jpg")
            try await Self.patch(client, path, offset: 0, infected) { #expect($0.status == .noContent) }
            let status = try await Self.settled(client, path)
            #expect(status["state"] as? String == "infected")
            let error = status["error"] as? [String: Any]
            #expect(error?["code"] as? String == "fileInfected")
            #expect(error?["message"] as? String == "IMG_0042.jpg contains a virus: delete it from your device and select another file")
            let id = String(path.split(separator: "/").last!)
            #expect(!FileManager.default.fileExists(atPath: rig.sealed(id)))
            // Welsh, on equal terms, for a Welsh force.
            let gwent = try await Self.create(client, size: infected.count, name: "IMG_0042.jpg", force: "gwent")
            var headers = Self.tus
            headers[.origin] = nil
            try await Self.patch(client, gwent, offset: 0, infected, headers: headers) { #expect($0.status == .noContent) }
            let cy = try await Self.settled(client, gwent, language: "cy")
            #expect((cy["error"] as? [String: Any])?["message"] as? String == "Mae IMG_0042.jpg yn cynnwys feirws: dilëwch hi o'ch dyfais a dewiswch ffeil arall")
            // Our own signature too, wherever it is in the file.
            let marked = Self.jpeg(Data(repeating: 1, count: 200_000) + TestClamd.marker + Data(repeating: 2, count: 1000))
            let second = try await Self.create(client, size: marked.count)
            try await Self.patch(client, second, offset: 0, marked) { #expect($0.status == .noContent) }
            #expect(try await Self.settled(client, second)["state"] as? String == "infected")
        }
    }

    @Test func aFileIsItsContentNotItsName() async throws {
        let rig = try await Rig()
        try await rig.run { client in
            // Text named .jpg: refused at its first bytes, naming it.
            let text = Data("this is not a photo at all, whatever its name says".utf8)
            let path = try await Self.create(client, size: text.count, name: "holiday.jpg")
            try await Self.patch(client, path, offset: 0, text) { response in
                #expect(response.status == .unsupportedMediaType)
                let errors = json(response.body)["errors"] as? [[String: String]]
                #expect(errors?.first?["message"] == "holiday.jpg must be a JPG, PNG or MP4")
            }
            #expect(try await Self.settled(client, path)["state"] as? String == "refused")
            try await client.execute(uri: path, method: .head, headers: Self.tus) { #expect($0.status == .gone) }
            // A zip (a zip bomb's container) is not a kind the question takes.
            let zip = Data([0x50, 0x4B, 0x03, 0x04]) + Data(repeating: 0, count: 100)
            let zipPath = try await Self.create(client, size: zip.count, name: "photos.zip")
            try await Self.patch(client, zipPath, offset: 0, zip) { #expect($0.status == .unsupportedMediaType) }
            // A PDF is a kind soh knows, but not one this question takes.
            let pdf = Data("%PDF-1.7\n".utf8) + Data(repeating: 0x20, count: 100)
            let pdfPath = try await Self.create(client, size: pdf.count, name: "scan.pdf")
            try await Self.patch(client, pdfPath, offset: 0, pdf) { #expect($0.status == .unsupportedMediaType) }
            // Sent a few bytes at a time, the kind is still decided from the first ones.
            let photo = Self.jpeg()
            let slow = try await Self.create(client, size: photo.count)
            for start in stride(from: 0, to: 12, by: 4) {
                try await Self.patch(client, slow, offset: start, photo[start..<start + 4]) { #expect($0.status == .noContent) }
            }
            try await Self.patch(client, slow, offset: 12, photo.dropFirst(12)) { #expect($0.status == .noContent) }
            #expect(try await Self.settled(client, slow)["state"] as? String == "clean")
        }
    }

    @Test func sizesAndHostileRequestsAreRefusedWithTheirReasons() async throws {
        let rig = try await Rig()
        try await rig.run { client in
            _ = try await Self.create(client, size: 5_000_001, name: "dashcam.mp4", expect: .contentTooLarge)
            _ = try await Self.create(client, size: 0, name: "empty.jpg", expect: .unprocessableContent)
            _ = try await Self.create(client, size: 10, question: "nope", expect: .badRequest)
            var headers = Self.tus
            headers[HTTPField.Name("Upload-Length")!] = "10"
            headers[HTTPField.Name("Upload-Metadata")!] = "question !!!notbase64"
            try await client.execute(uri: Self.base, method: .post, headers: headers) { #expect($0.status == .badRequest) }
            headers[HTTPField.Name("Upload-Metadata")!] = Self.metadata(["question": "photos", "filename": "x.jpg"])
            headers[HTTPField.Name("Tus-Resumable")!] = nil
            try await client.execute(uri: Self.base, method: .post, headers: headers) { #expect($0.status == .preconditionFailed) }
            headers[.origin] = "https://evil.example"
            headers[HTTPField.Name("Tus-Resumable")!] = "1.0.0"
            try await client.execute(uri: Self.base, method: .post, headers: headers) { #expect($0.status == .forbidden) }
            // Paths that are not an upload's id name nothing.
            for bad in ["..%2F..%2Fetc%2Fpasswd", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdef"] {
                try await client.execute(uri: Self.base + "/" + bad, method: .head, headers: Self.tus) { #expect($0.status == .notFound) }
            }
            // A name is its last part, without control characters.
            let photo = Self.jpeg()
            let path = try await Self.create(client, size: photo.count, name: "../../etc/\u{1}pass\nwd.jpg")
            var wrongType = Self.tus
            wrongType[.contentType] = "application/octet-stream"
            wrongType[HTTPField.Name("Upload-Offset")!] = "0"
            try await client.execute(uri: path, method: .patch, headers: wrongType, body: ByteBuffer(data: photo)) { #expect($0.status == .unsupportedMediaType) }
            // More bytes than it said: the rest is not kept.
            try await Self.patch(client, path, offset: 0, photo + Data(repeating: 9, count: 100)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[HTTPField.Name("Upload-Offset")!] == String(photo.count))
            }
            let status = try await Self.settled(client, path)
            #expect(status["name"] as? String == "passwd.jpg")
            #expect(status["sha256"] as? String == Self.hex(photo))
            // Removed by the person before sending: gone.
            try await client.execute(uri: path, method: .delete, headers: Self.tus) { #expect($0.status == .noContent) }
            try await client.execute(uri: path, method: .get, headers: Self.tus) { #expect($0.status == .notFound) }
        }
    }

    @Test func whileClamdIsAwayFilesWaitInQuarantineThenAreScanned() async throws {
        let rig = try await Rig()
        let clamd = rig.clamd
        try await rig.run { client in
            clamd.stop()
            defer { try? clamd.start() }
            let photo = Self.jpeg()
            let path = try await Self.create(client, size: photo.count)
            try await Self.patch(client, path, offset: 0, photo) { #expect($0.status == .noContent) }
            try await Task.sleep(for: .seconds(1))
            let waiting = try await client.execute(uri: path, method: .get, headers: Self.tus) { json($0.body) }
            #expect(waiting["state"] as? String == "scanning")
            try clamd.start()
            #expect(try await Self.settled(client, path)["state"] as? String == "clean")
        }
    }

    @Test func anAlteredSealedFileIsNeverPassedAsClean() async throws {
        let rig = try await Rig()
        let store = rig.harness.store
        let clamd = rig.clamd
        try await rig.run { client in
            // Held back from the scanner until the file has been altered.
            clamd.stop()
            let photo = Self.jpeg()
            let path = try await Self.create(client, size: photo.count)
            try await Self.patch(client, path, offset: 0, photo) { #expect($0.status == .noContent) }
            let id = String(path.split(separator: "/").last!)
            let file = rig.sealed(id)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            bytes[bytes.count - 20] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: file))
            try clamd.start()
            let status = try await Self.settled(client, path)
            #expect(status["state"] as? String == "refused")
            #expect(try await store.upload(id: id)?.detail?.contains("does not open") == true)
        }
    }

    /// Posts the evidence form naming `uploads`; the status and body.
    static func submit(_ client: any TestClientProtocol, _ uploads: [String]) async throws -> (HTTPResponse.Status, [String: Any]) {
        let answers: [String: Answer] = ["photos": .list(uploads)]
        let data = try JSONEncoder().encode(["form": AnyEncodable("evidence"), "version": AnyEncodable(1), "language": AnyEncodable("en"), "answers": AnyEncodable(answers)])
        return try await client.execute(uri: "/v1/forces/kent/forms/evidence/submissions", method: .post, headers: jsonHeaders,
                                        body: ByteBuffer(data: data)) { ($0.status, json($0.body)) }
    }

    struct AnyEncodable: Encodable {
        let value: any Encodable
        init(_ value: any Encodable) { self.value = value }
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    static func id(_ path: String) -> String { String(path.split(separator: "/").last!) }

    @Test func aReportTakesItsFilesOnceAndIsDeliveredOnlyAfterTheirScan() async throws {
        let rig = try await Rig()
        let (clamd, store) = (rig.clamd, rig.harness.store)
        try await rig.run { client in
            // An infected file is named; nothing is stored.
            let infected = Self.jpeg(TestClamd.eicar)
            let bad = try await Self.create(client, size: infected.count, name: "virus.jpg")
            try await Self.patch(client, bad, offset: 0, infected) { #expect($0.status == .noContent) }
            _ = try await Self.settled(client, bad)
            let (refused, errors) = try await Self.submit(client, [Self.id(bad)])
            #expect(refused == .unprocessableContent)
            #expect((errors["errors"] as? [[String: String]])?.first?["message"] == "virus.jpg contains a virus: delete it from your device and select another file")
            // A file not yet whole, and an id that is no upload, are not taken either.
            let half = try await Self.create(client, size: 5000, name: "half.jpg")
            try await Self.patch(client, half, offset: 0, Self.jpeg().prefix(100)) { #expect($0.status == .noContent) }
            let (partial, _) = try await Self.submit(client, [Self.id(half), "0123456789abcdef0123456789abcdef"])
            #expect(partial == .unprocessableContent)
            #expect(try await store.count() == 0)

            // With clamd away, the report is stored but its delivery waits for the scan.
            clamd.stop()
            defer { try? clamd.start() }
            let photo = Self.jpeg()
            let good = try await Self.create(client, size: photo.count)
            try await Self.patch(client, good, offset: 0, photo) { #expect($0.status == .noContent) }
            let (created, receipt) = try await Self.submit(client, [Self.id(good)])
            #expect(created == .created, "\(receipt)")
            #expect(try await store.upload(id: Self.id(good))?.submissionID != nil)
            #expect(try await store.lease(limit: 10, seconds: 60, now: Date()).isEmpty)
            // The same file cannot join a second report, nor be removed from this one.
            let (again, _) = try await Self.submit(client, [Self.id(good)])
            #expect(again == .unprocessableContent)
            try await client.execute(uri: good, method: .delete, headers: Self.tus) { #expect($0.status == .conflict) }
            try clamd.start()
            #expect(try await Self.settled(client, good)["state"] as? String == "clean")
            let leased = try await store.lease(limit: 10, seconds: 60, now: Date())
            #expect(leased.map(\.report.reference) == [receipt["reference"] as? String ?? ""])
        }
    }

    /// A multipart form post, as a browser without JavaScript sends it: text fields, then files.
    static func multipart(_ fields: [(String, String)], files: [(String, String, Data)]) -> (String, ByteBuffer) {
        let boundary = "----soh\(UUID().uuidString.prefix(8))"
        var body = Data()
        for (name, value) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, filename, data) in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            body += data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(data: body))
    }

    static func post(_ client: any TestClientProtocol, _ files: [(String, String, Data)]) async throws -> (HTTPResponse.Status, String, String?) {
        let (type, body) = multipart([("_form", "evidence"), ("_version", "1"), ("_language", "en"), ("_website", "")], files: files)
        return try await client.execute(uri: "/v1/forces/kent/forms/evidence/submissions", method: .post,
                                        headers: [.contentType: type, .origin: "https://kent.soh.example"], body: body) {
            ($0.status, String(buffer: $0.body), $0.headers[.location])
        }
    }

    @Test func withoutJavaScriptTheFilesComeWithTheFormAndStreamToTheirUploads() async throws {
        let rig = try await Rig()
        let store = rig.harness.store
        try await rig.run { client in
            // Not what the question takes, or too large: named on the page, nothing stored.
            let (refused, page, _) = try await Self.post(client, [("photos", "notes.jpg", Data("just some text".utf8))])
            #expect(refused == .unprocessableContent)
            #expect(page.contains("notes.jpg must be a JPG, PNG or MP4"))
            let (large, largePage, _) = try await Self.post(client, [("photos", "huge.jpg", Self.jpeg(Data(count: 5_000_001)))])
            #expect(large == .unprocessableContent)
            #expect(largePage.contains("huge.jpg must be smaller than 5MB"))
            #expect(try await store.count() == 0)
            // A good file in a refused post is not kept either: the page asks for it again.
            let (mixed, _, _) = try await Self.post(client, [("photos", "good.jpg", Self.jpeg()), ("photos", "bad.jpg", Data("text".utf8))])
            #expect(mixed == .unprocessableContent)
            let left = rig.sealedFiles()
            #expect(left.isEmpty, "\(left)")
            // A photo: stored with the report, scanned after.
            let photo = Self.jpeg(Data(repeating: 3, count: 2_500_000))
            let (status, _, location) = try await Self.post(client, [("photos", "C:\\Users\\sam\\wing.jpg", photo), ("photos", "", Data())])
            #expect(status == .seeOther)
            #expect(location?.contains("reference=KEN-") == true)
            #expect(try await store.count() == 1)
            let stored = try #require(try await store.list(force: "kent").first)
            guard case .list(let ids)? = try JSONDecoder().decode([String: Answer].self, from: Data(stored.answers.utf8))["photos"] else {
                Issue.record("no files in \(stored.answers)"); return
            }
            #expect(ids.count == 1)
            let uploadPath = Self.base + "/" + ids[0]
            let settled = try await Self.settled(client, uploadPath)
            #expect(settled["state"] as? String == "clean")
            #expect(settled["name"] as? String == "wing.jpg")
            #expect(settled["sha256"] as? String == Self.hex(photo))
            // A broken body is refused, not half taken.
            try await client.execute(uri: "/v1/forces/kent/forms/evidence/submissions", method: .post,
                                     headers: [.contentType: "multipart/form-data", .origin: "https://kent.soh.example"], body: ByteBuffer(string: "x")) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func theForceGetsEachFileListedAndFetchesItsBytesWithItsToken() async throws {
        let rig = try await Rig()
        let store = rig.harness.store
        let form = try #require(rig.harness.catalog.forms["evidence"])
        try await rig.run { client in
            let photo = Self.jpeg(Data((0..<2_500_000).map { UInt8(truncatingIfNeeded: $0 * 7) }))
            let good = try await Self.create(client, size: photo.count, name: "wing.jpg")
            // Sent in two requests: pieces of two sizes, which a range must step across.
            try await Self.patch(client, good, offset: 0, photo.prefix(1_500_000)) { #expect($0.status == .noContent) }
            try await Self.patch(client, good, offset: 1_500_000, photo.dropFirst(1_500_000)) { #expect($0.status == .noContent) }
            let infected = Self.jpeg(TestClamd.eicar)
            let bad = try await Self.create(client, size: infected.count, name: "bad.jpg")
            try await Self.patch(client, bad, offset: 0, infected) { #expect($0.status == .noContent) }
            _ = try await Self.settled(client, good)
            _ = try await Self.settled(client, bad)
            // An infected file cannot be sent; the clean one can.
            let (created, receipt) = try await Self.submit(client, [Self.id(good)])
            #expect(created == .created)
            let reference = receipt["reference"] as? String ?? ""
            // The delivery lists the file: what it is and where to fetch it.
            let leased = try await store.lease(limit: 10, seconds: 60, now: Date())
            let report = try #require(leased.first?.report)
            #expect(report.evidence.map(\.name) == ["wing.jpg"] && report.evidence.first?.sha256 == Self.hex(photo))
            let document = try JSONSerialization.jsonObject(with: DeliveryDocument.make(report, definition: form)) as? [String: Any]
            let included = document?["included"] as? [[String: Any]] ?? []
            let attachment = included.first { $0["type"] as? String == "attachment" }?["attributes"] as? [String: Any]
            let path = "/v1/forces/kent/submissions/\(reference)/evidence/\(Self.id(good))"
            #expect(attachment?["href"] as? String == path)
            #expect(attachment?["sha256"] as? String == Self.hex(photo) && attachment?["contentType"] as? String == "image/jpeg")
            #expect(attachment?["fileSize"] as? Int == photo.count && attachment?["scanResult"] as? String == "clean")
            let content = (included.first { $0["type"] as? String == "submission" }?["attributes"] as? [String: Any])?["submissionContent"] as? String
            #expect(content?.contains("wing.jpg (image/jpeg, \(photo.count) bytes, SHA-256 \(Self.hex(photo))): GET \(path)") == true)
            // The force's read lists it too.
            let token: HTTPFields = [.authorization: "Bearer kent-secret"]
            let read = try await client.execute(uri: "/v1/forces/kent/submissions/\(reference)", method: .get, headers: token) { json($0.body) }
            #expect(((read["evidence"] as? [[String: Any]])?.first)?["path"] as? String == path)
            // The bytes, whole and in ranges across pieces.
            try await client.execute(uri: path, method: .get, headers: token) { response in
                #expect(response.status == .ok)
                #expect(Data(buffer: response.body) == photo)
                #expect(response.headers[.contentType] == "image/jpeg")
                #expect(response.headers[.contentDisposition]?.contains("filename=\"wing.jpg\"") == true)
            }
            for (range, expected) in [("bytes=1048570-1500010", photo[1_048_570...1_500_010]), ("bytes=-100", photo.suffix(100)), ("bytes=2000000-", photo.dropFirst(2_000_000))] {
                var headers = token
                headers[.range] = range
                try await client.execute(uri: path, method: .get, headers: headers) { response in
                    #expect(response.status == .partialContent, "\(range)")
                    #expect(Data(buffer: response.body) == Data(expected), "\(range)")
                }
            }
            var beyond = token
            beyond[.range] = "bytes=\(photo.count)-"
            try await client.execute(uri: path, method: .get, headers: beyond) { #expect($0.status == .rangeNotSatisfiable) }
            // Without the token, or another upload's id: nothing.
            try await client.execute(uri: path, method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/forces/kent/submissions/\(reference)/evidence/\(Self.id(bad))", method: .get, headers: token) {
                #expect($0.status == .notFound)
            }
            // Every fetch of bytes is in the audit log (the whole file and three ranges), and the asking for another's.
            let entries = try await store.auditRecords(force: "kent", after: nil, limit: 100)
            #expect(entries.filter { $0.action == "evidence" && $0.target == "\(reference)/\(Self.id(good))" }.count == 4)
            #expect(entries.contains { $0.action == "evidence" && $0.target == "\(reference)/\(Self.id(bad)) (no such file)" })
        }
    }

    @Test func retentionPurgesFilesWithTheirReportAndUploadsNoReportTook() async throws {
        let rig = try await Rig()
        let (store, evidence) = (rig.harness.store, rig.evidence)
        try await rig.run { client in
            let photo = Self.jpeg()
            let sent = try await Self.create(client, size: photo.count, name: "sent.jpg")
            try await Self.patch(client, sent, offset: 0, photo) { #expect($0.status == .noContent) }
            let abandoned = try await Self.create(client, size: photo.count, name: "abandoned.jpg")
            try await Self.patch(client, abandoned, offset: 0, photo) { #expect($0.status == .noContent) }
            _ = try await Self.settled(client, sent)
            _ = try await Self.settled(client, abandoned)
            let (created, receipt) = try await Self.submit(client, [Self.id(sent)])
            #expect(created == .created)
            let reference = receipt["reference"] as? String ?? ""
            // Not yet: the report is young and the other upload less than a day old.
            let now = Date()
            let early = try await store.purge(Retention().cutoffs(now: now), now: now, dryRun: false)
            #expect(early.files == 0)
            // Two days on, with the report's answers due to go: both files go, names and bytes.
            let later = now.addingTimeInterval(2 * 86_400)
            let cutoffs = Retention.Cutoffs(deliveredBefore: later, receivedBefore: later)
            #expect(try await store.purge(cutoffs, now: later, dryRun: true).files == 2)
            #expect(try await store.purge(cutoffs, now: later, dryRun: false).files == 2)
            #expect(try await evidence.sweep(store) == 2)
            for path in [sent, abandoned] {
                #expect(!FileManager.default.fileExists(atPath: rig.sealed(Self.id(path))))
                let upload = try #require(try await store.upload(id: Self.id(path)))
                #expect(upload.purged && upload.name.isEmpty && upload.sha256 == Self.hex(photo))
            }
            #expect(try await evidence.sweep(store) == 0)
            // A purged upload takes no bytes and joins no report; a purged report's file is gone.
            try await client.execute(uri: abandoned, method: .head, headers: Self.tus) { #expect($0.status == .gone) }
            let (refused, _) = try await Self.submit(client, [Self.id(abandoned)])
            #expect(refused == .unprocessableContent)
            try await client.execute(uri: "/v1/forces/kent/submissions/\(reference)/evidence/\(Self.id(sent))", method: .get,
                                     headers: [.authorization: "Bearer kent-secret"]) { #expect($0.status == .gone) }
        }
    }

    /// A rotated key seals files again too: the bytes and the name, written beside the old copy,
    /// recorded, then the old copy removed; the old key is then needed for nothing.
    @Test func aRotatedKeySealsEvidenceAgain() async throws {
        let rig = try await Rig()
        let photo = Self.jpeg(Data((0..<2_300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        let made = Mutex<[String]>([])
        try await rig.run { client in
            for name in ["first.jpg", "second.jpg"] {
                let path = try await Self.create(client, size: photo.count, name: name)
                try await Self.patch(client, path, offset: 0, photo) { #expect($0.status == .noContent) }
                #expect(try await Self.settled(client, path)["state"] as? String == "clean")
                made.withLock { $0.append(Self.id(path)) }
            }
        }
        let ids = made.withLock { $0 }
        let newLine = AnswerKeys.generate(id: "new")
        let rotated = try await SubmissionStore.sqlite(path: rig.harness.dbPath, keys: try AnswerKeys(parsing: newLine + "\n" + StoreTests.keyLine))
        #expect(try await rotated.uploadsUnderOtherKeys() == (0, 2))
        var resealed = 0
        while case let n = try await rig.evidence.reseal(rotated, batch: 1), n > 0 { resealed += n }
        #expect(resealed == 2)
        #expect(try await rotated.uploadsUnderOtherKeys() == (0, 0))
        #expect(rig.sealedFiles().sorted() == ids.map { "\($0)/new.sealed" }.sorted(), "the old copies are gone")
        let onlyNew = try AnswerKeys(parsing: newLine)
        let reopened = try await SubmissionStore.sqlite(path: rig.harness.dbPath, keys: onlyNew)
        for (id, name) in zip(ids, ["first.jpg", "second.jpg"]) {
            let upload = try #require(try await reopened.upload(id: id))
            #expect(upload.name == name && upload.keyID == "new" && upload.state == .clean)
            var read = Data()
            try await rig.evidence.reader(upload, keys: onlyNew).each { read += $0 }
            #expect(read == photo)
            // A range from the middle opens only the pieces that hold it.
            let reader = try await rig.evidence.reader(upload, keys: onlyNew)
            var part = Data()
            while let piece = try await reader.next(in: 1_048_000..<1_049_000) { part += piece }
            #expect(part == photo[1_048_000..<1_049_000])
        }
        #expect(try await rig.evidence.reseal(reopened, batch: 5) == 0)
    }
}
