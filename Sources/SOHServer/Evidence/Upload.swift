import Foundation
import SOHDelivery
import SOHForms
import SOHModel

/// Where an upload is (the `upload.state` column).
public enum UploadState: String, Sendable, Codable, CaseIterable {
    /// Bytes are still coming (`PATCH`), from the offset recorded.
    case receiving
    /// Every byte is here; it waits for clamd's verdict and is not delivered before it.
    case scanning
    /// Scanned and found clean: it may join a report and be delivered.
    case clean
    /// clamd found something: its bytes are destroyed, and its name and why are kept.
    case infected
    /// Not what its question takes (its content is another kind); its bytes are destroyed.
    case refused
}

/// An upload as the store keeps it, its name opened.
struct UploadRecord: Sendable, Equatable {
    var id: String
    var force: String
    var form: String
    var question: String
    var name: String
    var keyID: String
    var size: Int64
    var position: SealedFile.Position
    var mediaType: MediaType?
    var sha256: String?
    var state: UploadState
    /// Why it was refused, or the signature clamd found.
    var detail: String?
    var submissionID: Int64?
    /// Its name and bytes went under the retention rules.
    var purged: Bool

    var complete: Bool { position.received == size }

    /// Whether its bytes are kept: not destroyed after a verdict, not purged.
    var hasBytes: Bool { !purged && position.pieces > 0 && [.receiving, .scanning, .clean].contains(state) }

    /// The upload as a delivery and a force's read list it.
    var evidence: EvidenceFile {
        let withheld: String? = if purged { "purged under the retention rules" } else {
            switch state {
            case .infected: "it contained malware (\(detail ?? "found by ClamAV")); its bytes were destroyed"
            case .refused: "\(detail ?? "it was refused"); its bytes were destroyed"
            default: nil
            }
        }
        return EvidenceFile(id: id, question: question, name: name, mediaType: mediaType?.rawValue, size: size, sha256: sha256,
                            scan: state.rawValue, withheld: withheld)
    }
}

/// An upload's id: 128 random bits in hex, the last part of its URL and what a file question's
/// answer lists (`Question.uploadIDPattern`).
enum UploadID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.string((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Whether `text` is one: the only check a path is built from.
    static func isValid(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
