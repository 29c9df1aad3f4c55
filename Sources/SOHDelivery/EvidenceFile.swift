import Foundation
import SOHForms

/// A file that came with a report (docs/evidence.md), as its deliveries and a force's reads list
/// it. The bytes are not in the document: the force fetches them from the API with its token
/// (`path`), streamed, with range requests.
public struct EvidenceFile: Sendable, Codable, Equatable {
    /// The upload's id.
    public var id: String
    /// The file question it answers.
    public var question: String
    /// Its name as the person's device gave it (its last part only).
    public var name: String
    /// Its kind, decided from its content.
    public var mediaType: String?
    /// Its size in bytes, as sent.
    public var size: Int64
    /// The SHA-256 of its bytes exactly as sent, in hex.
    public var sha256: String?
    /// `clean`; `scanning` before its verdict; `infected` or `refused` when it was withheld
    /// (its bytes destroyed).
    public var scan: String
    /// Why it was withheld: the signature clamd found, or what was wrong with it.
    public var withheld: String?

    public init(id: String, question: String, name: String, mediaType: String?, size: Int64, sha256: String?, scan: String, withheld: String?) {
        (self.id, self.question, self.name, self.mediaType, self.size) = (id, question, name, mediaType, size)
        (self.sha256, self.scan, self.withheld) = (sha256, scan, withheld)
    }

    /// Where the force fetches its bytes from the API (`GET`, with the force's token).
    public func path(force: String, reference: String) -> String { "/v1/forces/\(force)/submissions/\(reference)/evidence/\(id)" }
}

/// Where a delivery takes a file's bytes from, for destinations that are given the bytes
/// themselves (`directory`); the API's evidence storage, opened with the answers keys.
public protocol EvidenceSource: Sendable {
    /// Hands the bytes of `file` to `write` in order, piece by piece; throws when they cannot
    /// be read (the file is gone, or does not open).
    func copy(_ file: EvidenceFile, to write: (Data) async throws -> Void) async throws
}

extension EvidenceFile {
    /// Its name in a directory destination's folder of files: the upload's id and the usual
    /// extension of its kind.
    public var storedName: String { id + (mediaType.flatMap(MediaType.init(rawValue:))?.extensions.first ?? "") }
}
