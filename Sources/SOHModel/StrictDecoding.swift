import Foundation

/// A YAML mapping read strictly: unknown keys are errors that list the allowed keys, and each
/// accessor reports a wrong type or a missing required value with the key's line and column.
public struct StrictMapping {
    public let node: YAMLNode
    public let pairs: [YAMLPair]
    /// Says what the mapping is in messages, e.g. "force file" or "colours".
    public let what: String
    /// The keys it may have, for what a missing key's message suggests.
    let allowed: [String]
    let sink: DiagnosticSink

    /// Nil (with a diagnostic) when the node is not a mapping.
    public init?(_ node: YAMLNode, what: String, allowed: [String], sink: DiagnosticSink) {
        guard case .mapping(let pairs) = node.value else {
            sink.error(node.location, "\(what) should be a set of keys, found \(node.kindName)",
                hint: "Write it as 'key: value' lines. Allowed keys: \(allowed.joined(separator: ", ")).")
            return nil
        }
        self.node = node
        self.pairs = pairs
        self.what = what
        self.allowed = allowed
        self.sink = sink
        for pair in pairs where !allowed.contains(pair.key) {
            sink.error(pair.keyLocation, "unknown key '\(pair.key)' in \(what)",
                hint: Suggestion.hint(for: pair.key, allowed: allowed))
        }
    }

    public var location: SourceLocation { node.location }
    public var keys: [String] { pairs.map(\.key) }

    public func has(_ key: String) -> Bool { value(key) != nil }

    /// The value of `key`, unless it is absent or null.
    public func value(_ key: String) -> YAMLNode? {
        guard let pair = pairs.first(where: { $0.key == key }), !pair.value.isNull else { return nil }
        return pair.value
    }

    public func keyLocation(_ key: String) -> SourceLocation {
        pairs.first(where: { $0.key == key })?.keyLocation ?? node.location
    }

    public func valueLocation(_ key: String) -> SourceLocation {
        pairs.first(where: { $0.key == key })?.value.location ?? node.location
    }

    /// A required key without a value: written with nothing after it (often a value starting
    /// with an unquoted '#', which YAML reads as a comment), misspelt, or left out.
    func missing(_ key: String, _ example: String) {
        if let pair = pairs.first(where: { $0.key == key }) {
            let bare = example.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            sink.error(pair.keyLocation, "'\(key)' in \(what) has no value",
                hint: bare.hasPrefix("#")
                    ? "In YAML an unquoted '#' begins a comment, so the value was read as nothing: put it in quotes, e.g. \(key): \"\(bare)\"."
                    : "Give it a value, e.g. '\(key): \(example)'. A value that starts with '#' goes in quotes: in YAML an unquoted '#' begins a comment.")
            return
        }
        if let misspelt = pairs.first(where: { !allowed.contains($0.key) && Suggestion.closest(to: $0.key, in: [key]) != nil }) {
            sink.error(node.location, "missing required key '\(key)' in \(what)",
                hint: "'\(misspelt.key)' (line \(misspelt.keyLocation.line)) looks like it: rename it to '\(key)'.")
            return
        }
        sink.error(node.location, "missing required key '\(key)' in \(what)", hint: "Add '\(key): \(example)'.")
    }

    public func text(_ key: String, required: Bool = false, example: String = "…") -> String? {
        guard let node = value(key) else {
            if required { missing(key, example) }
            return nil
        }
        return StrictValue.text(node, key: key, sink: sink)
    }

    public func bool(_ key: String) -> Bool? {
        guard let node = value(key) else { return nil }
        return StrictValue.bool(node, key: key, sink: sink)
    }

    public func int(_ key: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let node = value(key) else { return nil }
        return StrictValue.int(node, key: key, range: range, sink: sink)
    }

    /// A list of single values; a single value alone is refused so the shape stays predictable.
    public func texts(_ key: String, required: Bool = false, example: String = "[…]") -> [(String, SourceLocation)]? {
        guard let items = list(key, required: required, example: example) else { return nil }
        return items.compactMap { item in StrictValue.text(item, key: key, sink: sink).map { ($0, item.location) } }
    }

    public func list(_ key: String, required: Bool = false, example: String = "[…]") -> [YAMLNode]? {
        guard let node = value(key) else {
            if required { missing(key, example) }
            return nil
        }
        guard case .sequence(let items) = node.value else {
            sink.error(node.location, "'\(key)' should be a list, found \(node.kindName)",
                hint: "Write each item on its own line starting with '- '.")
            return nil
        }
        return items
    }

    public func mapping(_ key: String, allowed: [String], required: Bool = false) -> StrictMapping? {
        guard let node = value(key) else {
            if required { missing(key, "…") }
            return nil
        }
        return StrictMapping(node, what: "'\(key)'", allowed: allowed, sink: sink)
    }
}

/// Typed reading of single YAML values, with the diagnostic a wrong type deserves.
public enum StrictValue {
    public static func text(_ node: YAMLNode, key: String, sink: DiagnosticSink) -> String? {
        guard case .scalar(let text, _) = node.value else {
            sink.error(node.location, "'\(key)' should be a single value, found \(node.kindName)",
                hint: "Write it on the same line: '\(key): value'.")
            return nil
        }
        return text
    }

    public static func bool(_ node: YAMLNode, key: String, sink: DiagnosticSink) -> Bool? {
        if case .scalar(let text, true) = node.value {
            switch text {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        sink.error(node.location, "'\(key)' should be true or false, found \(node.kindName)", hint: "Write '\(key): true' or '\(key): false'.")
        return nil
    }

    public static func int(_ node: YAMLNode, key: String, range: ClosedRange<Int>?, sink: DiagnosticSink) -> Int? {
        if case .scalar(let text, true) = node.value, let value = Int(text) {
            if let range, !range.contains(value) {
                sink.error(node.location, "'\(key)' should be between \(range.lowerBound) and \(range.upperBound), found \(value)")
                return nil
            }
            return value
        }
        sink.error(node.location, "'\(key)' should be a whole number, found \(node.kindName)",
            hint: "Write digits only, like '\(key): 10'.")
        return nil
    }
}
