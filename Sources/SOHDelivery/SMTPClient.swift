import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Sends messages to a force's SMTP relay (RFC 5321) over sessions kept open between messages,
/// as a mail server's own queue does, so that a burst of confirmations pays for TCP, TLS and
/// AUTH once per session rather than once per message.
///
/// A session: EHLO, STARTTLS (required unless the relay is on this machine; `smtps://` is TLS
/// from the start), AUTH PLAIN or LOGIN when a username is given (only over TLS or on this
/// machine); then for each message MAIL, RCPT, DATA with dot-stuffing. A 4xx reply is a fault
/// that may pass; a 5xx reply is a refusal. After a refused message the session goes on when the
/// relay answers RSET; any other fault closes it. A session idle for `SMTPSessions.idleSeconds`
/// is closed with QUIT, and one the relay closed while idle (or answers 421) is replaced by a new
/// one before anything of the message was sent.
struct SMTPClient {
    let relay: DeliveryConfig.SMTPRelay
    /// The name this machine gives in EHLO.
    var hostname = "soh.localdomain"

    /// A reply that was not what the step needed.
    struct Failed: Error, CustomStringConvertible {
        var code: Int
        var text: String
        var step: String
        var description: String { "\(step): the relay answered \(code) \(text)" }
        var permanent: Bool { code >= 500 }
    }

    struct Broken: Error, CustomStringConvertible {
        var description: String
    }

    /// A kept session that no longer works, found before the relay took any of the message.
    struct Stale: Error {}

    /// Sends `message`; returns the relay's reply to it.
    func send(_ message: MailMessage) async throws -> String {
        let key = relay.sessionKey
        // A kept session first; one found closed costs nothing, and the message goes on a new one.
        if let kept = await SMTPSessions.shared.take(key), let reply = try await send(message, on: kept, key: key) {
            return reply
        }
        let session = try await SMTPSession.open(relay: relay, tls: try SMTPSessions.shared.tlsContext(for: relay), hostname: hostname)
        guard let reply = try await send(message, on: session, key: key) else {
            throw Broken(description: "the relay closed the session before taking the message")
        }
        return reply
    }

    /// The relay's reply, or nil when the session had ended before the relay took any of the
    /// message. The session is kept for the next message if it is still open (after a refusal too).
    private func send(_ message: MailMessage, on session: SMTPSession, key: String) async throws -> String? {
        do {
            let reply = try await session.send(message)
            await SMTPSessions.shared.keep(session, for: key)
            return reply
        } catch is Stale {
            session.close()
            return nil
        } catch {
            await SMTPSessions.shared.keep(session, for: key)
            throw error
        }
    }
}

extension DeliveryConfig.SMTPRelay {
    /// Sessions are shared by messages to the same relay with the same login and trust.
    var sessionKey: String { "\(implicitTLS ? "smtps" : "smtp")://\(username ?? "")@\(host):\(port) \(ca ?? "")" }
}

/// The sessions kept open, by relay; at most `limit` idle each, none idle longer than `idleSeconds`.
actor SMTPSessions {
    static let shared = SMTPSessions()
    let limit = 8
    let idleSeconds = 20.0
    private var idle: [String: [SMTPSession]] = [:]
    /// TLS contexts by relay: reading the CA file and building a context once, not per session.
    private var contexts: [String: NIOSSLContext] = [:]

    func take(_ key: String) -> SMTPSession? {
        while let session = idle[key]?.popLast() {
            if session.isOpen { return session }
        }
        return nil
    }

    /// Keeps an open session for the next message (one that has ended, or one too many, is closed).
    func keep(_ session: SMTPSession, for key: String) {
        guard session.isOpen, (idle[key]?.count ?? 0) < limit else { return session.close() }
        let used = session.markIdle()
        idle[key, default: []].append(session)
        Task {
            try? await Task.sleep(for: .seconds(idleSeconds))
            self.closeIfIdle(session, since: used, key: key)
        }
    }

    private func closeIfIdle(_ session: SMTPSession, since used: Int, key: String) {
        guard let i = idle[key]?.firstIndex(where: { $0 === session }), session.uses == used else { return }
        idle[key]?.remove(at: i)
        session.close()
    }

    func tlsContext(for relay: DeliveryConfig.SMTPRelay) throws -> NIOSSLContext {
        if let context = contexts[relay.sessionKey] { return context }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let ca = relay.ca { configuration.trustRoots = .file(ca) }
        if relay.isLocal, relay.ca == nil { configuration.certificateVerification = .none }
        let context = try NIOSSLContext(configuration: configuration)
        contexts[relay.sessionKey] = context
        return context
    }
}

/// One open session with a relay: a task that owns the connection and sends the messages given
/// to it, one at a time.
final class SMTPSession: Sendable {
    typealias Job = (message: MailMessage, reply: CheckedContinuation<String, any Error>)
    private let jobs: AsyncStream<Job>.Continuation
    private let channel: any Channel
    private let state = Mutex<(open: Bool, uses: Int)>((true, 0))

    private init(jobs: AsyncStream<Job>.Continuation, channel: any Channel) {
        (self.jobs, self.channel) = (jobs, channel)
    }

    var isOpen: Bool { state.withLock { $0.open } }
    var uses: Int { state.withLock { $0.uses } }

    /// Records that a message was sent; returns the count, which an idle timer compares.
    func markIdle() -> Int { state.withLock { $0.uses += 1; return $0.uses } }

    /// Ends the session: QUIT after the message being sent, if any.
    func close() {
        state.withLock { $0.open = false }
        jobs.finish()
    }

    /// Sends one message. `Stale` when the session had ended, or the relay had gone, before it
    /// took anything of this message.
    func send(_ message: MailMessage) async throws -> String {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (reply: CheckedContinuation<String, any Error>) in
                if case .terminated = jobs.yield((message, reply)) { reply.resume(throwing: SMTPClient.Stale()) }
            }
        } onCancel: {
            // Out of time (the sender's limit): the connection goes, and with it the wait.
            state.withLock { $0.open = false }
            channel.close(promise: nil)
        }
    }

    /// Connects, greets, secures and logs in; the session then waits for messages.
    static func open(relay: DeliveryConfig.SMTPRelay, tls: NIOSSLContext, hostname: String) async throws -> SMTPSession {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: relay.host, port: relay.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if relay.implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: relay.serverName))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let (stream, jobs) = AsyncStream<Job>.makeStream()
        let session = SMTPSession(jobs: jobs, channel: channel.channel)
        let opened = OpenOutcome()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (ready: CheckedContinuation<SMTPSession, any Error>) in
                opened.set(ready)
                Task {
                    try? await channel.executeThenClose { inbound, outbound in
                        var conversation = Conversation(inbound: inbound.makeAsyncIterator(), outbound: outbound)
                        do {
                            try await conversation.start(relay: relay, channel: channel.channel, tls: tls, hostname: hostname)
                        } catch {
                            opened.resume(with: .failure(error))
                            return
                        }
                        opened.resume(with: .success(session))
                        var waiting = stream.makeAsyncIterator()
                        while let job = await waiting.next() {
                            do {
                                job.reply.resume(returning: try await conversation.transaction(job.message))
                            } catch let failed as SMTPClient.Failed where conversation.tookAnything || failed.code != 421 {
                                job.reply.resume(throwing: failed)
                                // A refused message leaves the session usable once the relay answers RSET.
                                if (try? await conversation.command("RSET", expect: 250, "RSET")) == nil { break }
                            } catch {
                                job.reply.resume(throwing: conversation.tookAnything ? error : SMTPClient.Stale())
                                break
                            }
                        }
                        session.close()
                        // Messages given to it as it ended: each is sent again on a new session.
                        while let job = await waiting.next() { job.reply.resume(throwing: SMTPClient.Stale()) }
                        _ = try? await conversation.command("QUIT", expect: 221, "QUIT")
                    }
                    session.close()
                    opened.resume(with: .failure(SMTPClient.Broken(description: "the relay closed the connection")))
                }
            }
        } onCancel: {
            channel.channel.close(promise: nil)
        }
    }

    /// The wait for a session to open, resumed once.
    private final class OpenOutcome: Sendable {
        private let waiting = Mutex<CheckedContinuation<SMTPSession, any Error>?>(nil)
        func set(_ continuation: CheckedContinuation<SMTPSession, any Error>) { waiting.withLock { $0 = continuation } }
        func resume(with result: Result<SMTPSession, any Error>) {
            waiting.withLock { continuation in
                continuation?.resume(with: result)
                continuation = nil
            }
        }
    }
}

/// Lines in and commands out, and the steps of a session.
struct Conversation {
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var pending = ""
    /// Whether the relay accepted MAIL FROM for the message being sent: a fault before that is
    /// the session's, and the message may go on another without being sent twice.
    var tookAnything = false

    mutating func start(relay: DeliveryConfig.SMTPRelay, channel: any Channel, tls: NIOSSLContext, hostname: String) async throws {
        _ = try await expect(220, "greeting")
        var features = try await command("EHLO \(hostname)", expect: 250, "EHLO")
        var secure = relay.implicitTLS
        if !secure {
            if features.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) {
                _ = try await command("STARTTLS", expect: 220, "STARTTLS")
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: relay.serverName),
                                                                   position: .first)
                }.get()
                secure = true
                features = try await command("EHLO \(hostname)", expect: 250, "EHLO after STARTTLS")
            } else if !relay.isLocal {
                throw SMTPClient.Broken(description: "the relay does not offer STARTTLS, and soh sends mail over TLS only to a relay on another machine")
            }
        }
        guard let username = relay.username, let password = relay.password else { return }
        guard secure || relay.isLocal else { throw SMTPClient.Broken(description: "soh does not send a password without TLS") }
        let auth = features.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").map(String.init) ?? []
        if auth.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            _ = try await command("AUTH PLAIN \(token)", expect: 235, "AUTH PLAIN")
        } else if auth.contains("LOGIN") {
            _ = try await command("AUTH LOGIN", expect: 334, "AUTH LOGIN")
            _ = try await command(Data(username.utf8).base64EncodedString(), expect: 334, "AUTH LOGIN username")
            _ = try await command(Data(password.utf8).base64EncodedString(), expect: 235, "AUTH LOGIN password")
        } else {
            throw SMTPClient.Broken(description: "the relay offers neither AUTH PLAIN nor AUTH LOGIN")
        }
    }

    /// One message: MAIL, RCPT, DATA; the relay's reply to the message.
    mutating func transaction(_ message: MailMessage) async throws -> String {
        tookAnything = false
        _ = try await command("MAIL FROM:<\(message.fromAddress)>", expect: 250, "MAIL FROM")
        tookAnything = true
        _ = try await command("RCPT TO:<\(message.to)>", expect: 250, "RCPT TO", alsoAccept: [251])
        _ = try await command("DATA", expect: 354, "DATA")
        let stuffed = message.rendered.split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        return try await command(stuffed + ".", expect: 250, "the message").joined(separator: " ")
    }

    /// The next reply: its code and the text of each of its lines.
    mutating func reply() async throws -> (code: Int, lines: [String]) {
        var lines: [String] = []
        while true {
            while let end = pending.range(of: "\r\n") {
                let line = String(pending[..<end.lowerBound])
                pending.removeSubrange(..<end.upperBound)
                guard line.count >= 3, let code = Int(line.prefix(3)) else { throw SMTPClient.Broken(description: "the relay sent '\(line.prefix(80))', not a reply") }
                lines.append(String(line.dropFirst(4)))
                if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, lines) }
            }
            guard let buffer = try await inbound.next() else { throw SMTPClient.Broken(description: "the relay closed the connection") }
            pending += String(buffer: buffer)
            if pending.utf8.count > 64 * 1024 { throw SMTPClient.Broken(description: "the relay's reply is too long") }
        }
    }

    mutating func expect(_ code: Int, _ step: String, alsoAccept: [Int] = []) async throws -> [String] {
        let (got, lines) = try await reply()
        guard got == code || alsoAccept.contains(got) else { throw SMTPClient.Failed(code: got, text: lines.joined(separator: " "), step: step) }
        return lines
    }

    mutating func command(_ line: String, expect code: Int, _ step: String, alsoAccept: [Int] = []) async throws -> [String] {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        return try await expect(code, step, alsoAccept: alsoAccept)
    }
}
