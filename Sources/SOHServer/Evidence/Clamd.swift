import Foundation
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// ClamAV's scanning daemon, asked over its socket with `INSTREAM` (clamd(8)): the bytes are
/// sent in chunks, each after its length in 4 bytes (network order), a zero length ends them,
/// and clamd answers `stream: OK`, `stream: NAME FOUND` or `… ERROR`. Nothing is written to a
/// file clamd reads, so it needs no access to soh's folders.
public struct Clamd: Sendable {
    /// `unix:/path/to/clamd.sock`, or `tcp://host:port` (`host:port` alone too).
    public let address: String
    /// Seconds clamd may take to answer once the last byte is sent, and any one send or read.
    public var seconds: Int = 120

    public init(address: String) throws(Invalid) {
        guard Self.parse(address) != nil else {
            throw Invalid(description: "'\(address)' is not a clamd address: use unix:/path/to/clamd.sock or tcp://127.0.0.1:3310")
        }
        self.address = address
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// clamd could not be asked (not running, not listening, too slow): the file waits.
    public struct Unreachable: Error, CustomStringConvertible {
        public var description: String
    }

    public enum Verdict: Sendable, Equatable {
        case clean
        /// The signature clamd found (or the limit it reached, `Heuristics.Limits.Exceeded…`).
        case infected(String)
    }

    enum Endpoint { case unix(String), tcp(String, UInt16) }

    static func parse(_ address: String) -> Endpoint? {
        if address.hasPrefix("unix:") {
            let path = String(address.dropFirst(5))
            return path.isEmpty || path.utf8.count > 100 ? nil : .unix(path)
        }
        let hostPort = address.hasPrefix("tcp://") ? String(address.dropFirst(6)) : address
        guard let colon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: colon)...]), port > 0 else { return nil }
        let host = String(hostPort[..<colon])
        return host.isEmpty ? nil : .tcp(host, port)
    }

    /// A scan of what `produce` hands over, piece by piece; the socket's blocking calls run
    /// off the event loops.
    public func scan(_ produce: (_ send: @escaping @Sendable (Data) async throws -> Void) async throws -> Void) async throws -> Verdict {
        let socket = try await NIOThreadPool.singleton.runIfActive { try connect() }
        defer { close(socket) }
        try await NIOThreadPool.singleton.runIfActive { try write(socket, Data("zINSTREAM\0".utf8)) }
        try await produce { piece in
            // Each piece one chunk (at most a MiB: `SealedFile.pieceSize`), its length first.
            var length = UInt32(piece.count).bigEndian
            let chunk = Data(bytes: &length, count: 4) + piece
            try await NIOThreadPool.singleton.runIfActive { try write(socket, chunk) }
        }
        let reply = try await NIOThreadPool.singleton.runIfActive {
            try write(socket, Data(count: 4))
            return try readReply(socket)
        }
        if reply.hasSuffix(" FOUND"), reply.hasPrefix("stream: ") {
            return .infected(String(reply.dropFirst(8).dropLast(6)))
        }
        guard reply == "stream: OK" else {
            // "INSTREAM size limit exceeded. ERROR" and the like: not a verdict.
            throw Unreachable(description: "clamd did not give a verdict: \(reply)")
        }
        return .clean
    }

    /// Whether clamd answers `PING` now.
    public func ping() -> Bool {
        guard let socket = try? connect() else { return false }
        defer { close(socket) }
        return (try? write(socket, Data("zPING\0".utf8))) != nil && (try? readReply(socket)) == "PONG"
    }

    func connect() throws -> Int32 {
        guard let endpoint = Self.parse(address) else { throw Unreachable(description: "no clamd address") }
        let fd: Int32
        var connected: Int32
        switch endpoint {
        case .unix(let path):
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Unreachable(description: "no socket: errno \(errno)") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            setTimeouts(fd)
            connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var found: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else {
                throw Unreachable(description: "clamd's host '\(host)' cannot be found")
            }
            defer { freeaddrinfo(found) }
            fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { throw Unreachable(description: "no socket: errno \(errno)") }
            setTimeouts(fd)
            connected = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Unreachable(description: "clamd at \(address) cannot be reached: \(reason)")
        }
        return fd
    }

    func setTimeouts(_ fd: Int32) {
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    func write(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw Unreachable(description: "clamd stopped taking the file: \(String(cString: strerror(errno)))") }
                sent += n
            }
        }
    }

    /// clamd's answer, up to the NUL that ends it.
    func readReply(_ fd: Int32) throws -> String {
        var reply = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 512)
        while !reply.contains(0) && reply.count < 4096 {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { throw Unreachable(description: "clamd closed the connection without a verdict") }
            reply += buffer[0..<n]
        }
        return String(decoding: reply.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
