import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reading the repository's files, and never a file that a link takes outside the repository:
/// a page, force file, template, logo or asset that is a link to somewhere else on the machine
/// (a key, a password file in CI) would otherwise be published on 43 sites.
public enum RepositoryFile {
    /// The file's bytes, `file` being its path below `root`; nil with a diagnostic when it
    /// cannot be read or resolves outside `root`. Links inside the repository are followed.
    public static func read(_ file: String, in root: URL, sink: DiagnosticSink) -> Data? {
        guard let real = resolve(file, in: root, sink: sink) else { return nil }
        guard let data = FileManager.default.contents(atPath: real) else {
            sink.error(.start(of: file), "cannot read the file", hint: "Check that it is a readable file, not a folder.")
            return nil
        }
        return data
    }

    /// Where `file` (a path below `root`) really is; nil with a diagnostic when it does not
    /// exist or resolves outside `root`.
    public static func resolve(_ file: String, in root: URL, sink: DiagnosticSink) -> String? {
        let path = root.path + "/" + file
        guard let real = realPath(path) else {
            let reason = String(cString: strerror(errno))
            sink.error(.start(of: file), "cannot read the file: \(reason)",
                hint: isLink(path) ? "It is a link to a file that does not exist: copy the file in, or mend the link."
                                   : "Check that it exists and is readable.")
            return nil
        }
        guard isInside(real, root: realPath(root.path) ?? root.path) else {
            sink.error(.start(of: file), "'\(file)' points outside the repository (to \(real))",
                hint: "Copy the file into the repository, or link to a file inside it: nothing outside the repository is published.")
            return nil
        }
        return real
    }

    /// `path` with every link followed and `.` and `..` resolved; nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether the resolved path `real` is `root` (resolved) or below it.
    public static func isInside(_ real: String, root: String) -> Bool {
        real == root || real.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    static func isLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }
}
