import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// Writes one force's files: only bytes that changed are written (a file that exists is replaced
/// through a temporary file and a rename, so a reader never sees half of it), files that no
/// longer belong are removed, and a manifest (path, size, SHA-256) and the build cache are written.
enum SiteWriter {
    struct Counts: Sendable {
        var written = 0
        var unchanged = 0
        var removed = 0

        static func + (a: Counts, b: Counts) -> Counts {
            Counts(written: a.written + b.written, unchanged: a.unchanged + b.unchanged, removed: a.removed + b.removed)
        }
    }

    static let manifestFolder = "_manifests"

    /// Writes `files` whose bytes differ from what is on disk; `previous` is what the last build
    /// wrote for the force (`BuildCache`): a file whose SHA-256 it recorded, untouched since,
    /// is not even read back. Files the previous build wrote that are not in `files` are
    /// removed; without a readable record the whole folder is searched instead.
    static func write(force: String, files: [OutputFile], out: URL, previous: BuildCache = BuildCache()) throws -> Counts {
        let dir = out.appendingPathComponent(force)
        let dirPath = dir.path
        // Into a folder that did not exist there is nothing stale to look for afterwards.
        let freshFolder = FileStamp.of(dirPath) == nil
        var counts = Counts()
        var keep = Set<String>()
        var folders = Set<String>()
        var entries: [(String, BuildCache.Entry)] = []
        entries.reserveCapacity(files.count)
        for file in files {
            keep.insert(file.path)
            let entry: BuildCache.Entry
            let path = dirPath + "/" + file.path
            let sha = file.sha256 ?? Fingerprint.sha256(file.data)
            if let old = previous.entries[file.path], old.sha256 == sha, old.size == file.data.count, old.isPage == file.isPage,
               let now = FileStamp.of(path), now.size == old.size, now.mtime == old.mtime {
                // Same bytes as last time and the file is untouched: no need to read it back.
                counts.unchanged += 1
                entry = old
            } else {
                let (written, now) = try writeIfChanged(file.data, at: path, knownFolders: &folders, new: freshFolder)
                if written { counts.written += 1 } else { counts.unchanged += 1 }
                entry = BuildCache.Entry(isPage: file.isPage, size: now.size, mtime: now.mtime, sha256: sha)
            }
            entries.append((file.path, entry))
        }
        if freshFolder {
            counts.removed = 0
        } else if previous.isValid {
            counts.removed = try removeListed(previous.entries.keys.filter { !keep.contains($0) }.sorted(), in: dir)
        } else {
            counts.removed = try removeStale(in: dir, keeping: keep)
        }
        let manifestURL = out.appendingPathComponent(manifestFolder).appendingPathComponent("\(force).json")
        // When every entry is what the last build recorded, the manifest and the cache made from
        // them are already on disk.
        let same = previous.isValid && counts.removed == 0 && entries.count == previous.entries.count
            && entries.allSatisfy { previous.entries[$0.0] == $0.1 }
        if !same || FileStamp.of(manifestURL.path) == nil {
            _ = try writeIfChanged(manifest(force: force, entries: entries), to: manifestURL)
        }
        if !same { try BuildCache.save(entries, out: out, force: force) }
        return counts
    }

    /// Every file's path, size and SHA-256, so publishing can upload only what changed.
    static func manifest(force: String, entries: [(String, BuildCache.Entry)]) -> Data {
        var text = ManifestText(force: force, capacity: entries.count)
        for (path, entry) in entries { text.add(path: Array(path.utf8)[...], size: entry.size, sha256: Array(entry.sha256.utf8)[...]) }
        return text.finish()
    }

    /// Removes the files at `paths` below `dir`, and each folder left empty above them.
    static func removeListed(_ paths: [String], in dir: URL) throws -> Int {
        var removed = 0
        for path in paths {
            var url = dir.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            try FileManager.default.removeItem(at: url)
            removed += 1
            url = url.deletingLastPathComponent()
            while url.path.count > dir.path.count, rmdir(url.path) == 0 { url = url.deletingLastPathComponent() }
        }
        return removed
    }

    /// Returns true when the file was written, false when its bytes were already there.
    static func writeIfChanged(_ data: Data, to url: URL) throws -> Bool {
        var folders = Set<String>()
        return try writeIfChanged(data, at: url.path, knownFolders: &folders).written
    }

    /// Writes `data` at `path` unless those bytes are already there, and gives the file's size
    /// and modification time afterwards. A file that exists is replaced through a temporary
    /// file and a rename, so a reader sees the old or the new bytes, never half. A new file is
    /// written in place: if the build stops half-way, the next build finds its bytes wrong and
    /// writes it again. `knownFolders` remembers folders already made; `new` says the file
    /// cannot exist yet (its force's folder did not), which saves looking.
    static func writeIfChanged(
        _ data: Data, at path: String, knownFolders: inout Set<String>, new: Bool = false
    ) throws -> (written: Bool, status: FileStamp) {
        var info = stat()
        let exists = !new && stat(path, &info) == 0
        if exists, Int(info.st_size) == data.count, let existing = FileManager.default.contents(atPath: path), existing == data {
            return (false, FileStamp(info))
        }
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let folder = String(path[..<slash])
        if !exists {
            // A dangling link left in the output is replaced, never written through.
            var link = stat()
            if !new, lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK { unlink(path) }
            if !knownFolders.contains(folder) {
                try makeFolder(folder)
                knownFolders.insert(folder)
            }
            return (true, try writeFile(data, to: path))
        }
        let temporary = folder + "/." + path[path.index(after: slash)...] + ".soh-tmp"
        let status = try writeFile(data, to: temporary)
        if rename(temporary, path) != 0 {
            let error = WriteError(path: path, action: "replace", code: errno)
            unlink(temporary)
            throw error
        }
        return (true, status)
    }

    /// `mkdir -p` with one system call when the parent exists (the usual case, as files are
    /// written in path order); Foundation's `createDirectory` checks every component each time.
    static func makeFolder(_ path: String) throws {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        if errno == ENOENT {
            try makeFolder((path as NSString).deletingLastPathComponent)
            if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        }
        throw WriteError(path: path, action: "create the folder", code: errno)
    }

    /// Plain POSIX write: Foundation's `Data.write` syncs every file to disk, which makes writing
    /// tens of thousands of generated files several times slower than copying them. Output can
    /// always be rebuilt, so it is not synced.
    /// A link at `path` is never followed (writing through it could change a file anywhere).
    static func writeFile(_ data: Data, to path: String) throws -> FileStamp {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw WriteError(path: path, action: "write", code: errno) }
        defer { close(fd) }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(path: path, action: "write", code: errno)
                }
                offset += n
            }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return FileStamp(size: data.count, mtime: 0) }
        return FileStamp(info)
    }

    /// Removes files below `dir` that are not in `keep`, then empty folders.
    static func removeStale(in dir: URL, keeping keep: Set<String>) throws -> Int {
        var removed = 0
        for file in SiteLoader.walk(dir, within: dir) where !keep.contains(file) {
            try FileManager.default.removeItem(at: dir.appendingPathComponent(file))
            removed += 1
        }
        removeEmptyFolders(dir)
        return removed
    }

    @discardableResult
    static func removeEmptyFolders(_ dir: URL) -> Bool {
        let fm = FileManager.default
        // Tidying only: a folder that cannot be listed is kept, as if it held something. Every
        // file the build writes or removes has been checked already (`WriteError`).
        guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { return false }
        var empty = true
        for name in names {
            let child = dir.appendingPathComponent(name)
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: child.path, isDirectory: &isDir), isDir.boolValue, removeEmptyFolders(child) {
                // An empty folder that cannot be removed publishes nothing: left, not an error.
                try? fm.removeItem(at: child)
            } else {
                empty = false
            }
        }
        return empty
    }

    /// Forces that were built before but whose force file is gone: their folder and manifest go.
    static func removeRetiredForces(out: URL, current: Set<String>) throws -> Int {
        var removed = 0
        let manifests = out.appendingPathComponent(manifestFolder)
        for name in SiteLoader.listDirectory(manifests) where name.hasSuffix(".json") {
            let id = String(name.dropLast(5))
            guard !current.contains(id) else { continue }
            let dir = out.appendingPathComponent(id)
            removed += SiteLoader.walk(dir, within: dir).count
            // The folder first: were the manifest gone with the folder still there, nothing would
            // remove the retired site any more.
            for url in [dir, manifests.appendingPathComponent(name), BuildCache.url(out: out, force: id)]
            where FileManager.default.fileExists(atPath: url.path) {
                do { try FileManager.default.removeItem(at: url) } catch {
                    throw WriteError(path: url.path, action: "remove the retired force's", code: WriteError.code(of: error))
                }
            }
        }
        return removed
    }
}

/// Why a file of the output could not be written: the path, what was being done and the
/// system's own reason (no space, no permission, a read-only disk, …), never a guess.
struct WriteError: Error, CustomStringConvertible {
    var path: String
    var action: String
    var code: Int32

    var description: String { "cannot \(action) \(path): \(String(cString: strerror(code))) (errno \(code))" }

    /// The system's error number behind a Foundation file error (EIO when it gives none).
    static func code(of error: any Error) -> Int32 {
        ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { Int32($0.code) } ?? EIO
    }
}
