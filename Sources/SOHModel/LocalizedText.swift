/// Text that may differ by language: `title: Report` or `title: {en: Report, cy: Riportio}`.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var values: [String: String]

    public init(_ values: [String: String]) { self.values = values }
    public init(_ text: String) { self.values = ["en": text] }

    public init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: String].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    /// The text in `language`, falling back to English.
    public func text(_ language: String) -> String { values[language] ?? values["en"] ?? "" }

    public static func read(_ node: YAMLNode, key: String, languages: [String], sink: DiagnosticSink) -> LocalizedText? {
        switch node.value {
        case .scalar(let text, _):
            return LocalizedText(text)
        case .mapping:
            guard let map = StrictMapping(node, what: "'\(key)'", allowed: languages, sink: sink) else { return nil }
            var values: [String: String] = [:]
            for language in languages { values[language] = map.text(language) }
            if values["en"] == nil {
                sink.error(node.location, "'\(key)' needs an English text ('en')", hint: "Add 'en: …' under '\(key)'.")
                return nil
            }
            return LocalizedText(values)
        case .sequence:
            sink.error(node.location, "'\(key)' should be text, found a list",
                hint: "Write '\(key): text', or '\(key): {en: …, cy: …}' for translated text.")
            return nil
        }
    }
}

extension StrictMapping {
    public func localized(_ key: String, languages: [String], required: Bool = false) -> LocalizedText? {
        guard let node = value(key) else {
            if required { missing(key, "…") }
            return nil
        }
        return LocalizedText.read(node, key: key, languages: languages, sink: sink)
    }
}
