import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SOHModel

/// A bucket of S3-compatible object storage (AWS S3, MinIO, Ceph, …) named by an
/// `s3://BUCKET/PREFIX` URL, with the AWS CLI's environment variables for the rest:
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` (or
/// `AWS_DEFAULT_REGION`; `us-east-1` without), `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` for
/// a store other than AWS (then addressed by path: `ENDPOINT/BUCKET/KEY`), and `AWS_CA_BUNDLE`
/// for a certificate authority of its own.
public struct S3Bucket: Sendable {
    public var bucket: String
    /// Put before every key: empty, or ending in `/`.
    public var prefix: String
    public var region: String
    /// `https://s3.REGION.amazonaws.com`, or the endpoint given.
    public var endpoint: URL
    /// Addressed by path (`ENDPOINT/BUCKET/KEY`) rather than by host (`BUCKET.ENDPOINT/KEY`).
    public var pathStyle: Bool
    public var caBundle: String?
    var signer: SigV4

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func isBucketURL(_ text: String) -> Bool { text.hasPrefix("s3://") }

    public init(url: String, environment: [String: String]) throws(Invalid) {
        guard Self.isBucketURL(url) else { throw Invalid(description: "'\(url)' is not an s3://BUCKET/PREFIX URL") }
        let rest = url.dropFirst(5)
        let bucket = String(rest.prefix { $0 != "/" })
        // Bucket names as S3 allows them: 3 to 63 lower-case letters, digits, '-' and '.'.
        guard (3...63).contains(bucket.count), bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw Invalid(description: "'\(bucket)' is not a bucket name (3 to 63 lower-case letters, digits, '-' or '.')")
        }
        var prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
        guard !prefix.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }), !prefix.contains("//"),
              prefix.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value != 127 }) else {
            throw Invalid(description: "the prefix '\(prefix)' has an empty, '.' or '..' part, or a control character")
        }
        if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let access = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw Invalid(description: "evidence in \(url) needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
        }
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        let given = value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL")
        let endpointText = given ?? "https://s3.\(region).amazonaws.com"
        guard let endpoint = URL(string: endpointText.hasSuffix("/") ? String(endpointText.dropLast()) : endpointText),
              ["http", "https"].contains(endpoint.scheme ?? ""), endpoint.host?.isEmpty == false, endpoint.path.isEmpty else {
            throw Invalid(description: "the endpoint '\(endpointText)' is not http(s)://HOST[:PORT]")
        }
        (self.bucket, self.prefix, self.region, self.endpoint) = (bucket, prefix, region, endpoint)
        // Bucket names with dots do not match AWS's certificate as hosts.
        pathStyle = given != nil || bucket.contains(".")
        caBundle = value("AWS_CA_BUNDLE")
        signer = SigV4(accessKey: access, secretKey: secret, sessionToken: value("AWS_SESSION_TOKEN"), region: region)
    }

    /// The bucket as a URL, without secrets.
    public var location: String { "s3://\(bucket)/\(prefix)" }
}

/// The few S3 requests soh makes, signed (`SigV4`): put, get and delete objects, list them.
/// Each request's body is at most a sealed piece, so nothing large is held.
final class S3Client: Sendable {
    let bucket: S3Bucket
    let client: HTTPClient
    let timeout: TimeAmount = .seconds(60)

    /// What S3 answered when it was not a success: its status and error code.
    struct Failed: Error, CustomStringConvertible {
        var status: Int
        var code: String
        var message: String
        var description: String { "S3 answered \(status) \(code)\(message.isEmpty ? "" : ": \(message)")" }
    }

    init(_ bucket: S3Bucket) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = bucket.caBundle { tls.trustRoots = .file(ca) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.decompression = .disabled
        (self.bucket, client) = (bucket, HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration))
    }

    func shutdown() async { try? await client.shutdown() }

    /// Sends a signed request for `key` (nil: the bucket itself); returns the status and body.
    func request(_ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
                 body: Data = Data(), limit: Int = 2 << 20) async throws -> (status: Int, body: Data) {
        var host = bucket.endpoint.host!
        if let port = bucket.endpoint.port { host += ":\(port)" }
        var path = "/"
        if bucket.pathStyle { path += SigV4.encode(bucket.bucket, slash: false) + (key == nil ? "" : "/") } else { host = "\(bucket.bucket).\(host)" }
        if let key { path += SigV4.encode(key, slash: false) }
        let signed = bucket.signer.sign(method: method.rawValue, host: host, path: path, query: query, headers: headers,
                                        payloadSHA256: Hex.string(SHA256.hash(data: body)), at: Date())
        let queryText = query.isEmpty ? "" : "?" + SigV4.canonicalQuery(query)
        var request = HTTPClientRequest(url: "\(bucket.endpoint.scheme!)://\(host)\(path)\(queryText)")
        request.method = method
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        if method == .PUT || method == .POST { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await client.execute(request, timeout: timeout)
        let data = Data(buffer: try await response.body.collect(upTo: limit))
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            throw Failed(status: status, code: Self.values(of: "Code", in: data).first ?? "", message: Self.values(of: "Message", in: data).first ?? "")
        }
        return (status, data)
    }

    func put(_ key: String, _ body: Data) async throws { _ = try await request(.PUT, key: key, body: body) }

    func get(_ key: String) async throws -> Data { try await request(.GET, key: key).body }

    /// Every object under `prefix`: its key and size, in key order.
    func list(prefix: String) async throws -> [(key: String, size: Int)] {
        var found: [(key: String, size: Int)] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let page = try await request(.GET, key: nil, query: query).body
            let keys = Self.values(of: "Key", in: page), sizes = Self.values(of: "Size", in: page).compactMap(Int.init)
            guard keys.count == sizes.count else { throw Failed(status: 200, code: "Unreadable", message: "a listing whose keys and sizes do not pair") }
            found += zip(keys, sizes).map { ($0, $1) }
            token = Self.values(of: "IsTruncated", in: page).first == "true" ? Self.values(of: "NextContinuationToken", in: page).first : nil
        } while token != nil
        return found.sorted { $0.key < $1.key }
    }

    /// Deletes these keys, a thousand a request (S3's DeleteObjects).
    func delete(_ keys: [String]) async throws {
        for start in stride(from: 0, to: keys.count, by: 1000) {
            let batch = keys[start..<min(keys.count, start + 1000)]
            let body = Data(("<Delete><Quiet>true</Quiet>" + batch.map { "<Object><Key>\(Escape.xml($0))</Key></Object>" }.joined() + "</Delete>").utf8)
            let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
            let reply = try await request(.POST, key: nil, query: [("delete", "")], headers: [("content-md5", md5), ("content-type", "application/xml")],
                                          body: body).body
            if let code = Self.values(of: "Code", in: reply).first {
                throw Failed(status: 200, code: code, message: Self.values(of: "Message", in: reply).first ?? "some objects were not deleted")
            }
        }
    }

    /// The text of every `<name>…</name>` element in an S3 reply, unescaped. S3's replies are
    /// flat enough that this is all soh needs of XML.
    static func values(of name: String, in data: Data) -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        var found: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(name)>"), let close = rest[open.upperBound...].range(of: "</\(name)>") {
            found.append(unescape(String(rest[open.upperBound..<close.lowerBound])))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else { out += "&"; rest = rest[rest.index(after: amp)...]; continue }
            let entity = rest[rest.index(after: amp)..<semi]
            let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"][String(entity)]
            let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
            if let named { out += named } else if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}

/// Evidence kept in a bucket of S3-compatible object storage, which any number of instances
/// share: an object per sealed piece, `PREFIX<upload>/<key>/<piece>` (the piece's number in
/// eight digits, so keys sort in order). A piece is stored once S3 answers its PUT, so a sync
/// has nothing left to do; a piece written again replaces the one before.
final class EvidenceBucket: EvidenceStorage {
    let s3: S3Client
    var location: String { s3.bucket.location }

    init(_ bucket: S3Bucket) throws { s3 = try S3Client(bucket) }

    func folder(_ upload: String, _ keyID: String?) throws -> String {
        let names = try Self.names(upload, keyID)
        return s3.bucket.prefix + names.upload + "/" + (names.key.map { $0 + "/" } ?? "")
    }

    static func piece(_ index: Int) -> String { String(format: "%08d", index) }

    func sink(_ file: SealedFile, from position: SealedFile.Position) async throws -> any SealedPieceSink {
        Sink(s3: s3, folder: try folder(file.upload, file.keyID))
    }

    final class Sink: SealedPieceSink {
        let s3: S3Client
        let folder: String
        init(s3: S3Client, folder: String) { (self.s3, self.folder) = (s3, folder) }
        func write(_ sealed: Data, index: Int) async throws { try await s3.put(folder + EvidenceBucket.piece(index), sealed) }
        func sync() async throws {}
    }

    func source(_ file: SealedFile, pieces: Int) async throws -> any SealedPieceSource {
        let folder = try folder(file.upload, file.keyID)
        // The sizes tell where each piece starts, so a range is read from the piece that holds it.
        var sizes: [Int] = []
        for object in try await s3.list(prefix: folder) where sizes.count < pieces {
            guard object.key == folder + Self.piece(sizes.count) else { break }
            sizes.append(object.size - SealedFile.sealing)
        }
        guard sizes.count == pieces else { throw SealedFile.Damaged(description: "upload \(file.upload) has \(sizes.count) of its \(pieces) pieces") }
        return Source(s3: s3, folder: folder, upload: file.upload, sizes: sizes)
    }

    final class Source: SealedPieceSource, @unchecked Sendable {
        let s3: S3Client
        let folder: String
        let upload: String
        let sizes: [Int]
        private var index = 0
        private var offset: Int64 = 0

        init(s3: S3Client, folder: String, upload: String, sizes: [Int]) { (self.s3, self.folder, self.upload, self.sizes) = (s3, folder, upload, sizes) }

        func next(from wanted: Int64) async throws -> (index: Int, start: Int64, sealed: Data)? {
            while index < sizes.count {
                let (current, start) = (index, offset)
                (offset, index) = (offset + Int64(sizes[current]), index + 1)
                if offset <= wanted { continue }
                let sealed: Data
                do { sealed = try await s3.get(folder + EvidenceBucket.piece(current)) } catch let failed as S3Client.Failed where failed.status == 404 {
                    throw SealedFile.Damaged(description: "piece \(current) of upload \(upload) is missing")
                }
                guard sealed.count == sizes[current] + SealedFile.sealing else {
                    throw SealedFile.Damaged(description: "piece \(current) of upload \(upload) is not the size it was listed at")
                }
                return (current, start, sealed)
            }
            return nil
        }
    }

    func remove(upload: String, keyID: String?) async throws {
        let keys = try await s3.list(prefix: try folder(upload, keyID)).map(\.key)
        if !keys.isEmpty { try await s3.delete(keys) }
    }

    func shutdown() async { await s3.shutdown() }
}
