import Foundation
import NIOCore
import SOHForms
import SOHModel

/// A form posted with its files (`multipart/form-data`) when the page's script did not run: its
/// fields as `FormFields` takes them, and each file written as an upload while its part streams
/// in (sealed, `SealedFile`), its upload's id put in the fields in its place. Nothing is held
/// whole: the text is bounded by `maxText` bytes, each file by its question's `maxSize`.
struct MultipartForm {
    var fields: [(String, String)] = []
    /// Files that cannot join the report, each with the question's code for why.
    var problems: [Problem] = []
    /// The uploads this post made (whole ones, and those refused).
    var uploads: [String] = []

    struct Problem {
        var question: Question
        var code: String
        var file: String
    }

    /// Not a multipart form soh can read: the reason, for a 400 or 413.
    struct Unreadable: Error, CustomStringConvertible {
        var tooLarge = false
        var description: String
    }

    /// The part being read.
    enum Part {
        case text(name: String, bytes: [UInt8])
        /// A file, written as its part arrives (its upload made with the question's `maxSize`).
        case file(question: Question, name: String, intake: Evidence.Intake)
        case skipped
    }

    /// The boundary of a `multipart/form-data` Content-Type; nil when it has none.
    static func boundary(_ contentType: String) -> String? {
        parameters(contentType)["boundary"].flatMap { (1...70).contains($0.count) ? $0 : nil }
    }

    /// `a; b="c; d"; e=f` → ["b": "c; d", "e": "f"]: a quoted value may hold `;` (a file name can).
    /// A backslash is itself (browsers send `"` in a name as `%22`, and old ones whole Windows paths).
    static func parameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        var items: [String] = [], current = "", quoted = false
        for character in header {
            switch character {
            case "\"": quoted.toggle()
            case ";" where !quoted: items.append(current); current = ""
            default: current.append(character)
            }
        }
        items.append(current)
        for item in items.dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2 { result[pair[0].lowercased()] = pair[1] }
        }
        return result
    }

    /// Reads the post. Files are taken only where `evidence` is (a service that takes files);
    /// elsewhere a chosen file is a problem, never silently dropped.
    static func read(_ body: some AsyncSequence<ByteBuffer, any Error>, boundary: String, form: FormDefinition, force: String,
                     evidence: Evidence?, store: SubmissionStore, maxText: Int) async throws -> MultipartForm {
        var stream = MultipartStream(boundary: boundary)
        var result = MultipartForm()
        var part: Part?
        var textBytes = 0
        var filesPerQuestion: [String: Int] = [:]

        func begin(_ headers: [String: String]) async throws -> Part {
            let disposition = parameters(headers["content-disposition"] ?? "")
            let name = disposition["name"] ?? ""
            guard let filename = disposition["filename"] else { return .text(name: name, bytes: []) }
            guard let question = form.question(name), question.type == .file, let rule = question.files else { return .skipped }
            let shown = SubmissionAPI.fileName(filename)
            // An empty chooser posts a part with no name and no bytes: nothing was chosen.
            guard !filename.isEmpty else { return .skipped }
            filesPerQuestion[name, default: 0] += 1
            guard filesPerQuestion[name]! <= rule.maxFiles else {
                result.problems.append(Problem(question: question, code: "tooManyFiles", file: shown))
                return .skipped
            }
            guard let evidence, let keys = store.keys else {
                result.problems.append(Problem(question: question, code: "fileNotUploaded", file: shown))
                return .skipped
            }
            let upload = try await store.createUpload(force: force, form: form.id, question: question.id, name: shown, size: rule.maxSize, now: Date())
            result.uploads.append(upload.id)
            return .file(question: question, name: name, intake: try await Evidence.Intake(upload, evidence: evidence, keys: keys))
        }

        func end() async throws {
            switch part {
            case .text(let name, let bytes)?:
                result.fields.append((name, String(decoding: bytes, as: UTF8.self)))
            case .file(let question, let name, let intake)?:
                let position = try await intake.finish()
                let upload = intake.upload
                // The whole file is here: its kind is told, whatever its size.
                let kind = intake.kind(complete: true) ?? nil
                let code: String? = intake.overflow ? "fileTooLarge" : position.received == 0 ? "fileEmpty"
                    : kind.map { question.files?.accept.contains($0) == true } == true ? nil : "fileType"
                if let code, let evidence {
                    try await store.refuseUpload(id: upload.id, state: .refused, detail: "posted with a form: \(code)", now: Date())
                    await evidence.destroy(upload.id, store: store)
                    result.problems.append(Problem(question: question, code: code, file: upload.name))
                } else if let kind, try await store.finishUpload(id: upload.id, at: position, mediaType: kind) {
                    result.fields.append((name, upload.id))
                }
            default:
                break
            }
            part = nil
        }

        for try await buffer in body {
            let events: [MultipartStream.Event]
            do { events = try stream.feed(buffer.readableBytesView) } catch {
                throw Unreadable(description: "the body is not multipart/form-data with this boundary: \(error)")
            }
            for event in events {
                switch event {
                case .part(let headers):
                    textBytes += headers.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
                    part = try await begin(headers)
                case .body(let bytes):
                    switch part {
                    case .text(let name, var text)?:
                        textBytes += bytes.count
                        text += bytes
                        part = .text(name: name, bytes: text)
                    case .file(_, _, let intake)?:
                        if !intake.overflow { try await intake.take(bytes) }
                    default:
                        break
                    }
                case .end:
                    try await end()
                }
                if textBytes > maxText { throw Unreadable(tooLarge: true, description: "the form's answers are larger than \(maxText) bytes") }
            }
        }
        do { try stream.finish() } catch { throw Unreadable(description: "\(error)") }
        return result
    }
}
