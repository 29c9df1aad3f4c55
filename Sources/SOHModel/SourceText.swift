import Foundation

/// Reading user files as text: UTF-8 only, with the position of the first bad byte when not.
public enum SourceText {
    /// The text of `file` (a path below `root`), or nil with a diagnostic when it cannot be
    /// read, is outside the repository, is not UTF-8 or holds a character the build reserves.
    public static func read(_ file: String, in root: URL, sink: DiagnosticSink) -> String? {
        guard let data = RepositoryFile.read(file, in: root, sink: sink) else { return nil }
        return decode(data, as: file, sink: sink)
    }

    /// Characters the build uses as markers inside rendered pages (U+E000 and U+E001, the first
    /// two of Unicode's private use area). Text is refused where it holds one, so that no input
    /// can be taken for a marker.
    public static let reservedScalars: ClosedRange<Unicode.Scalar> = "\u{E000}"..."\u{E001}"

    public static func decode(_ data: Data, as relativePath: String, sink: DiagnosticSink) -> String? {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) {
            // U+E000 and U+E001 are EE 80 80 and EE 80 81 in UTF-8.
            if bytes.contains(0xEE), let (line, column) = firstReserved(text) {
                sink.error(SourceLocation(file: relativePath, line: line, column: column),
                    "the text holds U+E000 or U+E001, private-use characters the build keeps for its own markers",
                    hint: "Delete the character (it shows as a box or nothing in most editors); it often comes from copying out of a PDF or a symbol font.")
                return nil
            }
            return text.containsBytes("\r\n") ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        }
        let (line, column) = firstInvalidPosition(bytes)
        sink.error(SourceLocation(file: relativePath, line: line, column: column),
            "the file is not valid UTF-8 text",
            hint: "Save it as UTF-8 in your editor (this byte is not UTF-8; the file may be in Windows-1252 or Latin-1).")
        return nil
    }

    /// Line and column (in characters) of the first reserved character, if any.
    static func firstReserved(_ text: String) -> (Int, Int)? {
        var line = 1, column = 1
        for scalar in text.unicodeScalars {
            if reservedScalars.contains(scalar) { return (line, column) }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return nil
    }

    /// Line and column (in characters) of the first byte that breaks UTF-8.
    static func firstInvalidPosition(_ bytes: [UInt8]) -> (Int, Int) {
        var line = 1, column = 1, i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (line, column)
            }
            guard i + length <= bytes.count,
                  String(validating: bytes[i..<(i + length)], as: UTF8.self) != nil
            else { return (line, column) }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += length
        }
        return (line, column)
    }
}

/// Splits a page into its YAML front matter and its Markdown body.
public struct FrontMatterSplit: Sendable {
    public var yaml: String
    /// Lines before the YAML text (the opening `---`), to report YAML lines as file lines.
    public var yamlLineOffset: Int
    public var body: String
    /// File line on which the body starts.
    public var bodyFirstLine: Int

    public static func split(_ text: String, file: String, sink: DiagnosticSink) -> FrontMatterSplit? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces) == "---" else {
            sink.error(.start(of: file), "the page has no front matter",
                hint: "Start the file with a '---' line, then 'title: …', then another '---' line.")
            return nil
        }
        guard let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else {
            sink.error(.start(of: file), "the front matter is not closed: no second '---' line",
                hint: "Add a line with '---' after the last front matter key, before the Markdown.")
            return nil
        }
        let yaml = lines[1..<end].joined(separator: "\n")
        let body = lines[(end + 1)...].joined(separator: "\n")
        return FrontMatterSplit(yaml: yaml, yamlLineOffset: 1, body: body, bodyFirstLine: end + 2)
    }
}
