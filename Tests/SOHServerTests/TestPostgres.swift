import Foundation
import SOHServer

/// A real PostgreSQL server for the tests: `initdb` and `pg_ctl` from Debian's `postgresql` in a
/// temporary folder, listening on 127.0.0.1 on a free port. Both refuse to run as root, so as
/// root (CI) they run as the `postgres` user on a folder it owns. One server per test process,
/// a fresh database for each test; stopped and removed when the process exits.
final class TestPostgres: @unchecked Sendable {
    let folder: String
    let port: Int
    private var databases = 0
    private let lock = NSLock()

    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    /// The server, started on first use; an error says what is missing (make test installs it).
    static let shared: Result<TestPostgres, Unavailable> = {
        do {
            let server = try TestPostgres()
            atexit { if case .success(let server) = TestPostgres.shared { server.stop() } }
            return .success(server)
        } catch let error as Unavailable {
            return .failure(error)
        } catch {
            return .failure(Unavailable(description: "\(error)"))
        }
    }()

    static var binaries: String? {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.compactMap(Int.init).max().map { "/usr/lib/postgresql/\($0)/bin" }
    }

    static var isRoot: Bool { getuid() == 0 }

    init() throws {
        guard let bin = Self.binaries else {
            throw Unavailable(description: "PostgreSQL is not installed (make test installs Debian's postgresql)")
        }
        folder = NSTemporaryDirectory() + "soh-postgres-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if Self.isRoot { try Self.run("/bin/chown", ["postgres:postgres", folder], asPostgres: false) }
        guard let port = ServerPlaces.freePort() else { throw Unavailable(description: "no free port on 127.0.0.1") }
        self.port = port
        try Self.run(bin + "/initdb", ["-D", folder + "/data", "-U", "soh", "--auth=trust", "-E", "UTF8", "--no-sync"])
        try Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-o",
                                       "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"])
    }

    /// A new, empty database on the server.
    func newDatabase() throws -> String {
        let name = lock.withLock { databases += 1; return "t\(databases)" }
        guard let bin = Self.binaries else { throw Unavailable(description: "PostgreSQL is not installed") }
        try Self.run(bin + "/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "soh", name], asPostgres: false)
        return url(database: name)
    }

    func url(database: String) -> String { "postgres://soh@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    func stop() {
        guard let bin = Self.binaries else { return }
        try? Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a program to its end (as the postgres user when root). posix_spawn and waitpid, not
    /// Foundation's Process: its waitUntilExit never returned here once pg_ctl had started a
    /// server that outlives it.
    static func run(_ program: String, _ arguments: [String], asPostgres: Bool = isRoot) throws {
        let argv = asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        let errors = NSTemporaryDirectory() + "soh-postgres-\(UUID().uuidString).err"
        defer { unlink(errors) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw Unavailable(description: "cannot run \(argv[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Exited normally with 0: the low seven bits (signal) and the exit code are all zero.
        guard status == 0 else {
            throw Unavailable(description: "\(program) failed: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")
        }
    }
}
