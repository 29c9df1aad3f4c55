import Crypto
import Foundation
import NIOCore
import SOHForms

/// Where evidence files are kept on one machine: a folder of sealed files, one per upload,
/// named by the upload's id (`SealedFile`). What arrives is written as it arrives and
/// acknowledged only once on disk; a request that breaks off keeps what reached the disk.
public final class EvidenceFolder: Sendable {
    public let path: String
    let writers = Writers()

    /// Made, readable by this user alone, when missing.
    public init(path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        self.path = path
    }

    /// The file of an upload; the id is checked first, so nothing else is ever named.
    func file(_ id: String) throws -> String {
        guard UploadID.isValid(id) else { throw CocoaError(.fileReadInvalidFileName) }
        return path + "/" + id + ".sealed"
    }

    /// Removes the bytes of uploads purged under the retention rules (`SubmissionStore.purge`
    /// marks them; any instance with the folder removes them); returns how many.
    public func sweep(_ store: SubmissionStore) async throws -> Int {
        var removed = 0
        while true {
            let ids = try await store.purgedFiles(limit: 200)
            guard !ids.isEmpty else { return removed }
            for id in ids { remove(id) }
            try await store.filesRemoved(ids)
            removed += ids.count
        }
    }

    func remove(_ id: String) {
        if let file = try? file(id) { try? FileManager.default.removeItem(atPath: file) }
    }

    /// The uploads being written in this process: one request at a time per upload.
    actor Writers {
        private var busy: Set<String> = []
        func take(_ id: String) -> Bool { busy.insert(id).inserted }
        func give(_ id: String) { busy.remove(id) }
    }

    /// What became of a request's bytes.
    enum Received {
        /// Written and acknowledged up to here (all of it, or as far as the request got).
        case acknowledged(SealedFile.Position)
        /// More bytes than the upload's length: nothing past it was kept.
        case tooLong(SealedFile.Position)
        /// Its content is not a kind its question takes (`accept`); destroyed.
        case wrongKind(MediaType?)
        /// Another request is writing it now.
        case busy
        /// Another request moved it on first.
        case moved
    }

    /// Appends `body` to the upload from its acknowledged position: sealed piece by piece, made
    /// durable, then recorded in `store`. The kind is decided from the first bytes, when the
    /// first bytes are these.
    func receive(_ upload: UploadRecord, accept: [MediaType], body: some AsyncSequence<ByteBuffer, any Error>, keys: AnswerKeys,
                 store: SubmissionStore) async throws -> Received {
        guard await writers.take(upload.id) else { return .busy }
        defer { Task { await writers.give(upload.id) } }
        let writer = try SealedFile.Writer(SealedFile(keys: keys, keyID: upload.keyID, force: upload.force, upload: upload.id),
                                           path: try file(upload.id), from: upload.position)
        var kind = upload.mediaType
        // The first bytes tell the kind; a request that broke off before there were enough
        // left them on disk.
        var head: [UInt8] = []
        if kind == nil, upload.position.pieces > 0 {
            try writer.file.read(path: try file(upload.id), pieces: 1) { head = Array($0.prefix(MediaType.sniffLength)) }
        }
        var overflow = false
        do {
            for try await buffer in body {
                let room = upload.size - writer.taken
                let bytes = buffer.readableBytesView.prefix(Int(clamping: max(0, room)))
                if kind == nil, head.count < MediaType.sniffLength { head += bytes.prefix(MediaType.sniffLength - head.count) }
                try writer.append(bytes)
                if bytes.count < buffer.readableBytes { overflow = true; break }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The connection broke: what arrived is kept, and the client resumes from it.
        }
        let position = try writer.finish()
        if kind == nil, head.count >= MediaType.sniffLength || position.received == upload.size {
            kind = MediaType.sniff(head)
            guard let found = kind, accept.contains(found) else {
                remove(upload.id)
                return .wrongKind(kind)
            }
        }
        guard try await store.acknowledge(upload: upload.id, from: upload.position, to: position, mediaType: kind,
                                          complete: position.received == upload.size) else { return .moved }
        return overflow ? .tooLong(position) : .acknowledged(position)
    }
}
