import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// What a build that succeeded records in `<out>/.soh-cache/inputs`, for the next build
/// (`UnchangedInputs`): the inputs' digest, the forces it built, its warnings, and each input's
/// hash with the stamp it had (so that an unchanged file is not read again).
///
/// A text file: a header, the digest, the settings' digest, the forces, `raw 0|1 <when the
/// inputs were hashed>`, then one tab-separated line per warning (`W`) and input (`F`: path,
/// hash and stamp).
/// Anything out of place makes the whole record unreadable, and the next build an ordinary one.
struct BuildRecord {
    var digest: String
    var forces: [String]
    var warnings: [Diagnostic]
    var settings = ""
    var allowRawHTML = false
    /// Input file → SHA-256, as `hashes`, and its stamp when that was taken.
    var files: [String: String] = [:]
    var stamps: [String: FileStamp] = [:]
    /// When the build that recorded it began to look at its inputs.
    var hashedAt: Int64 = 0
    static let header = "soh inputs 3"

    static func url(out: URL) -> URL {
        out.appendingPathComponent(BuildCache.folder).appendingPathComponent("inputs")
    }

    init(digest: String, forces: [String], warnings: [Diagnostic]) {
        self.digest = digest
        self.forces = forces
        self.warnings = warnings
    }

    /// What a build that succeeded records for the next one.
    init(prepared: PreparedSite, inputs: UnchangedInputs, forces: [ForceIdentity]) {
        self.init(digest: inputs.digest, forces: forces.map(\.id), warnings: prepared.warnings)
        settings = inputs.settings
        allowRawHTML = prepared.config.allowRawHTML
        files = inputs.hashes
        stamps = inputs.stamps
        hashedAt = inputs.hashedAt
    }

    static func load(out: URL) -> BuildRecord? {
        // Read as bytes, strings made only of fields: the record has a line for every input file.
        guard let data = UnchangedInputs.contents(url(out: out).path), data.last == 0x0A else { return nil }
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        lines.removeLast()
        func text(_ bytes: ArraySlice<UInt8>) -> String {
            let field = String(decoding: bytes, as: UTF8.self)
            return bytes.contains(0x5C) ? unescape(field) : field
        }
        guard lines.count >= 5, text(lines[0]) == header else { return nil }
        var record = BuildRecord(digest: text(lines[1]), forces: [], warnings: [])
        record.settings = text(lines[2])
        let flags = text(lines[4]).split(separator: " ")
        guard record.digest.count == 64, record.settings.count == 64, flags.count == 3, flags[0] == "raw",
              flags[1] == "0" || flags[1] == "1", let hashedAt = Int64(flags[2]) else { return nil }
        record.forces = text(lines[3]).split(separator: " ").map(String.init)
        record.allowRawHTML = flags[1] == "1"
        record.hashedAt = hashedAt
        for line in lines[5...] {
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false)
            guard fields[0].count == 1 else { return nil }
            switch (fields[0].first, fields.count) {
            case (UInt8(ascii: "W"), 7):
                guard let severity = Diagnostic.Severity(rawValue: text(fields[1])), let lineNumber = BuildCache.number(fields[3]),
                      let column = BuildCache.number(fields[4]) else { return nil }
                let hint = text(fields[6])
                record.warnings.append(Diagnostic(severity, text(fields[2]), line: Int(lineNumber), column: Int(column), text(fields[5]),
                                                  hint: hint.isEmpty ? nil : String(hint.dropFirst())))
            case (UInt8(ascii: "F"), 3):
                record.files[text(fields[1])] = text(fields[2])
            case (UInt8(ascii: "F"), 7):
                let path = text(fields[1])
                record.files[path] = text(fields[2])
                guard let size = BuildCache.number(fields[3]), let mtime = BuildCache.number(fields[4]),
                      let ctime = BuildCache.number(fields[5]), let inode = BuildCache.number(fields[6]), inode >= 0 else { return nil }
                record.stamps[path] = FileStamp(size: Int(size), mtime: mtime, ctime: ctime, inode: UInt64(inode))
            default:
                return nil
            }
        }
        return record
    }

    func save(out: URL) throws {
        var text = TextBytes(capacity: 160 * files.count + 4096)
        text.append("\(Self.header)\n\(digest)\n\(settings)\n\(forces.joined(separator: " "))\nraw \(allowRawHTML ? 1 : 0) \(hashedAt)\n")
        func line(_ fields: [String]) {
            for (i, field) in fields.enumerated() {
                if i > 0 { text.append("\t") }
                text.append(Self.escape(field))
            }
            text.append("\n")
        }
        for w in warnings {
            line(["W", w.severity.rawValue, w.file, String(w.line), String(w.column), w.message, w.hint.map { "+" + $0 } ?? ""])
        }
        for (path, hash) in files.sorted(by: { $0.key < $1.key }) {
            if let t = stamps[path] {
                line(["F", path, hash, String(t.size), String(t.mtime), String(t.ctime), String(t.inode)])
            } else {
                line(["F", path, hash])
            }
        }
        _ = try SiteWriter.writeIfChanged(text.data, to: Self.url(out: out))
    }

    /// Tabs, line breaks and backslashes in a field, written so that a line stays one record.
    static func escape(_ field: String) -> String {
        // Hashes and paths, most of the record, have nothing to escape.
        guard field.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A }) else { return field }
        return field.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func unescape(_ field: String) -> String {
        guard field.utf8.contains(0x5C) else { return field }
        var result = ""
        var escaped = false
        for c in field {
            if escaped {
                result.append(c == "t" ? "\t" : c == "n" ? "\n" : c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                result.append(c)
            }
        }
        return result
    }
}
