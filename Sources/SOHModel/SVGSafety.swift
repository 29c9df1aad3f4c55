import Foundation

/// Checks an SVG file before it is published on a force's own origin, where a script in it
/// would run with the site's authority. Conservative by design: anything it does not
/// recognise as inert drawing is refused with its line and column, never passed through.
///
/// Refused: elements outside a list of drawing elements (so `script`, `foreignObject`,
/// `iframe`, `a`, `image`, animation), event-handler attributes (`on…`), references to
/// anything but a fragment of the same file (`href`, `xlink:href`, `src`, CSS `url(…)` and
/// `@import`), `javascript:` anywhere in a value, a document type (and so entities), entity
/// references other than XML's five, CDATA sections, processing instructions other than the
/// XML declaration, and the XHTML namespace.
public enum SVGSafety {
    static let svgNamespace = "http://www.w3.org/2000/svg"

    static let elements: Set<String> = [
        "svg", "g", "defs", "symbol", "use", "title", "desc", "metadata", "style", "switch",
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath",
        "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern", "marker",
        "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feDropShadow", "feFlood",
        "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset",
    ]

    /// Whether `file` may be published: true for files that are not SVG; for SVG, true when
    /// nothing was found (each problem is reported to `sink`).
    @discardableResult
    public static func check(_ data: Data, file: String, sink: DiagnosticSink) -> Bool {
        guard file.lowercased().hasSuffix(".svg") || file.lowercased().hasSuffix(".svgz") else { return true }
        guard !file.lowercased().hasSuffix(".svgz"), let text = String(validating: [UInt8](data), as: UTF8.self) else {
            sink.error(.start(of: file), "the SVG is not UTF-8 text",
                hint: "Save it as plain (not compressed) SVG in UTF-8.")
            return false
        }
        let problems = self.problems(text)
        for (line, column, message) in problems {
            sink.error(SourceLocation(file: file, line: line, column: column), "SVG \(message): it could run code or fetch from elsewhere on the force's site",
                hint: "Export the image again as plain shapes (for example 'Plain SVG' or 'Optimized SVG' in your editor), without scripts, links or embedded content.")
        }
        return problems.isEmpty
    }

    /// Each problem's line, column and description, in order.
    static func problems(_ text: String) -> [(Int, Int, String)] {
        var scanner = Scanner(Array(text.unicodeScalars))
        var found: [(Int, Int, String)] = []
        func report(_ at: Int, _ message: String) {
            let (line, column) = scanner.position(of: at)
            found.append((line, column, message))
        }
        var prefixes: [String: String] = [:]
        var openStyle = false
        while let start = scanner.next("<") {
            if openStyle, let problem = cssProblem(String(String.UnicodeScalarView(scanner.scalars[scanner.textStart..<start]))) {
                report(scanner.textStart, problem)
            }
            checkEntities(scanner, from: scanner.textStart, to: start, report: report)
            if scanner.starts("<!--", at: start) {
                guard let end = scanner.find("-->", from: start + 4) else { report(start, "comment is not closed"); break }
                scanner.index = end + 3
            } else if scanner.starts("<?xml ", at: start) && start == scanner.firstNonSpace {
                guard let end = scanner.find("?>", from: start) else { report(start, "XML declaration is not closed"); break }
                scanner.index = end + 2
            } else if scanner.starts("<?", at: start) {
                report(start, "has a processing instruction"); break
            } else if scanner.starts("<!", at: start) {
                report(start, scanner.starts("<![CDATA[", at: start) ? "has a CDATA section" : "has a document type or entity declaration"); break
            } else if scanner.starts("</", at: start) {
                guard let end = scanner.find(">", from: start) else { report(start, "tag is not closed"); break }
                let name = String(String.UnicodeScalarView(scanner.scalars[(start + 2)..<end])).trimmingCharacters(in: .whitespaces)
                if localName(name) == "style" { openStyle = false }
                scanner.index = end + 1
            } else {
                guard let tag = scanner.tag(at: start) else { report(start, "tag is not well formed"); break }
                let local = localName(tag.name)
                let prefix = tag.name.contains(":") ? String(tag.name.split(separator: ":")[0]) : nil
                for attribute in tag.attributes {
                    if attribute.name == "xmlns" || attribute.name.hasPrefix("xmlns:") {
                        let declared = attribute.name == "xmlns" ? "" : String(attribute.name.dropFirst(6))
                        let namespace = attribute.value ?? ""
                        if namespace == "http://www.w3.org/1999/xhtml" || (declared.isEmpty && namespace != svgNamespace) {
                            report(attribute.at, "declares the namespace '\(namespace)'")
                        } else if let earlier = prefixes[declared], earlier != namespace {
                            report(attribute.at, "binds '\(declared)' to two namespaces")
                        }
                        prefixes[declared] = namespace
                    }
                }
                // Unprefixed elements and those in the SVG namespace are SVG: only drawing ones pass.
                // Others (an editor's own, such as Inkscape's) are inert, since XHTML is refused above.
                let isSVG = prefix == nil || prefixes[prefix!] == svgNamespace
                if prefix != nil, prefixes[prefix!] == nil {
                    report(start, "uses the undeclared prefix '\(prefix!)'")
                } else if isSVG, !elements.contains(local) {
                    report(start, "has a <\(tag.name)> element")
                }
                for attribute in tag.attributes {
                    if let value = attribute.value {
                        if let problem = attributeProblem(attribute.name, value) { report(attribute.at, problem) }
                    } else {
                        report(attribute.at, "refers to an undefined entity in '\(attribute.name)'")
                    }
                }
                openStyle = isSVG && local == "style" && !tag.selfClosing
                scanner.index = tag.end
            }
            scanner.textStart = scanner.index
        }
        checkEntities(scanner, from: scanner.textStart, to: scanner.scalars.count, report: report)
        return found
    }

    static func localName(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }

    static func attributeProblem(_ name: String, _ value: String) -> String? {
        let local = localName(name).lowercased()
        let squeezed = value.lowercased().filter { !$0.isWhitespace && $0 != "\0" }
        if local.hasPrefix("on") { return "has an event handler '\(name)'" }
        if squeezed.contains("javascript:") || squeezed.contains("vbscript:") { return "has a script address in '\(name)'" }
        if ["href", "src"].contains(local), !value.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
            return "refers to '\(value)' in '\(name)' (only '#…' inside the file is allowed)"
        }
        if let problem = cssProblem(value) { return "\(problem) in '\(name)'" }
        return nil
    }

    /// CSS that fetches from elsewhere: `@import`, or `url(…)` to anything but `#…`.
    static func cssProblem(_ css: String) -> String? {
        let lower = css.lowercased()
        if lower.contains("@import") { return "imports a style sheet" }
        if lower.contains("expression(") || lower.contains("javascript:") { return "has script in its styles" }
        var rest = lower[...]
        while let range = rest.range(of: "url(") {
            let target = rest[range.upperBound...].drop { $0.isWhitespace || $0 == "'" || $0 == "\"" }
            if !target.hasPrefix("#") { return "refers to another file with url(…)" }
            rest = rest[range.upperBound...]
        }
        return nil
    }

    /// Entity references in text: only XML's own five and numeric ones are defined.
    static func checkEntities(_ scanner: Scanner, from: Int, to: Int, report: (Int, String) -> Void) {
        var i = from
        while i < to {
            if scanner.scalars[i] == "&" {
                var j = i + 1
                while j < to, j - i < 40, scanner.scalars[j] != ";" { j += 1 }
                let name = String(String.UnicodeScalarView(scanner.scalars[(i + 1)..<min(j, to)]))
                if !["lt", "gt", "amp", "quot", "apos"].contains(name), !name.hasPrefix("#") {
                    report(i, "refers to the entity '&\(name);'")
                }
                i = j
            }
            i += 1
        }
    }

    struct Tag {
        var name: String
        /// Values with character references decoded; nil where one names an undefined entity.
        var attributes: [(name: String, value: String?, at: Int)]
        var selfClosing: Bool
        var end: Int
    }

    /// A cursor over the text's scalars, with lines and columns for messages.
    struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0
        /// Where the text since the last tag began.
        var textStart = 0
        let firstNonSpace: Int

        init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
            firstNonSpace = scalars.firstIndex { !$0.properties.isWhitespace && $0 != "\u{FEFF}" } ?? 0
        }

        mutating func next(_ c: Unicode.Scalar) -> Int? {
            while index < scalars.count, scalars[index] != c { index += 1 }
            return index < scalars.count ? index : nil
        }

        func starts(_ text: String, at i: Int) -> Bool {
            let needle = Array(text.unicodeScalars)
            return i + needle.count <= scalars.count && Array(scalars[i..<(i + needle.count)]) == needle
        }

        func find(_ text: String, from: Int) -> Int? {
            var i = from
            while i < scalars.count { if starts(text, at: i) { return i }; i += 1 }
            return nil
        }

        func position(of at: Int) -> (Int, Int) {
            var line = 1, column = 1
            for s in scalars[..<min(at, scalars.count)] { if s == "\n" { line += 1; column = 1 } else { column += 1 } }
            return (line, column)
        }

        static func isNameScalar(_ s: Unicode.Scalar) -> Bool {
            s.properties.isAlphabetic || s.properties.numericType != nil || "-_.:".unicodeScalars.contains(s)
        }

        /// The start tag at `start` (`<name a="v" …>` or `…/>`), or nil when it is not well formed.
        func tag(at start: Int) -> Tag? {
            var i = start + 1
            let nameStart = i
            while i < scalars.count, Self.isNameScalar(scalars[i]) { i += 1 }
            guard i > nameStart else { return nil }
            let name = String(String.UnicodeScalarView(scalars[nameStart..<i]))
            var attributes: [(String, String?, Int)] = []
            while true {
                while i < scalars.count, scalars[i].properties.isWhitespace { i += 1 }
                guard i < scalars.count else { return nil }
                if scalars[i] == ">" { return Tag(name: name, attributes: attributes, selfClosing: false, end: i + 1) }
                if scalars[i] == "/" {
                    guard i + 1 < scalars.count, scalars[i + 1] == ">" else { return nil }
                    return Tag(name: name, attributes: attributes, selfClosing: true, end: i + 2)
                }
                let attributeStart = i
                while i < scalars.count, Self.isNameScalar(scalars[i]) { i += 1 }
                guard i > attributeStart else { return nil }
                let attribute = String(String.UnicodeScalarView(scalars[attributeStart..<i]))
                while i < scalars.count, scalars[i].properties.isWhitespace { i += 1 }
                guard i < scalars.count, scalars[i] == "=" else { return nil }
                i += 1
                while i < scalars.count, scalars[i].properties.isWhitespace { i += 1 }
                guard i < scalars.count, scalars[i] == "\"" || scalars[i] == "'" else { return nil }
                let quote = scalars[i]
                i += 1
                let valueStart = i
                while i < scalars.count, scalars[i] != quote { if scalars[i] == "<" { return nil }; i += 1 }
                guard i < scalars.count else { return nil }
                let raw = String(String.UnicodeScalarView(scalars[valueStart..<i]))
                i += 1
                // Character references in values are decoded before they are judged.
                attributes.append((attribute, Self.decodeReferences(raw), attributeStart))
            }
        }

        static func decodeReferences(_ value: String) -> String? {
            guard value.contains("&") else { return value }
            var out = ""
            var rest = value[...]
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) < 12 else { return nil }
                let name = rest[rest.index(after: amp)..<semi]
                let named = ["lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'"]
                if let v = named[String(name)] {
                    out += v
                } else if name.hasPrefix("#x") || name.hasPrefix("#X"), let n = UInt32(name.dropFirst(2), radix: 16), let s = Unicode.Scalar(n) {
                    out.unicodeScalars.append(s)
                } else if name.hasPrefix("#"), let n = UInt32(name.dropFirst()), let s = Unicode.Scalar(n) {
                    out.unicodeScalars.append(s)
                } else {
                    return nil
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }
}
