import Foundation

/// Where sealed evidence files are kept (docs/evidence.md, "Where files are kept"): a folder on
/// one machine (`EvidenceFolder`), or a bucket of S3-compatible object storage that several
/// instances share (`EvidenceBucket`). An upload's pieces are kept under its id and the id of
/// the key that sealed them, so a file sealed again with a new key (`soh api rotate-key`) is
/// written beside the old one until the store records the new key, then the old one goes.
protocol EvidenceStorage: Sendable {
    /// Where it is, for messages and logs: never a secret.
    var location: String { get }
    /// Opens `file` for writing from `position`: pieces from `position.pieces` on are written
    /// (again), and whatever was written after it before is dropped or replaced.
    func sink(_ file: SealedFile, from position: SealedFile.Position) async throws -> any SealedPieceSink
    /// The first `pieces` pieces of `file`.
    func source(_ file: SealedFile, pieces: Int) async throws -> any SealedPieceSource
    /// Removes an upload's pieces sealed with `keyID`, or every one of its pieces (nil).
    func remove(upload: String, keyID: String?) async throws
    /// Lets go of its connections, before the process ends.
    func shutdown() async
}

extension EvidenceStorage {
    func shutdown() async {}

    /// The name a file's pieces are kept under: checked, so nothing else is ever named.
    static func names(_ upload: String, _ keyID: String?) throws -> (upload: String, key: String?) {
        guard UploadID.isValid(upload) else { throw SealedFile.Damaged(description: "'\(upload)' is not an upload id") }
        if let keyID, keyID.isEmpty || keyID.count > 32
            || !keyID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw SealedFile.Damaged(description: "'\(keyID)' is not a key id")
        }
        return (upload, keyID)
    }
}
