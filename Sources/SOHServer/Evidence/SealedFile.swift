import Foundation
import NIOPosix

/// An evidence file at rest: the bytes a person sent, sealed in pieces of at most `pieceSize`
/// with AES-256-GCM (`AnswerKeys`), each bound to the force, the upload and its place in the
/// file, so no piece can be moved, dropped or reordered unnoticed. A piece sealed is its nonce,
/// ciphertext and tag; where the pieces are kept is the `EvidenceStorage`'s business.
///
/// Written as it arrives: nothing whole in memory, and what was acknowledged is stored. An
/// upload resumed after a crash is written again from what was acknowledged (`Position`), so a
/// piece written but never acknowledged is replaced, never kept twice.
struct SealedFile: Sendable {
    static let pieceSize = 1 << 20
    /// A sealed piece's bytes beyond its content: nonce and tag.
    static let sealing = 12 + 16

    /// How far a file was acknowledged: the bytes received, the sealed bytes stored (with a
    /// 4-byte length before each piece), and the number of pieces.
    struct Position: Sendable, Equatable {
        var received: Int64 = 0
        var length: Int64 = 0
        var pieces: Int = 0
    }

    let keys: AnswerKeys
    let keyID: String
    let force: String
    let upload: String

    init(keys: AnswerKeys, keyID: String, force: String, upload: String) {
        (self.keys, self.keyID, self.force, self.upload) = (keys, keyID, force, upload)
    }

    /// The sealed file of `upload`, with the key that sealed it.
    init(_ upload: UploadRecord, keys: AnswerKeys) {
        self.init(keys: keys, keyID: upload.keyID, force: upload.force, upload: upload.id)
    }

    func binding(_ index: Int) -> Data { Data("soh evidence 1\n\(force)\n\(upload)\n\(index)".utf8) }

    /// Seals and opens off the event loops: a piece is a MiB of AES-GCM.
    func seal(_ piece: Data, index: Int) async throws -> Data {
        try await NIOThreadPool.singleton.runIfActive { try keys.seal(piece: piece, keyID: keyID, binding: binding(index)) }
    }

    func open(_ sealed: Data, index: Int) async throws -> Data {
        do {
            return try await NIOThreadPool.singleton.runIfActive { try keys.open(piece: sealed, keyID: keyID, binding: binding(index)) }
        } catch {
            throw Damaged(description: "piece \(index) of upload \(upload) does not open with its key: \(error)")
        }
    }

    /// Seals pieces of `pieceSize` as bytes come in and hands them to `sink`, with what is left
    /// when `finish` is called.
    final class Writer: @unchecked Sendable {
        let file: SealedFile
        let sink: any SealedPieceSink
        private(set) var position: SealedFile.Position
        private var pending = Data()
        /// Bytes taken so far, sealed or not.
        var taken: Int64 { position.received + Int64(pending.count) }

        init(_ file: SealedFile, sink: any SealedPieceSink, from position: SealedFile.Position) {
            (self.file, self.sink, self.position) = (file, sink, position)
        }

        func append(_ bytes: some DataProtocol) async throws {
            pending.append(contentsOf: bytes)
            while pending.count >= SealedFile.pieceSize {
                try await seal(pending.prefix(SealedFile.pieceSize))
                pending = Data(pending.dropFirst(SealedFile.pieceSize))
            }
        }

        /// Seals what is left and makes it durable; returns where the file now ends.
        func finish() async throws -> SealedFile.Position {
            if !pending.isEmpty { try await seal(pending); pending = Data() }
            try await sink.sync()
            return position
        }

        private func seal(_ piece: Data) async throws {
            let sealed = try await file.seal(piece, index: position.pieces)
            try await sink.write(sealed, index: position.pieces)
            position.received += Int64(piece.count)
            position.length += Int64(4 + sealed.count)
            position.pieces += 1
        }
    }

    /// A sealed file that is not what was sealed: altered, cut short, or opened with another
    /// upload's binding.
    struct Damaged: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads a sealed file in order, one piece at a time, opening only the pieces that hold
    /// bytes of the range asked for (the storage steps over those before it).
    final class Reader: @unchecked Sendable {
        let file: SealedFile
        let source: any SealedPieceSource
        let pieces: Int
        private var index = 0

        init(_ file: SealedFile, source: any SealedPieceSource, pieces: Int) {
            (self.file, self.source, self.pieces) = (file, source, pieces)
        }

        /// The next piece's bytes within `range` (all of them without one); nil after the last.
        func next(in range: Range<Int64>? = nil) async throws -> Data? {
            guard index < pieces, let found = try await source.next(from: range?.lowerBound ?? 0) else { return nil }
            guard found.index >= index, found.index < pieces else { throw Damaged(description: "upload \(file.upload) has its pieces out of order") }
            index = found.index + 1
            if let range, found.start >= range.upperBound { index = pieces; return nil }
            var piece = try await file.open(found.sealed, index: found.index)
            if let range {
                let size = Int64(piece.count)
                let from = Int(max(0, range.lowerBound - found.start)), to = Int(min(size, range.upperBound - found.start))
                piece = piece.subdata(in: piece.startIndex + from..<piece.startIndex + max(from, to))
            }
            return piece
        }

        /// Every piece's bytes in turn.
        func each(_ body: (Data) async throws -> Void) async throws {
            while let piece = try await next() { try await body(piece) }
        }
    }
}

/// Where a writer puts sealed pieces, in order from the position it was opened at.
protocol SealedPieceSink: AnyObject, Sendable {
    func write(_ sealed: Data, index: Int) async throws
    /// Makes what was written durable: acknowledged only after this.
    func sync() async throws
}

/// Where a reader takes sealed pieces from, in order.
protocol SealedPieceSource: AnyObject, Sendable {
    /// The next piece that holds bytes at or after `offset` in the file as sent (those wholly
    /// before it are stepped over): its number, where its bytes start, and the sealed bytes; nil
    /// after the last of the pieces the source was opened for. Throws `SealedFile.Damaged` when
    /// one of those is missing or cut short.
    func next(from offset: Int64) async throws -> (index: Int, start: Int64, sealed: Data)?
}
