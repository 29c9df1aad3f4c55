import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SOHDelivery
import SOHServer
import Testing

/// docs/api.md's exchanges are real: each ```http request``` block is sent to the API, in order,
/// and the reply must have the status of the ```http response``` block after it and a body of
/// the same shape (the same keys; the same values but for references and times). Every reply
/// must also be one the OpenAPI document describes, with the fields it says are required.
@Suite("docs/api.md against the real API")
struct APIDocsTests {
    struct Exchange {
        var method: String, path: String, headers: [(String, String)], body: String
        var status: Int, responseBody: String
    }

    static func exchanges() throws -> [Exchange] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/api.md"), encoding: .utf8)
        var blocks: [(kind: String, text: String)] = []
        var current: (String, [String])?
        for line in text.components(separatedBy: "\n") {
            if let (kind, lines) = current {
                if line == "```" { blocks.append((kind, lines.joined(separator: "\n"))); current = nil } else { current = (kind, lines + [line]) }
            } else if line == "```http request" || line == "```http response" {
                current = (String(line.dropFirst(8)), [])
            }
        }
        var result: [Exchange] = []
        for i in stride(from: 0, to: blocks.count, by: 2) {
            let request = blocks[i], response = blocks[i + 1]
            #expect(request.kind == "request" && response.kind == "response", "blocks alternate request, response")
            func split(_ text: String) -> ([String], String) {
                let parts = text.components(separatedBy: "\n\n")
                return (parts[0].components(separatedBy: "\n"), parts.dropFirst().joined(separator: "\n\n"))
            }
            let (head, body) = split(request.text)
            let first = head[0].split(separator: " ")
            let headers = head.dropFirst().map { line -> (String, String) in
                let kv = line.split(separator: ":", maxSplits: 1)
                return (String(kv[0]), kv[1].trimmingCharacters(in: .whitespaces))
            }
            let (responseHead, responseBody) = split(response.text)
            let status = Int(responseHead[0].split(separator: " ")[1]) ?? 0
            result.append(Exchange(method: String(first[0]), path: String(first[1]), headers: headers, body: body,
                                   status: status, responseBody: responseBody))
        }
        return result
    }

    /// Whether `actual` has the shape of `example`: the same keys; equal values except those
    /// that differ on every run; each array item shaped like the example's items.
    static func sameShape(_ example: Any, _ actual: Any, key: String = "") -> Bool {
        switch (example, actual) {
        case (let e as [String: Any], let a as [String: Any]):
            return Set(e.keys) == Set(a.keys) && e.allSatisfy { k, v in a[k].map { sameShape(v, $0, key: k) } ?? false }
        case (let e as [Any], let a as [Any]):
            guard let model = e.first else { return a.isEmpty }
            // The items shown, as shown; any further ones of the same shape.
            return a.count >= e.count && zip(e, a).allSatisfy { sameShape($0, $1, key: key) } && a.dropFirst(e.count).allSatisfy { item in
                (model as? [String: Any]).map { Set($0.keys) == Set((item as? [String: Any])?.keys.map { $0 } ?? []) } ?? true
            }
        default:
            if ["reference", "receivedAt", "id"].contains(key) { return type(of: example) == type(of: actual) }
            return "\(example)" == "\(actual)"
        }
    }

    /// The document as the API serves it.
    static func openAPI(_ client: some TestClientProtocol) async throws -> [String: Any] {
        try await client.execute(uri: "/v1/openapi.json", method: .get) { response in
            try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        }
    }

    @Test func theExamplesAreTheAPIsOwnReplies() async throws {
        let exchanges = try Self.exchanges()
        #expect(exchanges.count >= 6)
        let h = try await Harness()
        // Kent delivers to its records system (no worker runs here, so deliveries stay pending).
        let deliveries = DeliveryConfig(destinations: ["kent": [.init(name: "athena", kind: .directory(path: "/nonexistent"))]])
        try await h.app(deliveries: deliveries).test(.live) { client in
            let openAPI = try await Self.openAPI(client)
            for exchange in exchanges {
                var headers = HTTPFields()
                for (name, value) in exchange.headers { headers[HTTPField.Name(name)!] = value }
                try await client.execute(uri: exchange.path, method: HTTPRequest.Method(exchange.method)!, headers: headers,
                                         body: ByteBuffer(string: exchange.body)) { response in
                    let label = "\(exchange.method) \(exchange.path) → \(exchange.status)"
                    #expect(Int(response.status.code) == exchange.status, "\(label): \(String(buffer: response.body))")
                    let actual = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
                    let example = try JSONSerialization.jsonObject(with: Data(exchange.responseBody.utf8))
                    #expect(Self.sameShape(example, actual), "\(label): \(String(buffer: response.body))")
                    #expect(OpenAPICheck.describes(openAPI, method: exchange.method, path: exchange.path,
                                                   status: Int(response.status.code), body: actual) == nil, "\(label)")
                }
            }
        }
    }

    @Test func everyReplyTheTestsProvokeIsInTheOpenAPIDocument() async throws {
        let h = try await Harness()
        let form = try #require(h.catalog.forms["lost-property"])
        let post = "/v1/forces/kent/forms/lost-property/submissions"
        let calls: [(HTTPRequest.Method, String, HTTPFields, ByteBuffer)] = [
            (.get, "/healthz", [:], ByteBuffer()),
            (.get, "/readyz", [:], ByteBuffer()),
            (.post, post, jsonHeaders, body(form, sampleAnswers(form))),
            (.post, post, jsonHeaders, ByteBuffer(string: "{not json")),
            (.post, post, [.contentType: "text/plain"], ByteBuffer(string: "x")),
            (.post, post, jsonHeaders, body(form, sampleAnswers(form), version: 99)),
            (.post, post, [.contentType: "application/json", .origin: "https://evil.example"], body(form, sampleAnswers(form))),
            (.post, "/v1/forces/atlantis/forms/lost-property/submissions", jsonHeaders, body(form, [:])),
            (.post, post, jsonHeaders, body(form, [:])),
            (.post, post, [.contentType: "application/x-www-form-urlencoded"], ByteBuffer(string: "_form=lost-property&think-stolen=yes")),
            (.options, post, [.origin: "https://kent.soh.example", .accessControlRequestMethod: "POST"], ByteBuffer()),
            (.options, post, [.origin: "https://evil.example", .accessControlRequestMethod: "POST"], ByteBuffer()),
            (.get, "/v1/forces/kent/submissions", [.authorization: "Bearer kent-secret"], ByteBuffer()),
            (.get, "/v1/forces/kent/submissions", [:], ByteBuffer()),
            (.get, "/v1/forces/atlantis/submissions", [:], ByteBuffer()),
            (.get, "/v1/forces/kent/submissions/KEN-AAAA-AAAA", [.authorization: "Bearer kent-secret"], ByteBuffer()),
        ]
        try await h.app(maxBody: 64 * 1024).test(.live) { client in
            let openAPI = try await Self.openAPI(client)
            for (method, path, headers, body) in calls {
                try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
                    let parsed = response.headers[.contentType]?.hasPrefix("application/json") == true
                        ? try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) : nil
                    let problem = OpenAPICheck.describes(openAPI, method: method.rawValue, path: path, status: Int(response.status.code), body: parsed)
                    #expect(problem == nil, "\(method) \(path) → \(response.status.code): \(problem ?? "")")
                }
            }
        }
    }
}

/// Whether an OpenAPI 3.1 document describes a reply: the path (templates matched by segment),
/// the method and the status are listed, and a JSON body has every field its schema requires
/// (following `$ref` and, for `oneOf`, any one alternative). Nil when it does, else why not.
enum OpenAPICheck {
    static func describes(_ document: [String: Any], method: String, path: String, status: Int, body: Any?) -> String? {
        let paths = document["paths"] as? [String: Any] ?? [:]
        let segments = path.split(separator: "?")[0].split(separator: "/")
        guard let template = paths.keys.first(where: { template in
            let t = template.split(separator: "/")
            return t.count == segments.count && zip(t, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }) else { return "path not in the document" }
        guard let operation = (paths[template] as? [String: Any])?[method.lowercased()] as? [String: Any] else { return "method not in the document" }
        guard let reply = (operation["responses"] as? [String: Any])?[String(status)] as? [String: Any] else { return "status \(status) not in the document" }
        guard let body, let schema = ((reply["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] else { return nil }
        return satisfies(body, schema, document) ? nil : "the body does not have the fields its schema requires"
    }

    static func satisfies(_ value: Any, _ schema: Any, _ document: [String: Any]) -> Bool {
        guard var schema = schema as? [String: Any] else { return true }
        if let ref = schema["$ref"] as? String {
            schema = ref.split(separator: "/").dropFirst().reduce(document as Any) { ($0 as? [String: Any])?[String($1)] as Any } as? [String: Any] ?? [:]
        }
        if let options = schema["oneOf"] as? [Any] { return options.contains { satisfies(value, $0, document) } }
        guard let required = schema["required"] as? [String] else { return true }
        guard let object = value as? [String: Any] else { return false }
        return required.allSatisfy { object[$0] != nil }
    }
}
