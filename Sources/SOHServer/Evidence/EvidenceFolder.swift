import Foundation
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Evidence kept in a folder on one machine (or one every instance mounts): a folder per upload
/// and in it a file per key, `<upload>/<key>.sealed`, each piece its sealed length (4 bytes,
/// big-endian) then nonce, ciphertext and tag. Files and folders are this user's alone; every
/// read and write runs off the event loops.
final class EvidenceFolder: EvidenceStorage {
    let path: String
    var location: String { path }

    /// Made, readable by this user alone, when missing.
    init(path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        self.path = path
    }

    func file(_ file: SealedFile) throws -> String {
        let names = try Self.names(file.upload, file.keyID)
        return "\(path)/\(names.upload)/\(names.key!).sealed"
    }

    func sink(_ file: SealedFile, from position: SealedFile.Position) async throws -> any SealedPieceSink {
        let (folder, name) = (path + "/" + (try Self.names(file.upload, nil).upload), try self.file(file))
        return try await NIOThreadPool.singleton.runIfActive {
            var created = false
            if !FileManager.default.fileExists(atPath: name) {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                guard FileManager.default.createFile(atPath: name, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: name])
                }
                created = true
            }
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: name))
            // Whatever was written after the last acknowledgement goes.
            try handle.truncate(atOffset: UInt64(position.length))
            try handle.seek(toOffset: UInt64(position.length))
            return Sink(handle: handle, folders: created ? [folder, self.path] : [])
        }
    }

    final class Sink: SealedPieceSink, @unchecked Sendable {
        let handle: FileHandle
        /// Folders whose new entries must be made durable with the first sync.
        private var folders: [String]

        init(handle: FileHandle, folders: [String]) { (self.handle, self.folders) = (handle, folders) }
        deinit { try? handle.close() }

        func write(_ sealed: Data, index: Int) async throws {
            var length = UInt32(sealed.count).bigEndian
            let bytes = Data(bytes: &length, count: 4) + sealed
            try await NIOThreadPool.singleton.runIfActive { try self.handle.write(contentsOf: bytes) }
        }

        func sync() async throws {
            let folders = self.folders
            self.folders = []
            try await NIOThreadPool.singleton.runIfActive {
                try self.handle.synchronize()
                for folder in folders {
                    let fd = open(folder, O_RDONLY | O_DIRECTORY)
                    if fd >= 0 { fsync(fd); close(fd) }
                }
            }
        }
    }

    func source(_ file: SealedFile, pieces: Int) async throws -> any SealedPieceSource {
        let name = try self.file(file)
        guard let handle = FileHandle(forReadingAtPath: name) else { throw SealedFile.Damaged(description: "the file of upload \(file.upload) is missing") }
        return Source(handle: handle, upload: file.upload, pieces: pieces)
    }

    /// Steps over pieces by their lengths, reading only those asked for.
    final class Source: SealedPieceSource, @unchecked Sendable {
        let handle: FileHandle
        let upload: String
        let pieces: Int
        private var index = 0
        private var offset: Int64 = 0

        init(handle: FileHandle, upload: String, pieces: Int) { (self.handle, self.upload, self.pieces) = (handle, upload, pieces) }
        deinit { try? handle.close() }

        func next(from wanted: Int64) async throws -> (index: Int, start: Int64, sealed: Data)? {
            try await NIOThreadPool.singleton.runIfActive { try self.read(from: wanted) }
        }

        private func read(from wanted: Int64) throws -> (index: Int, start: Int64, sealed: Data)? {
            while index < pieces {
                guard let head = try handle.read(upToCount: 4), head.count == 4 else {
                    throw SealedFile.Damaged(description: "upload \(upload) ends at piece \(index) of \(pieces)")
                }
                let length = Int(head.reduce(0) { $0 << 8 | UInt32($1) })
                guard length > SealedFile.sealing, length <= SealedFile.pieceSize + SealedFile.sealing else {
                    throw SealedFile.Damaged(description: "piece \(index) of upload \(upload) has an impossible length")
                }
                let (current, start) = (index, offset)
                (offset, index) = (offset + Int64(length - SealedFile.sealing), index + 1)
                if offset <= wanted {
                    try handle.seek(toOffset: try handle.offset() + UInt64(length))
                    continue
                }
                guard let sealed = try handle.read(upToCount: length), sealed.count == length else {
                    throw SealedFile.Damaged(description: "piece \(current) of upload \(upload) is cut short")
                }
                return (current, start, sealed)
            }
            return nil
        }
    }

    func remove(upload: String, keyID: String?) async throws {
        let names = try Self.names(upload, keyID)
        let target = keyID == nil ? "\(path)/\(names.upload)" : "\(path)/\(names.upload)/\(names.key!).sealed"
        try await NIOThreadPool.singleton.runIfActive {
            guard FileManager.default.fileExists(atPath: target) else { return }
            try FileManager.default.removeItem(atPath: target)
        }
    }
}
