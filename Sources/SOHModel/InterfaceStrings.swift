import Foundation

/// A theme's interface strings (`themes/<name>/i18n/<language>.yml`): `key: text` lines, one file
/// per language, every language with exactly English's keys. The build renders pages with them;
/// the API writes confirmation messages with them (docs/messages.md).
public enum InterfaceStrings {
    /// language → key → text, every problem in `sink` with its file.
    public static func load(root: URL, relative: String, languages: [String], sink: DiagnosticSink) -> [String: [String: String]] {
        var strings: [String: [String: String]] = [:]
        var locations: [String: [String: SourceLocation]] = [:]
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
                guard let value = StrictValue.text(pair.value, key: pair.key, sink: sink) else { continue }
                table[pair.key] = value
                locations[language, default: [:]][pair.key] = pair.value.location
            }
            strings[language] = table
        }
        checkPlaceholders(strings, locations: locations, sink: sink)
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

    /// A translation has the same placeholders as English (the page or message fills the same
    /// values), and a confirmation's strings only those a confirmation fills.
    static func checkPlaceholders(_ strings: [String: [String: String]], locations: [String: [String: SourceLocation]], sink: DiagnosticSink) {
        let filled = Set(MessageWording.Placeholder.allCases.map(\.rawValue))
        let message = Set(MessageWording.keys)
        for language in strings.keys.sorted() {
            guard let table = strings[language] else { continue }
            for key in table.keys.sorted() {
                guard let text = table[key], let location = locations[language]?[key] else { continue }
                let used = Set(MessageTemplate.placeholders(in: text))
                if message.contains(key) {
                    for name in used.subtracting(filled).sorted() {
                        sink.error(location, "'\(key)' uses {\(name)}, which a confirmation message does not fill",
                            hint: Suggestion.hint(for: name, allowed: filled.sorted(), noun: "placeholders"))
                    }
                }
                guard language != "en", let english = strings["en"]?[key] else { continue }
                let expected = Set(MessageTemplate.placeholders(in: english))
                // English's own slip is reported once, at English, not again at each translation.
                if message.contains(key), !expected.isSubset(of: filled) { continue }
                for name in used.subtracting(expected).sorted() {
                    sink.error(location, "'\(key)' uses {\(name)}, which en.yml's '\(key)' does not",
                        hint: "A translation fills the same gaps as English: \(expected.isEmpty ? "none" : expected.sorted().map { "{\($0)}" }.joined(separator: ", ")).")
                }
                for name in expected.subtracting(used).sorted() {
                    sink.error(location, "'\(key)' leaves out {\(name)}, which en.yml's '\(key)' has",
                        hint: "Put {\(name)} where it belongs in the \(language) text.")
                }
            }
        }
    }
}
