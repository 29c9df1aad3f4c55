/// Force-specific values in national content: `{{force.name}}`, `{{force.contacts.nonEmergency}}` …
///
/// Content is prepared once for all forces; each placeholder becomes a slot filled per force.
public enum Placeholder {
    /// Every placeholder name content may use, in the order the docs list them.
    public static let names: [String] = [
        "force.id", "force.name", "force.shortName", "force.baseURL",
        "force.contacts.emergency", "force.contacts.nonEmergency", "force.contacts.textphone",
        "force.contacts.email", "force.contacts.address", "force.contacts.openingHours",
        "site.name",
    ]

    /// The raw (unescaped) value for a force, or nil where the force does not set that field.
    public static func value(_ name: String, force: ForceIdentity, site: SiteConfig, baseURL: String) -> String? {
        switch name {
        case "force.id": force.id
        case "force.name": force.name
        case "force.shortName": force.shortName
        case "force.baseURL": baseURL
        case "force.contacts.emergency": force.contacts.emergency
        case "force.contacts.nonEmergency": force.contacts.nonEmergency
        case "force.contacts.textphone": force.contacts.textphone
        case "force.contacts.email": force.contacts.email
        case "force.contacts.address": force.contacts.address
        case "force.contacts.openingHours": force.contacts.openingHours
        case "site.name": site.name
        default: nil
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
        var line = start.line, column = start.column
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "{", text[i...].hasPrefix("{{"), let close = text[i...].range(of: "}}") {
                let inner = text[text.index(i, offsetBy: 2)..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                if !inner.isEmpty, inner.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }) {
                    let at = SourceLocation(file: start.file, line: line, column: column)
                    if names.contains(inner) {
                        found.append(Occurrence(name: inner, range: i..<close.upperBound, location: at))
                    } else {
                        sink?.error(at, "unknown placeholder '{{\(inner)}}'",
                            hint: Suggestion.hint(for: inner, allowed: names, noun: "placeholders"))
                    }
                    for ch in text[i..<close.upperBound] { column += 1; if ch == "\n" { line += 1; column = 1 } }
                    i = close.upperBound
                    continue
                }
            }
            if c == "\n" { line += 1; column = 1 } else { column += 1 }
            i = text.index(after: i)
        }
        return found
    }
}

import Foundation
