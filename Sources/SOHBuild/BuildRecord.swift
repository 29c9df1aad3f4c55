import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// What a build that succeeded records in `<out>/.soh-cache/inputs`, for the next build: the
/// inputs' digest, the forces it built and its warnings (`UnchangedInputs`); and for a build
/// that finds only page bodies changed (`PagePatch`), each input's hash, the pages whose body
/// can be put in place, and each force's placeholder values in each of its languages.
///
/// A text file: a header, the digest, the settings' digest, the forces, `raw 0|1 <when the
/// inputs were hashed>`, then one tab-separated line per warning (`W`), input (`F`: path, hash
/// and stamp), page (`P`) and force language (`V`).
/// Anything out of place makes the whole record unreadable, and the next build an ordinary one.
struct BuildRecord {
    var digest: String
    var forces: [String]
    var warnings: [Diagnostic]
    var settings = ""
    var allowRawHTML = false
    /// Input file → SHA-256, as `hashes`, and its stamp when that was taken.
    var files: [String: String] = [:]
    var stamps: [String: InputStamp] = [:]
    /// When the build that recorded it began to look at its inputs.
    var hashedAt: Int64 = 0
    /// Source file → what a body-only change to it needs.
    var pages: [String: PatchablePage] = [:]
    /// "force|language" → the value of each of `Placeholder.names` (nil where not set).
    var values: [String: [String?]] = [:]

    static let header = "soh inputs 2"

    static func url(out: URL) -> URL {
        out.appendingPathComponent(BuildCache.folder).appendingPathComponent("inputs")
    }

    init(digest: String, forces: [String], warnings: [Diagnostic]) {
        self.digest = digest
        self.forces = forces
        self.warnings = warnings
    }

    /// What a build that succeeded records for the next one.
    init(prepared: PreparedSite, keys: BuildKeys, inputs: UnchangedInputs, forces: [ForceIdentity]) {
        self.init(digest: inputs.digest, forces: forces.map(\.id), warnings: prepared.warnings)
        settings = inputs.settings
        allowRawHTML = prepared.config.allowRawHTML
        files = inputs.hashes
        stamps = inputs.stamps
        hashedAt = inputs.hashedAt
        // A page with a warning of its own keeps it in the record; only an ordinary build can
        // say whether an edit removed it.
        let warned = Set(prepared.warnings.map(\.file))
        // Each page with the number of forces that publish it (the same page, not a notice or
        // a force's own page in its place).
        var published: [ObjectIdentifier: (page: PreparedPage, forces: Int)] = [:]
        for force in forces {
            for page in prepared.pageSets[force.id]?.pages ?? [] where page.kind == .content && page.derivedFrom == nil {
                published[page.identity, default: (page, 0)].forces += 1
            }
        }
        for (page, count) in published.values where !warned.contains(page.file) {
            pages[page.file] = PatchablePage(
                urlPath: page.urlPath, layout: page.layout, language: page.language,
                front: PagePatch.frontDigest(yaml: page.front.text, bodyFirstLine: page.bodyFirstLine), own: keys.parts(of: page).own,
                outputs: count)
        }
        for force in forces {
            let renderer = ForceRenderer(prepared: prepared, force: force)
            for language in force.languages {
                let speaker = renderer.speaking(language)
                values["\(force.id)|\(language)"] = Placeholder.names.map {
                    Placeholder.value($0, force: speaker.force, site: prepared.config, baseURL: speaker.baseURL)
                }
            }
        }
    }

    static func load(out: URL) -> BuildRecord? {
        guard let data = UnchangedInputs.contents(url(out: out).path) else { return nil }
        // Split as bytes: the record has a line for every input file.
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 6, lines[0] == header, lines.last == "" else { return nil }
        var record = BuildRecord(digest: String(lines[1]), forces: [], warnings: [])
        record.settings = String(lines[2])
        let flags = lines[4].split(separator: " ")
        guard record.digest.count == 64, record.settings.count == 64, flags.count == 3, flags[0] == "raw",
              flags[1] == "0" || flags[1] == "1", let hashedAt = Int64(flags[2]) else { return nil }
        record.forces = lines[3].split(separator: " ").map(String.init)
        record.allowRawHTML = flags[1] == "1"
        record.hashedAt = hashedAt
        for line in lines[5..<(lines.count - 1)] {
            let fields = line.utf8.split(separator: 0x09, omittingEmptySubsequences: false).map { unescape(String(Substring($0))) }
            switch (fields.first, fields.count) {
            case ("W", 7):
                guard let severity = Diagnostic.Severity(rawValue: fields[1]), let lineNumber = Int(fields[3]),
                      let column = Int(fields[4]) else { return nil }
                record.warnings.append(Diagnostic(severity, fields[2], line: lineNumber, column: column, fields[5],
                                                  hint: fields[6].isEmpty ? nil : String(fields[6].dropFirst())))
            case ("F", 3):
                record.files[fields[1]] = fields[2]
            case ("F", 7):
                record.files[fields[1]] = fields[2]
                guard let size = Int64(fields[3]), let mtime = Int64(fields[4]), let ctime = Int64(fields[5]),
                      let inode = UInt64(fields[6]) else { return nil }
                record.stamps[fields[1]] = InputStamp(size: size, mtime: mtime, ctime: ctime, inode: inode)
            case ("P", 8):
                guard let outputs = Int(fields[7]) else { return nil }
                record.pages[fields[1]] = PatchablePage(urlPath: fields[2], layout: fields[3], language: fields[4],
                                                        front: fields[5], own: fields[6], outputs: outputs)
            case ("V", Placeholder.names.count + 3):
                record.values["\(fields[1])|\(fields[2])"] = fields[3...].map { $0.isEmpty ? nil : String($0.dropFirst()) }
            default:
                return nil
            }
        }
        return record
    }

    func save(out: URL) throws {
        var text = "\(Self.header)\n\(digest)\n\(settings)\n\(forces.joined(separator: " "))\nraw \(allowRawHTML ? 1 : 0) \(hashedAt)\n"
        func line(_ fields: [String]) { text += fields.map(Self.escape).joined(separator: "\t") + "\n" }
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
        for (file, p) in pages.sorted(by: { $0.key < $1.key }) { line(["P", file, p.urlPath, p.layout, p.language, p.front, p.own, String(p.outputs)]) }
        for (key, values) in values.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            line(["V"] + parts + values.map { $0.map { "+" + $0 } ?? "" })
        }
        _ = try SiteWriter.writeIfChanged(Data(text.utf8), to: Self.url(out: out))
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
