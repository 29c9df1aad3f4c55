import SOHModel

/// Reads a theme's Mustache template into a `Template`'s tokens, or says where it is wrong.
///
/// The tags: `{{name}}`, `{{{name}}}` and `{{&name}}`, sections `{{#name}}…{{/name}}` and
/// inverted ones `{{^name}}…{{/name}}`, comments `{{! … }}`, partials `{{> name}}`, inheritance
/// `{{<parent}}{{$block}}…{{/block}}{{/parent}}` and set-delimiter tags `{{=<% %>=}}`. Lines
/// holding only whitespace and one tag that prints nothing ("standalone") leave no trace, and a
/// standalone partial is indented as its tag was.
///
/// The whitespace rules are those of swift-mustache 2.1, which rendered these themes before
/// (the tests render the same templates with it and compare), so the output is unchanged.
/// What swift-mustache added beyond Mustache (transforms such as `{{uppercased(x)}}`, dynamic
/// partials `{{>*name}}`, `{{% pragmas }}`) is refused with its place.
public struct TemplateParser {
    public struct Failure: Error, Equatable {
        public var line: Int
        public var column: Int
        public var message: String

        public init(line: Int, column: Int, message: String) {
            self.line = line
            self.column = column
            self.message = message
        }
    }

    private let text: [Character]
    private var position = 0

    /// Parses a whole template.
    public static func parse(_ source: String) throws(Failure) -> Template {
        var parser = TemplateParser(text: Array(source))
        return Template(try parser.parseTokens(in: State()))
    }

    private init(text: [Character]) { self.text = text }

    /// Where the parse is in its nesting: which section it is in, the delimiters, whether it is
    /// at the start of a line, and inside a parent (`{{<…}}`) how its blocks' lines are indented.
    private struct State {
        var section: String?
        var open = "{{"
        var close = "}}"
        var atLineStart = true
        /// Inside `{{<parent}}`…, at any depth.
        var inParent = false
        /// Directly inside `{{<parent}}`, where only block definitions belong.
        var parentTopLevel = false
        /// Inside a parent: the indentation of the first line of a block, removed from each line.
        var blockIndent: Int?
    }

    private var atEnd: Bool { position >= text.count }
    private var current: Character? { atEnd ? nil : text[position] }

    // MARK: Tokens

    private mutating func parseTokens(in given: State) throws(Failure) -> [Template.Token] {
        var state = given
        var tokens: [Template.Token] = []
        // Whitespace at the start of the line, held until it is known whether the line is standalone.
        var indent = ""
        while !atEnd {
            if state.atLineStart {
                let whitespace = read { $0 == " " || $0 == "\t" }
                if state.inParent, !state.parentTopLevel {
                    if let remove = state.blockIndent { indent = String(whitespace.dropFirst(remove)) } else { state.blockIndent = whitespace.count }
                } else {
                    indent = whitespace
                }
            }
            let (plain, foundTag) = readText(until: state.open)
            if current?.isNewline == true {
                tokens.append(.text(indent + plain + String(current!)))
                position += 1
                state.atLineStart = true
                continue
            }
            if !plain.isEmpty {
                tokens.append(.text(indent + plain))
                indent = ""
                state.atLineStart = false
            }
            guard foundTag else { break }
            guard let kind = current else { throw failure("a tag is not finished") }
            func flushIndent() {
                if !indent.isEmpty { tokens.append(.text(indent)) }
                indent = ""
            }
            var standalone = false
            switch kind {
            case "#", "^":
                position += 1
                let name = try readName(state)
                standalone = isStandalone(state)
                if !standalone { flushIndent() }
                let inner = try section(name, from: state, atLineStart: standalone)
                tokens.append(kind == "#" ? .section(Template.Name(name), inner) : .invertedSection(Template.Name(name), inner))
            case "/":
                position += 1
                let start = position
                let name = try readName(state)
                guard name == state.section else {
                    position = start
                    throw failure(state.section.map { "'\($0)' is closed as '\(name)'" } ?? "'\(name)' is closed but was never opened")
                }
                if !isStandalone(state) { flushIndent() }
                return tokens
            case "!":
                position += 1
                guard skip(past: state.close) else { throw failure("a comment is not closed") }
                standalone = isStandalone(state)
            case "{", "&":
                flushIndent()
                position += 1
                let name = try readName(state)
                if kind == "{" {
                    guard current == "}" else { throw failure("a tag opened with three braces is not closed with three") }
                    position += 1
                }
                tokens.append(.variable(Template.Name(name), escaped: false))
            case ">":
                position += 1
                let name = try readPartialName(state)
                let taken = indent
                flushIndent()
                standalone = isStandalone(state)
                tokens.append(.partial(name, indentation: standalone ? taken : nil, overrides: nil))
            case "<":
                position += 1
                let name = try readPartialName(state)
                let taken = indent
                flushIndent()
                standalone = isStandalone(state)
                var inner = state
                inner.section = name
                inner.atLineStart = true
                inner.inParent = true
                inner.parentTopLevel = true
                var overrides: [String: Template] = [:]
                for token in try parseTokens(in: inner) {
                    switch token {
                    case .blockDefinition(let block, let template): overrides[block] = template
                    case .text: break
                    default: throw failure("inside {{<\(name)}} only blocks ({{$name}}…{{/name}}) may stand")
                    }
                }
                tokens.append(.partial(name, indentation: taken, overrides: overrides))
            case "$":
                position += 1
                let name = try readName(state)
                if state.parentTopLevel {
                    standalone = isStandalone(state)
                    tokens.append(.blockDefinition(name, try section(name, from: state, atLineStart: standalone)))
                } else {
                    let taken = indent
                    flushIndent()
                    standalone = isStandalone(state)
                    tokens.append(.block(name, default: try section(name, from: state, atLineStart: standalone), indentation: taken))
                }
            case "=":
                position += 1
                try setDelimiters(&state)
                standalone = isStandalone(state)
            case "%":
                throw failure("pragmas ({{% … }}) are not supported")
            default:
                flushIndent()
                tokens.append(.variable(Template.Name(try readName(state)), escaped: true))
            }
            state.atLineStart = standalone
        }
        if let open = given.section { throw failure("'\(open)' is opened but never closed") }
        return tokens
    }

    /// The tokens of a section or block, up to its closing tag.
    private mutating func section(_ name: String, from state: State, atLineStart: Bool) throws(Failure) -> Template {
        var inner = state
        inner.section = name
        inner.parentTopLevel = false
        if !atLineStart { inner.atLineStart = false }
        return Template(try parseTokens(in: inner))
    }

    /// True when the tag just read stood alone on its line; the rest of the line (spaces, tabs
    /// and its line break) is then skipped.
    private mutating func isStandalone(_ state: State) -> Bool {
        guard state.atLineStart else { return false }
        if atEnd { return true }
        var end = position
        while end < text.count, text[end] == " " || text[end] == "\t" { end += 1 }
        guard end < text.count, text[end].isNewline else { return false }
        position = end + 1
        return true
    }

    // MARK: Reading

    /// Text up to the next line break (left unread) or opening delimiter (read); true in the
    /// second case.
    private mutating func readText(until open: String) -> (String, Bool) {
        var plain = ""
        let first = open.first!
        while let c = current, !c.isNewline {
            if c == first, matches(open) {
                position += open.count
                return (plain, true)
            }
            plain.append(c)
            position += 1
        }
        return (plain, false)
    }

    private func matches(_ string: String) -> Bool {
        var i = position
        for c in string {
            guard i < text.count, text[i] == c else { return false }
            i += 1
        }
        return true
    }

    private mutating func read(while accept: (Character) -> Bool) -> String {
        var out = ""
        while let c = current, accept(c) {
            out.append(c)
            position += 1
        }
        return out
    }

    private mutating func skipWhitespace() { _ = read { $0.isWhitespace } }

    /// Reads `string` if it comes next.
    private mutating func skip(_ string: String) -> Bool {
        guard matches(string) else { return false }
        position += string.count
        return true
    }

    /// Skips to just after the next `string`; false when there is none.
    private mutating func skip(past string: String) -> Bool {
        while !atEnd {
            if skip(string) { return true }
            position += 1
        }
        return false
    }

    private static let nameCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?*")

    /// A variable's or section's name, then the closing delimiter.
    private mutating func readName(_ state: State) throws(Failure) -> String {
        skipWhitespace()
        let name = read { Self.nameCharacters.contains($0) }
        skipWhitespace()
        if current == "(" { throw failure("transforms such as 'uppercased(x)' are not supported: give the template the value it shows") }
        guard skip(state.close) else { throw failure("a tag is not finished") }
        return name
    }

    private mutating func readPartialName(_ state: State) throws(Failure) -> String {
        skipWhitespace()
        if current == "*" { throw failure("dynamic partials ({{>*name}}) are not supported") }
        let name = read { Self.nameCharacters.contains($0) || $0 == "/" }
        skipWhitespace()
        guard skip(state.close) else { throw failure("a tag is not finished") }
        return name
    }

    /// `{{=<% %>=}}`: the new opening and closing delimiters.
    private mutating func setDelimiters(_ state: inout State) throws(Failure) {
        skipWhitespace()
        let open = read { !$0.isWhitespace }
        skipWhitespace()
        let close = read { !$0.isWhitespace && $0 != "=" }
        skipWhitespace()
        guard !open.isEmpty, !close.isEmpty, skip("="), skip(state.close) else {
            throw failure("a set-delimiter tag should read {{=<open> <close>=}}")
        }
        state.open = open
        state.close = close
        state.parentTopLevel = false
    }

    /// A failure at the current position, with its line and column (in characters, from 1).
    private func failure(_ message: String) -> Failure {
        var line = 1
        var column = 1
        for c in text[..<min(position, text.count)] {
            if c.isNewline { line += 1; column = 1 } else { column += 1 }
        }
        return Failure(line: line, column: column, message: message)
    }
}
