import CYAML

/// A YAML node that remembers where it came from, so every problem can name its line and column.
///
/// Built from libyaml's event stream. Anchors, aliases and tags are refused (no alias bombs, no
/// surprising types); duplicate keys are refused; only one document per file.
public struct YAMLNode: Sendable {
    public enum Value: Sendable {
        /// `plain` is false for quoted and block scalars, which are always text.
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    /// What the node is, in the words a diagnostic uses.
    public var kindName: String {
        switch value {
        case .scalar(let text, let plain):
            // The value itself, so the message shows what was written (a long one shortened).
            plain && Self.isNull(text) ? "nothing"
                : (plain ? "" : "the quoted text ") + "'" + (text.count > 40 ? text.prefix(40) + "…" : text) + "'"
        case .sequence: "a list"
        case .mapping: "a set of keys"
        }
    }

    public var isNull: Bool {
        if case .scalar(let text, true) = value { return Self.isNull(text) }
        return false
    }

    static func isNull(_ text: String) -> Bool { text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" }
}

public struct YAMLPair: Sendable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: YAMLNode
}

public enum YAMLParser {
    /// Parses one YAML document. `lineOffset` shifts reported lines (front matter starts below line 1).
    /// Returns nil and adds diagnostics when the text is not acceptable YAML.
    public static func parse(
        _ text: String, file: String, lineOffset: Int = 0, sink: DiagnosticSink
    ) -> YAMLNode? {
        var builder = Builder(file: file, lineOffset: lineOffset)
        let bytes = Array(text.utf8)
        let ok = bytes.withUnsafeBufferPointer { buffer -> Bool in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return false }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    builder.syntaxError(parser)
                    return false
                }
                defer { yaml_event_delete(&event) }
                let done = event.type == YAML_STREAM_END_EVENT
                if !builder.handle(event) { return false }
                if done { return true }
            }
        }
        sink.add(contentsOf: builder.diagnostics)
        guard ok, builder.diagnostics.isEmpty else { return nil }
        return builder.document ?? YAMLNode(.mapping([]), at: SourceLocation(file: file, line: 1 + lineOffset, column: 1))
    }

    private struct Builder {
        let file: String
        let lineOffset: Int
        var diagnostics: [Diagnostic] = []
        var document: YAMLNode?
        var documents = 0
        // Open collections: a sequence or a mapping with a pending key.
        enum Open {
            case sequence([YAMLNode], SourceLocation)
            case mapping([YAMLPair], pendingKey: (String, SourceLocation)?, SourceLocation)
        }
        var stack: [Open] = []
        /// The last value read, when it was quoted text over several lines: a quote left open
        /// swallows the lines after it, and libyaml then complains somewhere below.
        var lastMultilineQuote: (start: SourceLocation, endLine: Int)?

        init(file: String, lineOffset: Int) {
            self.file = file
            self.lineOffset = lineOffset
        }

        func location(_ mark: yaml_mark_t) -> SourceLocation {
            SourceLocation(file: file, line: Int(mark.line) + 1 + lineOffset, column: Int(mark.column) + 1)
        }

        mutating func syntaxError(_ parser: yaml_parser_t) {
            let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
            var where_ = location(parser.problem_mark)
            // libyaml reports a zero mark for some reader errors; point at the file start then.
            if where_.line < 1 + lineOffset { where_ = SourceLocation(file: file, line: 1 + lineOffset, column: 1) }
            let context = parser.context.map { String(cString: $0) }
            let quoteHint = "Add the closing quote at the end of the text; a quote inside text in double quotes is written \\\", and inside single quotes ''."
            // Where the quote opened, not where libyaml gave up (often lines later).
            if context == "while scanning a quoted scalar" {
                let end = location(parser.problem_mark)
                diagnostics.append(.error(location(parser.context_mark), "YAML syntax error: the quoted text that starts here is not closed (\(problem) at line \(end.line))",
                    hint: quoteHint))
                return
            }
            if let quote = lastMultilineQuote {
                diagnostics.append(.error(quote.start, "YAML syntax error: the quoted text that starts here runs on to line \(quote.endLine); is its closing quote missing? (\(problem) at line \(where_.line))",
                    hint: quoteHint))
                return
            }
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context))" }
            diagnostics.append(.error(where_, message,
                hint: "Check the indentation and that text containing ':' or '#' is in quotes."))
        }

        /// Returns false to stop parsing.
        mutating func handle(_ event: yaml_event_t) -> Bool {
            let at = location(event.start_mark)
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    diagnostics.append(.error(at, "more than one YAML document in this file",
                        hint: "Remove the '---' line; a file holds one document."))
                    return false
                }
            case YAML_ALIAS_EVENT:
                diagnostics.append(.error(at, "YAML aliases (*name) are not allowed",
                    hint: "Write the value out in full where it is needed."))
                return false
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                if s.anchor != nil { return refuseAnchor(at) }
                if let tag = s.tag, !isPlainTag(tag) { return refuseTag(tag, at) }
                let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
                let plain = s.style == YAML_PLAIN_SCALAR_STYLE
                let quoted = s.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || s.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                lastMultilineQuote = quoted && event.end_mark.line > event.start_mark.line
                    ? (at, location(event.end_mark).line) : nil
                return add(YAMLNode(.scalar(text, plain: plain), at: at))
            case YAML_SEQUENCE_START_EVENT:
                let s = event.data.sequence_start
                if s.anchor != nil { return refuseAnchor(at) }
                if let tag = s.tag, !isPlainTag(tag) { return refuseTag(tag, at) }
                stack.append(.sequence([], at))
            case YAML_MAPPING_START_EVENT:
                let m = event.data.mapping_start
                if m.anchor != nil { return refuseAnchor(at) }
                if let tag = m.tag, !isPlainTag(tag) { return refuseTag(tag, at) }
                stack.append(.mapping([], pendingKey: nil, at))
            case YAML_SEQUENCE_END_EVENT:
                guard case .sequence(let items, let start) = stack.popLast() else { return false }
                return add(YAMLNode(.sequence(items), at: start))
            case YAML_MAPPING_END_EVENT:
                guard case .mapping(let pairs, _, let start) = stack.popLast() else { return false }
                return add(YAMLNode(.mapping(pairs), at: start))
            default:
                break
            }
            return true
        }

        func isPlainTag(_ tag: UnsafeMutablePointer<yaml_char_t>) -> Bool {
            String(cString: tag) == "tag:yaml.org,2002:str"
        }

        mutating func refuseAnchor(_ at: SourceLocation) -> Bool {
            diagnostics.append(.error(at, "YAML anchors (&name) are not allowed",
                hint: "Write each value out in full; anchors and aliases are refused."))
            return false
        }

        mutating func refuseTag(_ tag: UnsafeMutablePointer<yaml_char_t>, _ at: SourceLocation) -> Bool {
            diagnostics.append(.error(at, "YAML tag '\(String(cString: tag))' is not allowed",
                hint: "Remove the tag; put text in quotes if it must stay text."))
            return false
        }

        mutating func add(_ node: YAMLNode) -> Bool {
            guard let top = stack.popLast() else {
                document = node
                return true
            }
            switch top {
            case .sequence(var items, let start):
                items.append(node)
                stack.append(.sequence(items, start))
            case .mapping(var pairs, let pending, let start):
                if let (key, keyAt) = pending {
                    pairs.append(YAMLPair(key: key, keyLocation: keyAt, value: node))
                    stack.append(.mapping(pairs, pendingKey: nil, start))
                } else {
                    guard case .scalar(let key, _) = node.value else {
                        diagnostics.append(.error(node.location, "a key must be a single word or text, not \(node.kindName)",
                            hint: "Write keys as plain words, like 'name:'."))
                        return false
                    }
                    if let first = pairs.first(where: { $0.key == key }) {
                        diagnostics.append(.error(node.location, "duplicate key '\(key)' (first used on line \(first.keyLocation.line))",
                            hint: "Keep one '\(key):' and remove the other."))
                    }
                    stack.append(.mapping(pairs, pendingKey: (key, node.location), start))
                }
            }
            return true
        }
    }
}
