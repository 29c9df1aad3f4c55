/// One parsed Mustache template (`TemplateParser`): its tokens, rendered by `Templates`.
public final class Template: Sendable {
    let tokens: [Token]

    init(_ tokens: [Token]) { self.tokens = tokens }

    enum Token: Sendable {
        case text(String)
        case variable(Name, escaped: Bool)
        case section(Name, Template)
        case invertedSection(Name, Template)
        /// `{{$name}}default{{/name}}` in a template: a child's definition of `name` replaces it.
        case block(String, default: Template, indentation: String?)
        /// `{{$name}}…{{/name}}` directly inside `{{<parent}}`: gathered into that partial's overrides.
        case blockDefinition(String, Template)
        /// `{{> name}}`, or `{{<name}}…{{/name}}` with the blocks it overrides.
        case partial(String, indentation: String?, overrides: [String: Template]?)
    }

    /// A name split at its dots; `implicit` for `{{.}}`, `local` for a name starting with a dot.
    struct Name: Sendable {
        var parts: [String]
        var implicit: Bool
        var local: Bool

        init(_ name: String) {
            implicit = name == "."
            local = !implicit && name.first == "."
            parts = name.split(separator: ".").map(String.init)
        }
    }
}
