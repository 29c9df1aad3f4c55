import SOHModel

/// Text prepared once for all forces, with holes where force values go.
///
/// National content is rendered to HTML once; each `{{force.…}}` placeholder becomes a slot
/// that filling replaces by the force's value (HTML-escaped for HTML, raw for plain text).
public struct SlottedText: Sendable, Hashable {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case slot(String)
    }

    public var segments: [Segment]

    public init(_ segments: [Segment]) { self.segments = segments }
    public init(literal: String) { self.segments = literal.isEmpty ? [] : [.literal(literal)] }

    /// Names of the placeholders used.
    public var slotNames: Set<String> {
        Set(segments.compactMap { if case .slot(let name) = $0 { name } else { nil } })
    }

    public var hasSlots: Bool { !slotNames.isEmpty }

    /// Fills the slots. `value` returns the text to put in (already escaped if it must be).
    public func fill(_ value: (String) -> String) -> String {
        if segments.count == 1, case .literal(let text) = segments[0] { return text }
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .slot(let name): out += value(name)
            }
        }
        return out
    }

    /// Plain text with placeholders: `Contact {{force.name}}` → literal + slot.
    static func fromPlaceholders(_ text: String, occurrences: [Placeholder.Occurrence]) -> SlottedText {
        var segments: [Segment] = []
        var cursor = text.startIndex
        for occurrence in occurrences {
            if cursor < occurrence.range.lowerBound { segments.append(.literal(String(text[cursor..<occurrence.range.lowerBound]))) }
            segments.append(.slot(occurrence.name))
            cursor = occurrence.range.upperBound
        }
        if cursor < text.endIndex { segments.append(.literal(String(text[cursor...]))) }
        return SlottedText(segments)
    }
}

/// Markers that stand in for placeholders while Markdown is rendered, then become slots.
///
/// A marker is plain ASCII letters and digits (`sohslot12x`), which cmark passes unchanged
/// through text, link destinations and attributes. The prefix is lengthened until it does not
/// occur in the page, so a page can never forge one.
struct SlotMarkers {
    let prefix: String

    init(avoiding text: String) {
        var prefix = "sohslot"
        while text.containsBytes(prefix) { prefix += "q" }
        self.prefix = prefix
    }

    func marker(_ index: Int) -> String { "\(prefix)\(index)x" }

    /// Replaces each placeholder occurrence by its marker.
    func mark(_ text: String, _ occurrences: [Placeholder.Occurrence]) -> String {
        var out = ""
        var cursor = text.startIndex
        for (i, occurrence) in occurrences.enumerated() {
            out += text[cursor..<occurrence.range.lowerBound]
            out += marker(i)
            cursor = occurrence.range.upperBound
        }
        out += text[cursor...]
        return out
    }

    /// Removes markers (for heading ids, which stay the same on every force).
    func strip(_ text: String) -> String {
        guard text.containsBytes(prefix) else { return text }
        var out = ""
        var rest = Substring(text)
        while let r = rest.utf8Range(of: prefix) {
            out += rest[..<r.lowerBound]
            var after = rest[r.upperBound...]
            while let d = after.first, d.isASCII, d.isNumber { after = after.dropFirst() }
            if after.first == "x" { after = after.dropFirst() }
            rest = after
        }
        return out + rest
    }

    /// Splits rendered text at the markers; `names[i]` is the placeholder of marker i.
    func slots(in text: String, names: [String]) -> SlottedText {
        guard !names.isEmpty else { return SlottedText(literal: text) }
        var segments: [SlottedText.Segment] = []
        var rest = Substring(text)
        while let r = rest.utf8Range(of: prefix) {
            var after = rest[r.upperBound...]
            var digits = ""
            while let d = after.first, d.isASCII, d.isNumber { digits.append(d); after = after.dropFirst() }
            guard after.first == "x", let index = Int(digits), names.indices.contains(index) else {
                segments.append(.literal(String(rest[..<r.upperBound])))
                rest = rest[r.upperBound...]
                continue
            }
            if r.lowerBound > rest.startIndex { segments.append(.literal(String(rest[..<r.lowerBound]))) }
            segments.append(.slot(names[index]))
            rest = after.dropFirst()
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        return SlottedText(merge(segments))
    }

    private func merge(_ segments: [SlottedText.Segment]) -> [SlottedText.Segment] {
        var out: [SlottedText.Segment] = []
        for s in segments {
            if case .literal(let b) = s, case .literal(let a)? = out.last {
                out[out.count - 1] = .literal(a + b)
            } else {
                out.append(s)
            }
        }
        return out
    }
}
