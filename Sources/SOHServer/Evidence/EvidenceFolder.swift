import Crypto
import Foundation
import NIOCore
import NIOPosix
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

    /// One request's bytes into an upload's sealed file, from its acknowledged position: at most
    /// the upload's size is taken, and its first bytes are kept to tell its kind (read back from
    /// disk when an earlier request that broke off left them there). The tus PATCH and the form
    /// post without JavaScript both write through it.
    final class Intake: @unchecked Sendable {
        let upload: UploadRecord
        let writer: SealedFile.Writer
        private(set) var head: [UInt8] = []
        /// More bytes came than the upload's size; those past it were not taken.
        private(set) var overflow = false

        init(_ upload: UploadRecord, folder: EvidenceFolder, keys: AnswerKeys) throws {
            let path = try folder.file(upload.id)
            writer = try SealedFile.Writer(SealedFile(keys: keys, keyID: upload.keyID, force: upload.force, upload: upload.id), path: path, from: upload.position)
            self.upload = upload
            if upload.mediaType == nil, upload.position.pieces > 0 {
                try writer.file.read(path: path, pieces: 1) { head = Array($0.prefix(MediaType.sniffLength)) }
            }
        }

        func take<Bytes: DataProtocol>(_ bytes: Bytes) throws where Bytes.SubSequence: DataProtocol {
            let kept = bytes.prefix(Int(clamping: max(0, upload.size - writer.taken)))
            if kept.count < bytes.count { overflow = true }
            if head.count < MediaType.sniffLength { head += kept.prefix(MediaType.sniffLength - head.count) }
            try writer.append(kept)
        }

        /// Seals what is left and makes it durable (off the event loops: it waits for the disk).
        func finish() async throws -> SealedFile.Position {
            try await NIOThreadPool.singleton.runIfActive { try self.writer.finish() }
        }

        /// The kind its first bytes tell, once there are enough of them (or the file is whole):
        /// nil while that cannot be told yet, `.some(nil)` for none soh recognises.
        func kind(complete: Bool) -> MediaType?? {
            if let known = upload.mediaType { return .some(known) }
            return head.count >= MediaType.sniffLength || complete ? .some(MediaType.sniff(head)) : nil
        }
    }

    /// Appends `body` to the upload from its acknowledged position: sealed piece by piece, made
    /// durable, then recorded in `store`. The kind is decided from the first bytes, when the
    /// first bytes are these.
    func receive(_ upload: UploadRecord, accept: [MediaType], body: some AsyncSequence<ByteBuffer, any Error>, keys: AnswerKeys,
                 store: SubmissionStore) async throws -> Received {
        guard await writers.take(upload.id) else { return .busy }
        do {
            let received = try await write(upload, accept: accept, body: body, keys: keys, store: store)
            await writers.give(upload.id)
            return received
        } catch {
            await writers.give(upload.id)
            throw error
        }
    }

    private func write(_ upload: UploadRecord, accept: [MediaType], body: some AsyncSequence<ByteBuffer, any Error>, keys: AnswerKeys,
                       store: SubmissionStore) async throws -> Received {
        let intake = try Intake(upload, folder: self, keys: keys)
        do {
            for try await buffer in body {
                try intake.take(buffer.readableBytesView)
                if intake.overflow { break }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The connection broke: what arrived is kept, and the client resumes from it.
        }
        let position = try await intake.finish()
        let complete = position.received == upload.size
        let kind = intake.kind(complete: complete)
        if let kind, kind.map(accept.contains) != true {
            remove(upload.id)
            return .wrongKind(kind)
        }
        guard try await store.acknowledge(upload: upload.id, from: upload.position, to: position, mediaType: kind ?? nil,
                                          complete: complete) else { return .moved }
        return intake.overflow ? .tooLong(position) : .acknowledged(position)
    }
}
