import Foundation
import SOHServer

/// A real clamd for the tests (Debian's `clamav-daemon`), with a signature database of its own
/// so it starts without the network: the EICAR test file's signature and one of ours (a marker
/// string), on a Unix socket in a temporary folder. `stop()` and `start()` take it away and
/// bring it back on the same socket (the scanner's outage); it is killed when the process exits.
final class TestClamd: @unchecked Sendable {
    let folder: String
    var socket: String { folder + "/clamd.sock" }
    var address: String { "unix:" + socket }
    private var process: Process?
    private let lock = NSLock()

    /// The EICAR anti-virus test file (68 bytes): every scanner reports it, and it harms nothing.
    static let eicar = Data(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
    /// A marker of our own: any file containing it is "infected" with `Soh.Test.Marker`.
    static let marker = Data("SOH-TEST-MALWARE-MARKER".utf8)

    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static let binary = ["/usr/sbin/clamd", "/usr/bin/clamd"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let shared: Result<TestClamd, Unavailable> = {
        do {
            let clamd = try TestClamd()
            atexit { if case .success(let clamd) = TestClamd.shared { clamd.stop() } }
            return .success(clamd)
        } catch let error as Unavailable {
            return .failure(error)
        } catch {
            return .failure(Unavailable(description: "\(error)"))
        }
    }()

    init() throws {
        guard Self.binary != nil else { throw Unavailable(description: "clamd is not installed (make test installs Debian's clamav-daemon)") }
        folder = NSTemporaryDirectory() + "soh-clamd-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: folder + "/db", withIntermediateDirectories: true)
        let hex = { (data: Data) in data.map { String(format: "%02x", $0) }.joined() }
        try Data("Soh.Test.Eicar:0:*:\(hex(Self.eicar))\nSoh.Test.Marker:0:*:\(hex(Self.marker))\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/db/soh-test.ndb"))
        try Data("""
            LocalSocket \(socket)
            DatabaseDirectory \(folder)/db
            Foreground yes
            LogFile \(folder)/clamd.log
            StreamMaxLength 2000M
            MaxScanSize 2000M
            MaxFileSize 2000M
            AlertExceedsMax yes
            MaxRecursion 5
            MaxFiles 100

            """.utf8).write(to: URL(fileURLWithPath: folder + "/clamd.conf"))
        try start()
    }

    /// Starts clamd and waits until it answers PING.
    func start() throws {
        try lock.withLock {
            guard process == nil else { return }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.binary!)
            p.arguments = ["-c", folder + "/clamd.conf"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            process = p
        }
        let clamd = try Clamd(address: address)
        for _ in 0..<300 {
            if clamd.ping() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Unavailable(description: "clamd did not answer within 30 s: see \(folder)/clamd.log")
    }

    func stop() {
        lock.withLock {
            guard let p = process else { return }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            process = nil
            try? FileManager.default.removeItem(atPath: socket)
        }
    }
}
