import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import NIOSSL
import SOHForms
#if canImport(Glibc)
import Glibc
#endif

/// Sends one delivery's document to one destination and says what came of it. Outbound calls
/// follow no redirects, give up connecting after 10 s, give up on the whole exchange (reply
/// included, however slowly it trickles in) after the configured timeout, and read at most
/// `replyLimit` bytes of a reply; https only unless the configuration allows plain http for
/// local testing.
public final class DeliverySender: Sendable {
    let clients: [String: HTTPClient]
    /// Whether destinations may be on this machine or a private network (local testing only).
    let allowPrivate: Bool
    public static let replyLimit = 64 * 1024
    public static let excerptLimit = 500
    /// Seconds for one whole attempt.
    let timeout: Double
    /// Where the bytes of a report's files are read, for a directory destination.
    let evidence: (any EvidenceSource)?

    /// One HTTP client per TLS identity (mutual TLS needs the force's client certificate).
    public init(config: DeliveryConfig, evidence: (any EvidenceSource)? = nil) throws {
        timeout = config.timeout
        self.evidence = evidence
        allowPrivate = config.allowInsecure
        var clients: [String: HTTPClient] = [:]
        let connect = TimeAmount.milliseconds(Int64(min(10, config.timeout) * 1000))
        func make(_ tls: TLSConfiguration) -> HTTPClient {
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                         timeout: .init(connect: connect, read: .milliseconds(Int64(config.timeout * 1000))))
            configuration.decompression = .disabled
            // A refused or unresolvable connection is the attempt's outcome at once (retried on
            // the delivery's schedule), not retried inside the client until the timeout: during
            // an outage each attempt ends quickly, and the drain starts as soon as the peer is back.
            configuration.connectionPool.retryConnectionEstablishment = false
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }
        clients[""] = make(.makeClientConfiguration())
        for destination in config.destinations.values.flatMap({ $0 }) {
            guard case .standardAPI(_, _, _, let tls?) = destination.kind else { continue }
            let key = Self.identity(tls)
            guard clients[key] == nil else { continue }
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem))
            if let ca = tls.ca { configuration.trustRoots = .file(ca) }
            clients[key] = make(configuration)
        }
        self.clients = clients
    }

    static func identity(_ tls: DeliveryConfig.ClientTLS) -> String { "\(tls.certificate)|\(tls.key)|\(tls.ca ?? "")" }

    public func shutdown() async {
        for client in clients.values { try? await client.shutdown() }
    }

    public func send(_ body: Data, delivery: PendingDelivery, to destination: DeliveryConfig.Destination) async -> Attempt {
        let started = ContinuousClock.now
        var attempt: Attempt
        switch destination.kind {
        case .standardAPI(let url, let apiKey, let header, let tls):
            var headers: HTTPHeaders = [:]
            if let apiKey { headers.add(name: header, value: apiKey) }
            attempt = await post(body, to: url + "/incidents", headers: headers, delivery: delivery,
                                 client: clients[tls.map(Self.identity) ?? ""] ?? clients[""]!, success: { $0 == 201 })
        case .webhook(let url, let secrets):
            let timestamp = Int(Date().timeIntervalSince1970)
            let headers: HTTPHeaders = [
                "webhook-id": delivery.id, "webhook-timestamp": String(timestamp),
                "webhook-signature": WebhookSignature.sign(id: delivery.id, timestamp: timestamp, body: body, secrets: secrets),
            ]
            attempt = await post(body, to: url, headers: headers, delivery: delivery, client: clients[""]!, success: { (200..<300).contains($0) })
        case .email, .notify:
            attempt = Attempt(.refused, detail: "'\(destination.name)' sends confirmations to people, not reports")
        case .directory(let path):
            // The files first: a pick-up that sees the document finds its files whole.
            if let failed = await writeFiles(of: delivery, into: path) { attempt = failed } else {
                attempt = await Self.write(into: path, name: delivery.id + ".json") { try await $0(body) }
            }
        }
        attempt.milliseconds = Self.milliseconds(since: started)
        return attempt
    }

    static func milliseconds(since started: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - started
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    /// A confirmation to the person who reported (docs/messages.md), by the way they chose.
    public func sendMessage(_ confirmation: Confirmation, to recipient: FormDefinition.Recipient, delivery: PendingDelivery,
                            destination: DeliveryConfig.Destination) async -> Attempt {
        let started = ContinuousClock.now
        var attempt: Attempt
        switch (destination.kind, recipient) {
        case (.email(let relay), .email(let address)):
            guard MailAddress.isValid(address) else {
                attempt = Attempt(.refused, detail: "the address the person gave cannot be written in an email")
                break
            }
            let message = confirmation.email(delivery.report, to: address, deliveryID: delivery.id, relay: relay, now: Date())
            do {
                let reply = try await TimeLimit.within(timeout) { try await SMTPClient(relay: relay).send(message) }
                attempt = Attempt(.delivered, detail: "accepted by \(relay.host): \(String(reply.prefix(Self.excerptLimit)))")
            } catch let failed as SMTPClient.Failed {
                // 5xx: the relay refuses it for good (an address that bounces); 4xx: try again later.
                attempt = Attempt(failed.permanent ? .refused : .retry, status: failed.code, detail: String(failed.description.prefix(Self.excerptLimit)))
            } catch let exceeded as TimeLimit.Exceeded {
                attempt = Attempt(.retry, detail: "no reply: the relay took longer than \(exceeded.seconds.formatted()) s")
            } catch {
                attempt = Attempt(.retry, detail: "could not send through \(relay.host):\(relay.port): \(error)")
            }
        case (.notify(let service), _) where destination.kind.channels.contains(recipient.channel):
            attempt = await NotifyClient(service: service, client: clients[""]!, timeout: timeout).send(confirmation, to: recipient, report: delivery.report)
        default:
            attempt = Attempt(.refused, detail: "'\(destination.name)' does not send \(recipient.channel) messages")
        }
        attempt.milliseconds = Self.milliseconds(since: started)
        return attempt
    }

    func post(_ body: Data, to url: String, headers extra: HTTPHeaders, delivery: PendingDelivery, client: HTTPClient,
              success: (Int) -> Bool) async -> Attempt {
        if !allowPrivate, let host = URL(string: url)?.host, let address = AddressPolicy.privateAddress(of: host) {
            // A mistake in the file or in DNS: a person must look, so no retries.
            return Attempt(.refused, detail: "\(host) resolves to \(address), on this machine or a private network; reports go to the internet only (allowInsecure is for local testing)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/vnd.api+json")
        request.headers.add(name: "Accept", value: "application/vnd.api+json, application/json")
        request.headers.add(name: "Idempotency-Key", value: delivery.id)
        request.headers.add(name: "User-Agent", value: "soh-delivery/1")
        request.headers.add(contentsOf: extra)
        request.body = .bytes(ByteBuffer(data: body))
        let reply: Reply
        let prepared = request
        do {
            reply = try await TimeLimit.within(timeout) {
                let response = try await client.execute(prepared, timeout: .seconds(Int64(self.timeout.rounded(.up))))
                let text = (try? await response.body.collect(upTo: Self.replyLimit)).map { String(buffer: $0) }
                return Reply(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After").flatMap(Double.init),
                             text: text ?? "(reply larger than \(Self.replyLimit) bytes)")
            }
        } catch let exceeded as TimeLimit.Exceeded {
            return Attempt(.retry, detail: "no reply: no complete reply within \(exceeded.seconds.formatted()) s")
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            // The client's own deadline is the same time limit, and may fire first: one message.
            return Attempt(.retry, detail: "no reply: no complete reply within \(timeout.formatted()) s")
        } catch {
            return Attempt(.retry, detail: "no reply: \(error)")
        }
        let status = reply.status
        let excerpt = String(reply.text.prefix(Self.excerptLimit))
        if success(status) {
            return Attempt(.delivered, status: status, detail: "stored: \(excerpt)", forceReference: Self.forceReference(reply.text))
        }
        if (200..<300).contains(status) {
            // Not the status that means stored: the receiver is not following the contract.
            return Attempt(.refused, status: status, detail: "answered \(status), not the 201 that means stored: \(excerpt)")
        }
        let retryable = status >= 500 || status == 429 || status == 408
        return Attempt(retryable ? .retry : .refused, status: status, detail: excerpt.isEmpty ? "status \(status)" : excerpt,
                       retryAfter: retryable ? reply.retryAfter : nil)
    }

    struct Reply: Sendable {
        var status: Int
        var retryAfter: Double?
        var text: String
    }

    /// The force's own reference in a Standard API reply: `data.attributes.crimeReferenceNumber`,
    /// `…forceReference` or `…reference`, or `data.id` of a JSON:API document, or a top-level
    /// `reference` (docs/delivery.md).
    static func forceReference(_ reply: String) -> String? {
        // A reply that is not JSON has no reference to keep: nothing is lost by not reading one.
        guard let object = (try? JSONSerialization.jsonObject(with: Data(reply.utf8))) as? [String: Any] else { return nil }
        let data = object["data"] as? [String: Any]
        let attributes = data?["attributes"] as? [String: Any]
        let found = attributes?["crimeReferenceNumber"] ?? attributes?["forceReference"] ?? attributes?["reference"] ?? data?["id"] ?? object["reference"]
        return (found as? String).map { String($0.prefix(100)) }
    }

    /// A report's files (not those withheld), each written like the document into
    /// `<delivery id>.files/` as `<upload id>.<ext>`; nil once all are written.
    func writeFiles(of delivery: PendingDelivery, into folder: String) async -> Attempt? {
        let files = delivery.report.notice ? [] : delivery.report.evidence.filter { $0.withheld == nil }
        guard !files.isEmpty else { return nil }
        guard let evidence else {
            return Attempt(.retry, detail: "the report has evidence files and this worker cannot read them: give it --evidence, as 'soh api' has")
        }
        let place = folder + "/" + delivery.id + ".files"
        for file in files {
            let written = await Self.write(into: place, name: file.storedName) { write in try await evidence.copy(file, to: write) }
            if written.outcome != .delivered { return written }
        }
        return nil
    }

    /// Written under a temporary name, synced and renamed: a reader never sees half a file.
    /// `produce` hands the bytes over in pieces; the writing runs off the event loops.
    static func write(into folder: String, name: String, _ produce: ((Data) async throws -> Void) async throws -> Void) async -> Attempt {
        let final = folder + "/" + name, temporary = folder + "/." + name + ".part"
        let pool = NIOThreadPool.singleton
        do {
            let fd = try await pool.runIfActive {
                // Reports are personal data: the folder is the service's alone.
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
                guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                return fd
            }
            do {
                try await produce { piece in
                    try await pool.runIfActive {
                        try piece.withUnsafeBytes { raw in
                            var done = 0
                            while done < raw.count {
                                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                                if n < 0 { if errno == EINTR { continue }; throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                                done += n
                            }
                        }
                    }
                }
                try await pool.runIfActive {
                    guard fsync(fd) == 0, rename(temporary, final) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                }
                close(fd)
            } catch {
                close(fd)
                throw error
            }
            return Attempt(.delivered, detail: "written to \(final)")
        } catch {
            unlink(temporary)
            return Attempt(.retry, detail: "could not write \(final): \(error)")
        }
    }
}
