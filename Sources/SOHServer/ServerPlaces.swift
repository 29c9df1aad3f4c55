import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the servers keep their state, and whether they can listen where they are asked to.
public enum ServerPlaces {
    /// The API's database when `--db` is not given: in the user's state folder
    /// (`$XDG_STATE_HOME/soh/`, else `~/.local/state/soh/`), never in the folder the command
    /// was run from, which is often a git work tree (reports are personal data).
    public static func defaultDatabase(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return state + "/soh/submissions.sqlite"
    }

    /// Makes the folder that will hold a database, readable by its owner only.
    public static func prepareFolder(for database: String) throws {
        let folder = (database as NSString).deletingLastPathComponent
        guard !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Writes a secret (a keys file) readable by its owner only: a new file in the same folder,
    /// created with mode 0600, renamed over the old one, so the secret is never readable by
    /// others, not even for a moment, and a reader sees the old file or the new one.
    public static func writePrivately(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var done = 0
        let written = data.withUnsafeBytes { buffer -> Bool in
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard written, rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    /// A port free on 127.0.0.1 now, for `--port 0` where the port must be known before the
    /// server starts (the preview writes its API's address into the pages it builds).
    /// The file's permissions, as `chmod` writes them (`0644`), when its group or others may
    /// read or write it; nil when only its owner may (or it cannot be looked at: reading it
    /// then says why).
    public static func openToOthers(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o077 != 0 else { return nil }
        return "0" + String(info.st_mode & 0o777, radix: 8)
    }

    public static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    /// Nil when a server could listen on `host`:`port` now; else why not, in words that name the
    /// port and the option to change it. Checked before any work, so that a second preview or
    /// API on a busy port stops before it builds or opens anything.
    public static func cannotListen(host: String, port: Int, option: String) -> String? {
        guard port != 0 else { return nil }
        var hints = addrinfo(ai_flags: AI_PASSIVE, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue),
                             ai_protocol: 0, ai_addrlen: 0, ai_addr: nil, ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else {
            return "cannot listen on \(host): it is not an address of this machine"
        }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return nil }
        return errno == EADDRINUSE
            ? "port \(port) on \(host) is already in use (another soh serve or soh api?); choose another with \(option)"
            : "cannot listen on \(host):\(port): \(String(cString: strerror(errno))); choose another with \(option)"
    }
}
