import Foundation

/// An evidence file at rest: the bytes a person sent, sealed in pieces of at most
/// `pieceSize` with AES-256-GCM (`AnswerKeys`), each bound to the force, the upload and its
/// place in the file, so no piece can be moved, dropped or reordered unnoticed. On disk each
/// piece is its sealed length (4 bytes, big-endian) then nonce, ciphertext and tag.
///
/// Written as it arrives: nothing whole in memory, and what was acknowledged is on disk. An
/// upload resumed after a crash is first cut back to what was acknowledged (`Position`), so
/// a piece written but never acknowledged is written again, not kept twice.
struct SealedFile {
    static let pieceSize = 1 << 20
    static let overhead = 4 + 12 + 16

    /// How far a file was acknowledged: the bytes received, the file's length on disk, and the
    /// number of pieces.
    struct Position: Sendable, Equatable {
        var received: Int64 = 0
        var length: Int64 = 0
        var pieces: Int = 0
    }

    let keys: AnswerKeys
    let keyID: String
    let force: String
    let upload: String

    func binding(_ index: Int) -> Data { Data("soh evidence 1\n\(force)\n\(upload)\n\(index)".utf8) }

    /// Appends to the file at `path` from `position`: sealed pieces as `pieceSize` bytes come in,
    /// and what is left when `finish` is called.
    final class Writer {
        let file: SealedFile
        let handle: FileHandle
        private(set) var position: SealedFile.Position
        private var pending = Data()
        /// Bytes taken so far, sealed or not.
        var taken: Int64 { position.received + Int64(pending.count) }

        init(_ file: SealedFile, path: String, from position: SealedFile.Position) throws {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
                }
            }
            handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            // Whatever was written after the last acknowledgement goes.
            try handle.truncate(atOffset: UInt64(position.length))
            try handle.seek(toOffset: UInt64(position.length))
            (self.file, self.position) = (file, position)
        }

        deinit { try? handle.close() }

        func append(_ bytes: some DataProtocol) throws {
            pending.append(contentsOf: bytes)
            while pending.count >= SealedFile.pieceSize {
                try seal(pending.prefix(SealedFile.pieceSize))
                pending = Data(pending.dropFirst(SealedFile.pieceSize))
            }
        }

        /// Seals what is left and makes it durable; returns where the file now ends.
        func finish() throws -> SealedFile.Position {
            if !pending.isEmpty { try seal(pending); pending = Data() }
            try handle.synchronize()
            return position
        }

        private func seal(_ piece: Data) throws {
            let sealed = try file.keys.seal(piece: piece, keyID: file.keyID, binding: file.binding(position.pieces))
            var length = UInt32(sealed.count).bigEndian
            try handle.write(contentsOf: Data(bytes: &length, count: 4) + sealed)
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

    /// The file's bytes, piece by piece, opened; `pieces` says how many there must be.
    func read(path: String, pieces: Int, _ each: (Data) throws -> Void) throws {
        let reader = try Reader(self, path: path, pieces: pieces)
        while let piece = try reader.next() { try each(piece) }
    }

    /// Reads a sealed file in order, one piece at a time (blocking: called off the event loops),
    /// opening only the pieces that hold bytes of the range asked for; those before it are
    /// stepped over by their lengths.
    final class Reader: @unchecked Sendable {
        let file: SealedFile
        let handle: FileHandle
        let pieces: Int
        private var index = 0
        /// Where the next piece's bytes start in the file as sent.
        private var offset: Int64 = 0

        init(_ file: SealedFile, path: String, pieces: Int) throws {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw Damaged(description: "the file of upload \(file.upload) is missing") }
            (self.file, self.handle, self.pieces) = (file, handle, pieces)
        }

        deinit { try? handle.close() }

        /// The next piece's bytes within `range` (all of them without one); nil after the last.
        func next(in range: Range<Int64>? = nil) throws -> Data? {
            while index < pieces {
                guard let head = try handle.read(upToCount: 4), head.count == 4 else {
                    throw Damaged(description: "upload \(file.upload) ends at piece \(index) of \(pieces)")
                }
                let length = Int(head.reduce(0) { $0 << 8 | UInt32($1) })
                guard length > SealedFile.overhead - 4, length <= SealedFile.pieceSize + SealedFile.overhead else {
                    throw Damaged(description: "piece \(index) of upload \(file.upload) has an impossible length")
                }
                let start = offset, size = Int64(length - (SealedFile.overhead - 4))
                let current = index
                (offset, index) = (offset + size, index + 1)
                if let range, start + size <= range.lowerBound {
                    try handle.seek(toOffset: try handle.offset() + UInt64(length))
                    continue
                }
                if let range, start >= range.upperBound { return nil }
                guard let sealed = try handle.read(upToCount: length), sealed.count == length else {
                    throw Damaged(description: "piece \(current) of upload \(file.upload) is cut short")
                }
                var piece: Data
                do { piece = try file.keys.open(piece: sealed, keyID: file.keyID, binding: file.binding(current)) } catch {
                    throw Damaged(description: "piece \(current) of upload \(file.upload) does not open with its key: \(error)")
                }
                if let range {
                    let from = Int(max(0, range.lowerBound - start)), to = Int(min(size, range.upperBound - start))
                    piece = piece.subdata(in: piece.startIndex + from..<piece.startIndex + to)
                }
                return piece
            }
            return nil
        }
    }
}
