/// A value a template can show: the typed render context the renderer builds for each page.
///
/// Text prints as it is (escaped by `{{…}}`, not by `{{{…}}}`); `true` and `false` print as those
/// words. In a section, `false`, a missing name and an empty list are false; a list repeats the
/// section for each item; anything else (even empty text) is true and becomes the innermost
/// context. A list or a group printed whole prints nothing: show its items in a section.
public enum TemplateValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case text(String)
    case bool(Bool)
    case list([TemplateValue])
    case map([String: TemplateValue])

    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .map(Dictionary(elements) { _, last in last })
    }

    /// The field `name` of a group, nil for anything else.
    public subscript(_ name: String) -> TemplateValue? {
        if case .map(let fields) = self { return fields[name] }
        return nil
    }
}

/// A template's context: names and their values.
public typealias TemplateContext = [String: TemplateValue]
