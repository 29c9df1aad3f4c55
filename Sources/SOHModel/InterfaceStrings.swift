import Foundation

/// A theme's interface strings (`themes/<name>/i18n/<language>.yml`): `key: text` lines, one file
/// per language, every language with exactly English's keys. The build renders pages with them;
/// the API writes confirmation messages with them (docs/messages.md).
public enum InterfaceStrings {
    /// language → key → text, every problem in `sink` with its file.
    public static func load(root: URL, relative: String, languages: [String], sink: DiagnosticSink) -> [String: [String: String]] {
        var strings: [String: [String: String]] = [:]
        for language in languages {
            let file = "\(relative)/\(language).yml"
            let url = root.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                sink.error(.start(of: file), "interface strings for '\(language)' are missing",
                    hint: "Add \(file) with the same keys as \(relative)/en.yml.")
                continue
            }
            guard let text = SourceText.read(file, in: root, sink: sink) else { continue }
            let node = YAMLParser.parse(text, file: file, sink: sink)
            guard let node else { continue }
            guard case .mapping(let pairs) = node.value else {
                sink.error(node.location, "interface strings should be 'key: text' lines")
                continue
            }
            var table: [String: String] = [:]
            for pair in pairs {
                if let value = StrictValue.text(pair.value, key: pair.key, sink: sink) { table[pair.key] = value }
            }
            strings[language] = table
        }
        guard let english = strings["en"] else { return strings }
        for (language, table) in strings where language != "en" {
            for key in english.keys.sorted() where table[key] == nil {
                sink.error(.start(of: "\(relative)/\(language).yml"), "interface string '\(key)' is missing in '\(language)'",
                    hint: "Add '\(key): …' with the \(language) text.")
            }
            for key in table.keys.sorted() where english[key] == nil {
                sink.error(.start(of: "\(relative)/\(language).yml"), "interface string '\(key)' is not in en.yml",
                    hint: Suggestion.hint(for: key, allowed: english.keys.sorted(), noun: "keys"))
            }
        }
        return strings
    }
}
