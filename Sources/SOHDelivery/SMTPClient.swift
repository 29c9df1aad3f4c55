import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends one message to a force's SMTP relay (RFC 5321): EHLO, STARTTLS (required unless the
/// relay is on this machine; `smtps://` is TLS from the start), AUTH PLAIN or LOGIN when a
/// username is given (only over TLS or on this machine), MAIL, RCPT, DATA with dot-stuffing,
/// QUIT. A 4xx reply is a fault that may pass; a 5xx reply is a refusal.
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

    func send(_ message: MailMessage) async throws -> String {
        let tls = try tlsContext()
        let relay = self.relay
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
        return try await channel.executeThenClose { inbound, outbound in
            var session = Session(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            try await session.expect(220, "greeting")
            var features = try await session.command("EHLO \(hostname)", expect: 250, "EHLO")
            var secure = relay.implicitTLS
            if !secure {
                if features.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) {
                    _ = try await session.command("STARTTLS", expect: 220, "STARTTLS")
                    let raw = channel.channel
                    try await raw.eventLoop.submit {
                        try raw.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: relay.serverName),
                                                                   position: .first)
                    }.get()
                    secure = true
                    features = try await session.command("EHLO \(hostname)", expect: 250, "EHLO after STARTTLS")
                } else if !relay.isLocal {
                    throw Broken(description: "the relay does not offer STARTTLS, and soh sends mail over TLS only to a relay on another machine")
                }
            }
            if let username = relay.username, let password = relay.password {
                guard secure || relay.isLocal else { throw Broken(description: "soh does not send a password without TLS") }
                let auth = features.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").map(String.init) ?? []
                if auth.contains("PLAIN") {
                    let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                    _ = try await session.command("AUTH PLAIN \(token)", expect: 235, "AUTH PLAIN")
                } else if auth.contains("LOGIN") {
                    _ = try await session.command("AUTH LOGIN", expect: 334, "AUTH LOGIN")
                    _ = try await session.command(Data(username.utf8).base64EncodedString(), expect: 334, "AUTH LOGIN username")
                    _ = try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, "AUTH LOGIN password")
                } else {
                    throw Broken(description: "the relay offers neither AUTH PLAIN nor AUTH LOGIN")
                }
            }
            _ = try await session.command("MAIL FROM:<\(message.fromAddress)>", expect: 250, "MAIL FROM")
            _ = try await session.command("RCPT TO:<\(message.to)>", expect: 250, "RCPT TO", alsoAccept: [251])
            _ = try await session.command("DATA", expect: 354, "DATA")
            let stuffed = message.rendered.split(separator: "\r\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
            let queued = try await session.command(stuffed + ".", expect: 250, "the message")
            _ = try? await session.command("QUIT", expect: 221, "QUIT")
            return queued.joined(separator: " ")
        }
    }

    func tlsContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let ca = relay.ca { configuration.trustRoots = .file(ca) }
        if relay.isLocal, relay.ca == nil { configuration.certificateVerification = .none }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Lines in and commands out.
    struct Session {
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        var pending = ""

        /// The next reply: its code and the text of each of its lines.
        mutating func reply() async throws -> (code: Int, lines: [String]) {
            var lines: [String] = []
            while true {
                while let end = pending.range(of: "\r\n") {
                    let line = String(pending[..<end.lowerBound])
                    pending.removeSubrange(..<end.upperBound)
                    guard line.count >= 3, let code = Int(line.prefix(3)) else { throw Broken(description: "the relay sent '\(line.prefix(80))', not a reply") }
                    lines.append(String(line.dropFirst(4)))
                    if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, lines) }
                }
                guard let buffer = try await inbound.next() else { throw Broken(description: "the relay closed the connection") }
                pending += String(buffer: buffer)
                if pending.utf8.count > 64 * 1024 { throw Broken(description: "the relay's reply is too long") }
            }
        }

        mutating func expect(_ code: Int, _ step: String, alsoAccept: [Int] = []) async throws -> [String] {
            let (got, lines) = try await reply()
            guard got == code || alsoAccept.contains(got) else { throw Failed(code: got, text: lines.joined(separator: " "), step: step) }
            return lines
        }

        mutating func command(_ line: String, expect code: Int, _ step: String, alsoAccept: [Int] = []) async throws -> [String] {
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
            return try await expect(code, step, alsoAccept: alsoAccept)
        }
    }
}
