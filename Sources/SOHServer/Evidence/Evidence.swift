import Crypto
import Foundation
import NIOCore
import SOHDelivery
import SOHForms

/// The evidence files of a service that takes them: sealed as they arrive and kept in a
/// storage (`EvidenceStorage`: a folder, or S3-compatible object storage). What arrives is
/// acknowledged only once stored; a request that breaks off keeps what was stored.
public final class Evidence: Sendable {
    let storage: any EvidenceStorage
    let writers = Writers()

    init(storage: any EvidenceStorage) { self.storage = storage }

    /// Files in a folder, made (readable by this user alone) when missing.
    public static func folder(_ path: String) throws -> Evidence { Evidence(storage: try EvidenceFolder(path: path)) }

    /// Files in a bucket of S3-compatible object storage, under its prefix.
    public static func bucket(_ bucket: S3Bucket) throws -> Evidence { Evidence(storage: try EvidenceBucket(bucket)) }

    /// Lets go of the storage's connections, before the process ends.
    public func shutdown() async { await storage.shutdown() }

    /// Where the files are: a folder's path or an `s3://` URL.
    public var location: String { storage.location }

    /// Reads an upload's file in order, piece by piece.
    func reader(_ upload: UploadRecord, keys: AnswerKeys) async throws -> SealedFile.Reader {
        let file = SealedFile(upload, keys: keys)
        return SealedFile.Reader(file, source: try await storage.source(file, pieces: upload.position.pieces), pieces: upload.position.pieces)
    }

    /// Destroys an upload's bytes (every copy, whatever key sealed it) and records that they are
    /// gone; false when the storage could not do it now. An upload refused, infected or purged
    /// whose bytes are still recorded is swept again (`sweep`) until they are gone.
    @discardableResult
    func destroy(_ id: String, store: SubmissionStore) async -> Bool {
        do {
            try await storage.remove(upload: id, keyID: nil)
            try await store.filesRemoved([id])
            return true
        } catch {
            return false
        }
    }

    /// Removes the bytes of uploads purged under the retention rules (`SubmissionStore.purge`
    /// marks them), and of those refused or infected whose bytes could not be removed at once;
    /// any instance that reaches the storage removes them. Returns how many.
    public func sweep(_ store: SubmissionStore) async throws -> Int {
        var removed = 0
        while true {
            let ids = try await store.purgedFiles(limit: 200)
            guard !ids.isEmpty else { return removed }
            for id in ids { try await storage.remove(upload: id, keyID: nil) }
            try await store.filesRemoved(ids)
            removed += ids.count
        }
    }

    /// Seals again, with the current key, up to `batch` uploads another key sealed (their
    /// names and bytes), each written beside the old copy, recorded, then the old copy removed;
    /// returns how many. `soh api rotate-key` calls it until it returns 0, so a rotation
    /// stopped half-way resumes.
    public func reseal(_ store: SubmissionStore, batch: Int) async throws -> Int {
        let keys = try AnswerKeys.required(store.keys)
        let uploads = try await store.uploadsToReseal(limit: batch, now: Date())
        for upload in uploads {
            var position: SealedFile.Position?
            if upload.hasBytes {
                let reader = try await reader(upload, keys: keys)
                let file = SealedFile(keys: keys, keyID: keys.current, force: upload.force, upload: upload.id)
                let writer = SealedFile.Writer(file, sink: try await storage.sink(file, from: .init()), from: .init())
                try await reader.each { try await writer.append($0) }
                let written = try await writer.finish()
                guard written.received == upload.position.received else {
                    throw SealedFile.Damaged(description: "upload \(upload.id) read back \(written.received) of \(upload.position.received) bytes")
                }
                position = written
            }
            if try await store.resealed(upload: upload, position: position, now: Date()) {
                if upload.hasBytes { try await storage.remove(upload: upload.id, keyID: upload.keyID) }
            } else if upload.hasBytes {
                // It moved on meanwhile (more bytes, a verdict, a purge): the copy goes, the next run sees it again.
                try await storage.remove(upload: upload.id, keyID: keys.current)
            }
        }
        return uploads.count
    }

    static func wrongKind(_ kind: MediaType?) -> String {
        kind.map { "its content is \($0.rawValue), which the question does not take" } ?? "its content is not a kind of file soh recognises"
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
    /// the upload's size is taken, and its first bytes are kept to tell its kind (read back
    /// when an earlier request that broke off stored them). The tus PATCH and the form post
    /// without JavaScript both write through it.
    final class Intake: @unchecked Sendable {
        let upload: UploadRecord
        let writer: SealedFile.Writer
        private(set) var head: [UInt8] = []
        /// More bytes came than the upload's size; those past it were not taken.
        private(set) var overflow = false

        init(_ upload: UploadRecord, evidence: Evidence, keys: AnswerKeys) async throws {
            let file = SealedFile(upload, keys: keys)
            writer = SealedFile.Writer(file, sink: try await evidence.storage.sink(file, from: upload.position), from: upload.position)
            self.upload = upload
            if upload.mediaType == nil, upload.position.pieces > 0 {
                let first = SealedFile.Reader(file, source: try await evidence.storage.source(file, pieces: 1), pieces: 1)
                head = Array(try await first.next()?.prefix(MediaType.sniffLength) ?? Data())
            }
        }

        func take<Bytes: DataProtocol>(_ bytes: Bytes) async throws where Bytes.SubSequence: DataProtocol {
            let kept = bytes.prefix(Int(clamping: max(0, upload.size - writer.taken)))
            if kept.count < bytes.count { overflow = true }
            if head.count < MediaType.sniffLength { head += kept.prefix(MediaType.sniffLength - head.count) }
            try await writer.append(kept)
        }

        /// Seals what is left and makes it durable.
        func finish() async throws -> SealedFile.Position { try await writer.finish() }

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
        let intake = try await Intake(upload, evidence: self, keys: keys)
        var bytes = body.makeAsyncIterator()
        while !intake.overflow {
            let buffer: ByteBuffer?
            do { buffer = try await bytes.next() } catch is CancellationError { throw CancellationError() } catch {
                // The connection broke: what arrived is kept, and the client resumes from it.
                break
            }
            guard let buffer else { break }
            // A storage that fails fails the request: nothing more is acknowledged.
            try await intake.take(buffer.readableBytesView)
        }
        let position = try await intake.finish()
        let complete = position.received == upload.size
        let kind = intake.kind(complete: complete)
        if let kind, kind.map(accept.contains) != true {
            // Refused first, so that the sweep removes the bytes if the storage cannot now.
            try await store.refuseUpload(id: upload.id, state: .refused, detail: Self.wrongKind(kind), now: Date())
            await destroy(upload.id, store: store)
            return .wrongKind(kind)
        }
        guard try await store.acknowledge(upload: upload.id, from: upload.position, to: position, mediaType: kind ?? nil,
                                          complete: complete) else { return .moved }
        return intake.overflow ? .tooLong(position) : .acknowledged(position)
    }
}

/// A delivery's way to a report's files (`EvidenceSource`, for a directory destination): each
/// upload as the store has it, read from the storage and opened with the answers keys.
public struct StoredEvidence: EvidenceSource {
    let evidence: Evidence
    let store: SubmissionStore

    public init(_ evidence: Evidence, store: SubmissionStore) { (self.evidence, self.store) = (evidence, store) }

    public func copy(_ file: EvidenceFile, to write: (Data) async throws -> Void) async throws {
        guard let upload = try await store.upload(id: file.id), upload.state == .clean, upload.hasBytes else {
            throw SealedFile.Damaged(description: "upload \(file.id) has no bytes to copy (withheld, purged or not yet scanned)")
        }
        var copied: Int64 = 0
        try await evidence.reader(upload, keys: try AnswerKeys.required(store.keys)).each { piece in
            copied += Int64(piece.count)
            try await write(piece)
        }
        guard copied == upload.size else { throw SealedFile.Damaged(description: "upload \(file.id) read \(copied) of its \(upload.size) bytes") }
    }
}
