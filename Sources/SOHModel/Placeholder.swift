/// Force-specific values in national content: `{{force.name}}`, `{{force.contacts.nonEmergency}}` …
///
/// Content is prepared once for all forces; each placeholder becomes a slot filled per force.
public enum Placeholder {
    /// Every placeholder name content may use, in the order the docs list them.
    /// The force's values (`ForceIdentity.values`) under `force.`, then `site.name`.
    public static let names: [String] = ForceIdentity.valueNames(baseURL: "baseURL").map { "force." + $0 } + ["site.name"]

    /// The raw (unescaped) value for a force, or nil where the force does not set that field.
    public static func value(_ name: String, force: ForceIdentity, site: SiteConfig, baseURL: String) -> String? {
        switch name {
        case "force.baseURL": baseURL
        case "site.name": site.name
        default: name.hasPrefix("force.") ? ForceIdentity.value(named: String(name.dropFirst(6)))?.read(force) : nil
        }
    }

    public struct Occurrence: Sendable, Hashable {
        public var name: String
        /// Range of the whole `{{ … }}` in the scanned text.
        public var range: Range<String.Index>
        public var location: SourceLocation
    }

    /// Finds `{{ name }}` in text; unknown names are reported with a "did you mean".
    /// `start` is where the text begins in its file (front matter values start mid-line).
    public static func scan(_ text: String, start: SourceLocation, sink: DiagnosticSink?) -> [Occurrence] {
        var found: [Occurrence] = []
        // Lines are counted up to each candidate as it is found; columns count characters.
        var line = start.line
        var lineStart = text.startIndex
        var counted = text.startIndex
        var from = text.startIndex
        while let open = text.utf8Range(of: "{{", from: from) {
            guard let close = text.utf8Range(of: "}}", from: open.upperBound) else { break }
            let inner = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard !inner.isEmpty, inner.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }) else {
                // Not a placeholder: look again from the next character, as `{{{{x}}` holds one.
                from = text.index(after: open.lowerBound)
                continue
            }
            for i in text.utf8[counted..<open.lowerBound].indices where text.utf8[i] == 0x0A {
                line += 1
                lineStart = text.utf8.index(after: i)
            }
            counted = open.lowerBound
            let column = (lineStart == text.startIndex ? start.column : 1) + text[lineStart..<open.lowerBound].count
            let at = SourceLocation(file: start.file, line: line, column: column)
            if names.contains(inner) {
                found.append(Occurrence(name: inner, range: open.lowerBound..<close.upperBound, location: at))
            } else {
                sink?.error(at, "unknown placeholder '{{\(inner)}}'",
                    hint: Suggestion.hint(for: inner, allowed: names, noun: "placeholders"))
            }
            from = close.upperBound
        }
        return found
    }
}

import Foundation
