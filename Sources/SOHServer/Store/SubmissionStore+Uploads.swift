import Foundation
import SQLKit
import SOHDelivery
import SOHForms
import SOHModel

/// Uploads: created, acknowledged as their bytes arrive, scanned, and joined to a report.
extension SubmissionStore {
    static let uploadColumns = """
        id, force, form, question, name, key_id, size, received, sealed_length, pieces, media_type, sha256, state, detail, submission_id, purged_at
        """

    struct UploadRow: Decodable {
        var id: String, force: String, form: String, question: String, name: String, keyId: String, size: Int64
        var received: Int64, sealedLength: Int64, pieces: Int, mediaType: String?, sha256: String?, state: UploadState, detail: String?
        var submissionId: Int64?, purgedAt: Int64?

        /// The upload with its name opened (empty once purged).
        func opened(_ keys: AnswerKeys) throws -> UploadRecord {
            let shown = purgedAt == nil ? try keys.open(name, keyID: keyId, force: force, reference: id) : ""
            return UploadRecord(id: id, force: force, form: form, question: question, name: shown,
                                keyID: keyId, size: size, position: .init(received: received, length: sealedLength, pieces: pieces),
                                mediaType: mediaType.flatMap(MediaType.init(rawValue:)), sha256: sha256, state: state, detail: detail,
                                submissionID: submissionId, purged: purgedAt != nil)
        }
    }

    /// A new upload of `size` bytes named `name` for a force's form's question; its id.
    func createUpload(force: String, form: String, question: String, name: String, size: Int64, now: Date) async throws -> UploadRecord {
        let keys = try AnswerKeys.required(keys)
        let id = UploadID.make()
        let sealed = try keys.seal(name, force: force, reference: id)
        try await database.write { db in
            try await db.raw("""
                INSERT INTO upload (id, force, form, question, name, key_id, size, created_at)
                VALUES (\(bind: id), \(bind: force), \(bind: form), \(bind: question), \(bind: sealed.text), \(bind: sealed.keyID), \(bind: size),
                        \(bind: StoreTime.milliseconds(now)))
                """).run()
        }
        return UploadRecord(id: id, force: force, form: form, question: question, name: name, keyID: sealed.keyID, size: size,
                            position: .init(), mediaType: nil, sha256: nil, state: .receiving, detail: nil, submissionID: nil, purged: false)
    }

    func upload(id: String) async throws -> UploadRecord? {
        let keys = try AnswerKeys.required(keys)
        return try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.uploadColumns) FROM upload WHERE id = \(bind: id)").first(decoding: UploadRow.self, with: Self.rows)?.opened(keys)
        }
    }

    /// Records that the bytes up to `position` are on disk, if the upload is still where
    /// `from` says (false when another request moved it first); a complete upload of a known
    /// kind waits for its scan.
    func acknowledge(upload id: String, from: SealedFile.Position, to position: SealedFile.Position, mediaType: MediaType?, complete: Bool) async throws -> Bool {
        try await database.write { db in
            try await db.raw("""
                UPDATE upload SET received = \(bind: position.received), sealed_length = \(bind: position.length), pieces = \(bind: position.pieces),
                  media_type = COALESCE(\(bind: mediaType?.rawValue), media_type), state = \(complete ? UploadState.scanning : UploadState.receiving)
                WHERE id = \(bind: id) AND state = \(UploadState.receiving) AND received = \(bind: from.received) AND sealed_length = \(bind: from.length)
                RETURNING id
                """).first() != nil
        }
    }

    /// Ends an upload that cannot join a report (`refused` or `infected`), saying why.
    func refuseUpload(id: String, state: UploadState, detail: String, sha256: String? = nil, now: Date) async throws {
        try await database.write { db in
            try await db.raw("""
                UPDATE upload SET state = \(bind: state.rawValue), detail = \(bind: detail), sha256 = COALESCE(\(bind: sha256), sha256),
                  scan_until = NULL, scanned_at = \(bind: StoreTime.milliseconds(now)) WHERE id = \(bind: id)
                """).run()
        }
    }

    /// Forgets an upload no report has taken (the person removed it); false when there is none.
    func deleteUpload(id: String) async throws -> Bool {
        try await database.write { db in
            try await db.raw("DELETE FROM upload WHERE id = \(bind: id) AND submission_id IS NULL RETURNING id").first() != nil
        }
    }

    /// The oldest complete upload waiting for a scan, kept from other scanners for `seconds`.
    func leaseScan(seconds: Double, now: Date) async throws -> UploadRecord? {
        let keys = try AnswerKeys.required(keys)
        let at = StoreTime.milliseconds(now), until = StoreTime.milliseconds(now.addingTimeInterval(seconds))
        return try await database.write { [dialect = database.dialect] db in
            try await db.raw("""
                UPDATE upload SET scan_until = \(bind: until)
                WHERE id IN (SELECT id FROM upload WHERE state = \(UploadState.scanning) AND (scan_until IS NULL OR scan_until <= \(bind: at))
                             ORDER BY created_at LIMIT 1 \(unsafeRaw: dialect.skipLocked))
                RETURNING \(unsafeRaw: Self.uploadColumns)
                """).first(decoding: UploadRow.self, with: Self.rows)?.opened(keys)
        }
    }

    /// A clean scan: the upload may join a report, and its deliveries go once every upload of
    /// the report is clean.
    func recordClean(upload id: String, sha256: String, now: Date) async throws {
        try await database.write { [database] db in
            let report = try await db.raw("""
                UPDATE upload SET state = \(UploadState.clean), sha256 = \(bind: sha256), scan_until = NULL, scanned_at = \(bind: StoreTime.milliseconds(now))
                WHERE id = \(bind: id) RETURNING submission_id
                """).first(decodingColumn: "submission_id", as: Int64?.self) ?? nil
            if report != nil { try await database.announce(in: db) }
        }
    }

    /// Lets a scan that could not be made be tried again at once by any scanner.
    func releaseScan(upload id: String) async throws {
        try await database.write { db in try await db.raw("UPDATE upload SET scan_until = NULL WHERE id = \(bind: id)").run() }
    }
}

extension SubmissionStore {
    /// A file posted whole (a form without JavaScript) is complete when its part ends: its size
    /// is then what arrived, and it waits for its scan.
    func finishUpload(id: String, at position: SealedFile.Position, mediaType: MediaType) async throws -> Bool {
        try await database.write { db in
            try await db.raw("""
                UPDATE upload SET size = \(bind: position.received), received = \(bind: position.received), sealed_length = \(bind: position.length),
                  pieces = \(bind: position.pieces), media_type = \(bind: mediaType.rawValue), state = \(UploadState.scanning)
                WHERE id = \(bind: id) AND state = \(UploadState.receiving) RETURNING id
                """).first() != nil
        }
    }
}

extension SubmissionStore {
    /// The files of these submissions (by row id), in the order of their questions and of
    /// their arrival.
    public func evidence(ofSubmissions ids: [Int64]) async throws -> [Int64: [EvidenceFile]] {
        let keys = try AnswerKeys.required(keys)
        return try await database.read { db in try await Self.evidence(db, keys, ofSubmissions: ids) }
    }

    static func evidence(_ db: any SQLDatabase, _ keys: AnswerKeys, ofSubmissions ids: [Int64]) async throws -> [Int64: [EvidenceFile]] {
        guard !ids.isEmpty else { return [:] }
        var files: [Int64: [EvidenceFile]] = [:]
        for row in try await db.raw("""
            SELECT \(unsafeRaw: uploadColumns) FROM upload WHERE submission_id IN (\(binds: ids)) ORDER BY submission_id, question, created_at, id
            """).all(decoding: UploadRow.self, with: rows) {
            files[row.submissionId ?? 0, default: []].append(try row.opened(keys).evidence)
        }
        return files
    }
}

extension SubmissionStore {
    /// Up to `limit` uploads purged, refused or infected whose bytes may still be stored
    /// (`Evidence.sweep`).
    func purgedFiles(limit: Int) async throws -> [String] {
        try await database.read { db in
            try await db.raw("""
                SELECT id FROM upload WHERE (purged_at IS NOT NULL OR state IN (\(UploadState.refused), \(UploadState.infected))) AND sealed_length > 0
                ORDER BY id LIMIT \(bind: limit)
                """)
                .all(decodingColumn: "id", as: String.self)
        }
    }

    /// Records that these uploads' bytes are gone from disk.
    func filesRemoved(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        try await database.write { db in
            try await db.raw("UPDATE upload SET sealed_length = 0, pieces = 0 WHERE id IN (\(binds: ids))").run()
        }
    }
}

extension SubmissionStore {
    /// Up to `limit` uploads whose name (and bytes) a key other than the current one sealed,
    /// none of them being written or scanned now (`Evidence.reseal`).
    func uploadsToReseal(limit: Int, now: Date) async throws -> [UploadRecord] {
        let keys = try AnswerKeys.required(keys)
        return try await database.read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.uploadColumns) FROM upload
                WHERE purged_at IS NULL AND key_id <> \(bind: keys.current) AND state <> \(UploadState.receiving)
                  AND (scan_until IS NULL OR scan_until <= \(bind: StoreTime.milliseconds(now)))
                ORDER BY id LIMIT \(bind: limit)
                """).all(decoding: UploadRow.self, with: Self.rows).map { try $0.opened(keys) }
        }
    }

    /// Records an upload sealed again with the current key (its bytes now at `position`, when
    /// it has any) if it is still as it was read; false when it moved on meanwhile.
    func resealed(upload: UploadRecord, position: SealedFile.Position?, now: Date) async throws -> Bool {
        let keys = try AnswerKeys.required(keys)
        let name = try keys.seal(upload.name, force: upload.force, reference: upload.id)
        let stored = position ?? upload.position
        return try await database.write { db in
            try await db.raw("""
                UPDATE upload SET name = \(bind: name.text), key_id = \(bind: name.keyID), sealed_length = \(bind: stored.length), pieces = \(bind: stored.pieces)
                WHERE id = \(bind: upload.id) AND key_id = \(bind: upload.keyID) AND state = \(bind: upload.state.rawValue) AND purged_at IS NULL
                  AND received = \(bind: upload.position.received) AND (scan_until IS NULL OR scan_until <= \(bind: StoreTime.milliseconds(now)))
                RETURNING id
                """).first() != nil
        }
    }

    /// How many uploads are still sealed with another key than the current one: those being
    /// received (they keep it until they are complete) and the others.
    public func uploadsUnderOtherKeys() async throws -> (receiving: Int, others: Int) {
        let keys = try AnswerKeys.required(keys)
        return try await database.read { db in
            let rows = try await db.raw("""
                SELECT state, COUNT(*) AS n FROM upload WHERE purged_at IS NULL AND key_id <> \(bind: keys.current) GROUP BY state
                """).all()
            var counts = (receiving: 0, others: 0)
            for row in rows {
                let n = try row.decode(column: "n", as: Int.self)
                if try row.decode(column: "state", as: String.self) == UploadState.receiving.rawValue { counts.receiving += n } else { counts.others += n }
            }
            return counts
        }
    }
}
