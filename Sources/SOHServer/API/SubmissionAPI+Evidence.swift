import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import SOHDelivery
import SOHModel

/// `GET /v1/forces/{force}/submissions/{reference}/evidence/{id}`: a report's file for the force,
/// with its token, streamed from its sealed pieces (never whole in memory), a range when asked
/// (`Range: bytes=…`, for video); every fetch in the audit log.
extension SubmissionAPI {
    func fetchEvidence(_ request: Request, _ context: APIContext) async -> Response {
        let force = context.parameters.get("force") ?? "", reference = context.parameters.get("reference") ?? ""
        let id = context.parameters.get("upload") ?? ""
        let target = "\(Escape.line(reference, limit: 40))/\(Escape.line(id, limit: 40))"
        do {
            guard let evidence, UploadID.isValid(id),
                  let row = try await bounded({ [store] in try await store.get(force: force, reference: reference) }),
                  let upload = try await bounded({ [store] in try await store.upload(id: id) }), upload.submissionID == row.id else {
                try await record(request, context, "evidence", force: force, target: "\(target) (no such file)")
                return Self.error(.notFound, "no such file")
            }
            // The force a report was made to and transferred reads the transfer, not what came with it.
            if let routing = row.routing, routing.action == .transfer, routing.receivedBy == force {
                try await record(request, context, "evidence", force: force, target: "\(target) (withheld: transferred)")
                return Self.error(.notFound, "this report went to \(routing.owningForce): its files are that force's")
            }
            if upload.purged { return Self.error(.gone, "the file was purged under the retention rules") }
            switch upload.state {
            case .clean: break
            case .scanning, .receiving:
                return Self.error(.serviceUnavailable, "the file is waiting for its scan", headers: [.retryAfter: "30"])
            case .infected, .refused:
                return Self.error(.gone, "the file was withheld: \(upload.evidence.withheld ?? upload.state.rawValue)")
            }
            guard let range = Self.byteRange(request.headers[.range], size: upload.size) else {
                return Self.error(.rangeNotSatisfiable, "the file has \(upload.size) bytes", headers: [.contentRange: "bytes */\(upload.size)"])
            }
            try await record(request, context, "evidence", force: force, target: "\(row.reference)/\(id)")
            let reader = try await evidence.reader(upload, keys: try AnswerKeys.required(store.keys))
            var headers: HTTPFields = [
                .contentType: upload.mediaType?.rawValue ?? "application/octet-stream", .contentLength: String(range.count),
                .acceptRanges: "bytes", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(Self.asciiName(upload.name))\"; filename*=UTF-8''\(Self.percentEncoded(upload.name))",
            ]
            if let digest = upload.sha256 { headers[HTTPField.Name("Repr-Digest")!] = "sha-256=:\(Self.base64(hex: digest)):" }
            let partial = range.count != upload.size
            if partial { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(upload.size)" }
            let logger = self.logger
            return Response(status: partial ? .partialContent : .ok, headers: headers, body: ResponseBody { writer in
                do {
                    while let piece = try await reader.next(in: range) {
                        try await writer.write(ByteBuffer(data: piece))
                    }
                } catch {
                    // Headers are gone: the connection is closed short, which the force sees as a failed fetch.
                    logger.error("evidence \(id) could not be read: \(error)")
                    throw error
                }
                try await writer.finish(nil)
            })
        } catch let error as AnswerKeys.CannotOpen {
            return cannotOpen(error, force: force)
        } catch {
            logger.error("fetching evidence failed: \(error)", metadata: ["force": .string(force)])
            return Self.error(.serviceUnavailable, "could not read the file")
        }
    }

    /// The bytes a `Range` header asks for, within `size`: all of them without one (or with one
    /// soh does not take, such as several ranges); nil when it asks for none that exist.
    static func byteRange(_ header: String?, size: Int64) -> Range<Int64>? {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return 0..<size }
        let spec = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard spec.count == 2 else { return 0..<size }
        switch (Int64(spec[0]), Int64(spec[1])) {
        case (let start?, let end?) where start <= end && start < size: return start..<min(end + 1, size)
        case (let start?, nil) where spec[1].isEmpty && start < size: return start..<size
        case (nil, let suffix?) where spec[0].isEmpty && suffix > 0 && size > 0: return max(0, size - suffix)..<size
        case (let start?, _) where start >= size: return nil
        default: return 0..<size
        }
    }

    /// A name for `filename=`: ASCII, without quotes or backslashes.
    static func asciiName(_ name: String) -> String {
        String(name.unicodeScalars.map { $0.isASCII && $0.value >= 32 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
    }

    /// RFC 8187's encoding for `filename*=`.
    static func percentEncoded(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? "file"
    }

    static func base64(hex: String) -> String { Data(bytes(hex: hex) ?? []).base64EncodedString() }
}
