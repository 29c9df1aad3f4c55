import Foundation

/// Reading user files as text: UTF-8 only, with the position of the first bad byte when not.
public enum SourceText {
    /// The file's text, or nil with a diagnostic when it cannot be read or is not UTF-8.
    public static func read(_ url: URL, as relativePath: String, sink: DiagnosticSink) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            sink.error(.start(of: relativePath), "cannot read the file", hint: "Check that it exists and is readable.")
            return nil
        }
        return decode(data, as: relativePath, sink: sink)
    }

    public static func decode(_ data: Data, as relativePath: String, sink: DiagnosticSink) -> String? {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) {
            return text.containsBytes("\r\n") ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        }
        let (line, column) = firstInvalidPosition(bytes)
        sink.error(SourceLocation(file: relativePath, line: line, column: column),
            "the file is not valid UTF-8 text",
            hint: "Save it as UTF-8 in your editor (this byte is not UTF-8; the file may be in Windows-1252 or Latin-1).")
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
