import ArgumentParser
import Foundation
import Logging
import SOHModel
import SOHServer

/// Which database holds the submissions, for every command that reads or writes them: a SQLite
/// file (the default, in the user's state folder) or a PostgreSQL server named by a URL.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The SQLite database file (default: $XDG_STATE_HOME/soh/submissions.sqlite, else ~/.local/state/soh/submissions.sqlite).")
    var db: String?

    @Option(help: "A PostgreSQL database instead of SQLite, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require] (or set SOH_DATABASE_URL): for several API instances on one database.")
    var database: String?

    func validate() throws {
        if db != nil && database != nil { throw ValidationError("--db names a SQLite file and --database a PostgreSQL server: give one") }
    }

    /// The PostgreSQL URL, from the option or the environment; nil for SQLite.
    var url: String? {
        database ?? (db == nil ? ProcessInfo.processInfo.environment["SOH_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } : nil)
    }

    /// The database as messages name it (a URL without its password).
    var name: String { url.map { SubmissionStore.redacted($0) } ?? db ?? ServerPlaces.defaultDatabase() }

    /// Opens the store, migrating it. A SQLite file is created only when `create` (the API);
    /// the other commands stop when it is missing. `keys` seal and open answers: a command that
    /// stores or reads them loads them first (`AnswersKeysOptions`), one that does not has none.
    /// Errors are printed and the command stops.
    func open(create: Bool, keys: AnswerKeys? = nil, logger: Logger = Logger(label: "soh")) async throws -> SubmissionStore {
        var err = StandardError()
        do {
            if let url { return try await SubmissionStore.postgres(url: url, keys: keys, logger: logger) }
            let path = db ?? ServerPlaces.defaultDatabase()
            if create {
                try ServerPlaces.prepareFolder(for: path)
            } else if !FileManager.default.fileExists(atPath: path) {
                print(Diagnostic.general(.error, "no submissions database at \(path)",
                                         hint: "Pass --db with the API's database file, or --database with its PostgreSQL URL.").description, to: &err)
                throw ExitCode(1)
            }
            return try await SubmissionStore.sqlite(path: path, keys: keys)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print(Diagnostic.general(.error, "cannot open the submissions database: \(error)", file: name).description, to: &err)
            throw ExitCode(1)
        }
    }
}

/// The keys that seal the answers, for the commands that store or read them (the others do not
/// offer the option: they never see an answer).
struct AnswersKeysOptions: ParsableArguments {
    @Option(help: "The keys that seal the answers (docs/privacy.md; make one with 'soh api keygen'), or set SOH_ANSWERS_KEYS to the file's text.")
    var answersKeys: String?

    /// The answers keys; their absence or a keys file with a mistake stops the command, with
    /// its line, before anything is opened or created. The message says what the keys are
    /// for here (`to seal the answers with`) and what was not done (`nothing was exported`).
    func load(_ purpose: String, _ notDone: String) throws -> AnswerKeys {
        var err = StandardError()
        let keys: AnswerKeys?
        do throws(AnswerKeys.Invalid) {
            keys = try AnswerKeys.load(file: answersKeys)
        } catch {
            let place = answersKeys ?? "SOH_ANSWERS_KEYS"
            print("\(place)\(error.line > 0 ? ":\(error.line)" : ""): error: \(error.message): \(notDone)", to: &err)
            throw ExitCode(1)
        }
        guard let keys else {
            print(Diagnostic.general(.error, "no keys \(purpose): \(notDone)",
                hint: "Make a keys file with 'soh api keygen --out FILE' (keep it secret, outside the database's backups) and pass --answers-keys FILE, or set SOH_ANSWERS_KEYS to its text.").description, to: &err)
            throw ExitCode(1)
        }
        return keys
    }
}

/// Where evidence files are kept (docs/evidence.md): a folder, or a bucket of S3-compatible
/// object storage. `soh api`, `soh deliver` and `soh api rotate-key` take it.
struct EvidencePlaceOptions: ParsableArguments {
    @Option(help: "Where evidence files are kept, sealed (or set SOH_EVIDENCE): a folder (default: 'evidence' beside the SQLite file), or s3://BUCKET/PREFIX for S3-compatible storage, with the AWS_* variables of the environment. With PostgreSQL, a place every instance shares.")
    var evidence: String?

    /// Where the files are kept: the place given, or the folder beside the SQLite file; nil with
    /// PostgreSQL and none given. Errors are printed and the command stops.
    func storage(database: DatabaseOptions) throws -> Evidence? {
        let environment = ProcessInfo.processInfo.environment
        let given = evidence ?? environment["SOH_EVIDENCE"].flatMap { $0.isEmpty ? nil : $0 }
        var err = StandardError()
        if let given, S3Bucket.isBucketURL(given) {
            do { return try Evidence.bucket(try S3Bucket(url: given, environment: environment)) } catch {
                print(Diagnostic.general(.error, "--evidence: \(error)").description, to: &err)
                throw ExitCode(1)
            }
        }
        guard let path = given ?? (database.url == nil ? URL(fileURLWithPath: database.db ?? ServerPlaces.defaultDatabase()).deletingLastPathComponent().appendingPathComponent("evidence").path : nil) else {
            return nil
        }
        do { return try Evidence.folder(path) } catch {
            print(Diagnostic.general(.error, "cannot make the evidence folder: \(error)", file: path).description, to: &err)
            throw ExitCode(1)
        }
    }
}

/// Evidence files (docs/evidence.md): taken only when a clamd scans them, and kept where
/// `--evidence` says.
struct EvidenceOptions: ParsableArguments {
    @Option(help: "clamd's socket, unix:/run/clamav/clamd.ctl or tcp://HOST:PORT (or set SOH_CLAMD): forms then take files, each scanned before it is delivered. Without it, no files are taken.")
    var clamd: String?

    @OptionGroup var place: EvidencePlaceOptions

    /// The storage and the scanner, or nil when no clamd is given. Errors are printed and the
    /// command stops.
    func open(database: DatabaseOptions) throws -> (evidence: Evidence, clamd: Clamd)? {
        guard let address = clamd ?? ProcessInfo.processInfo.environment["SOH_CLAMD"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        var err = StandardError()
        let scanner: Clamd
        do throws(Clamd.Invalid) { scanner = try Clamd(address: address) } catch {
            print(Diagnostic.general(.error, "--clamd: \(error)").description, to: &err)
            throw ExitCode(1)
        }
        guard let evidence = try place.storage(database: database) else {
            print(Diagnostic.general(.error, "with PostgreSQL, --evidence names where every instance keeps files",
                                     hint: "Pass --evidence DIR (a folder all instances share) or --evidence s3://BUCKET/PREFIX, or leave out --clamd to take no files.").description, to: &err)
            throw ExitCode(1)
        }
        return (evidence, scanner)
    }
}
