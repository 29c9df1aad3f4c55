import Foundation

/// Writes the starting identity of a force: a valid force file and a generated badge logo.
///
/// The palette is derived from the force id, so it is the same every time and differs between
/// forces; every colour meets WCAG 2.2 AA where the theme uses it.
public enum ForceScaffold {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var name: String
        public var country: String
    }

    public struct Files: Sendable {
        /// `forces/<id>.yml`
        public var forceFile: String
        /// `forces/<id>/logo.svg`
        public var logo: String
    }

    /// Reads `data/forces.csv` (id,name,country).
    public static func readForcesList(_ text: String) -> [Entry] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3, !fields[0].isEmpty else { return nil }
            return Entry(id: fields[0], name: fields[1], country: fields[2])
        }
    }

    public static func files(for entry: Entry) -> Files {
        let palette = palette(for: entry.id)
        let short = shortName(entry.name)
        let languages = entry.country == "Wales" ? "[en, cy]" : "[en]"
        let forceFile = """
            # \(entry.name). Reference: docs/force-yml.md
            id: \(entry.id)
            name: \(yamlText(entry.name))
            shortName: \(yamlText(short))
            languages: \(languages)
            logo: logo.svg
            colours:
              primary: "\(palette.primary)"
              secondary: "\(palette.secondary)"
              link: "\(palette.link)"
              focus: "#ffdd00"
            contacts:
              emergency: "999"
              nonEmergency: "101"
              textphone: "18001 101"

            """
        let initials = String(short.replacingOccurrences(of: "&", with: " ").replacingOccurrences(of: "-", with: " ")
            .split(separator: " ").filter { $0.first?.isUppercase == true }.compactMap(\.first).prefix(3))
        let size = initials.count <= 2 ? 40 : 30
        let escapedName = xmlText(entry.name)
        let logo = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96" role="img" aria-label="\(escapedName)">
            <title>\(escapedName)</title>
            <path d="M48 4 L86 18 V46 C86 68 70 84 48 92 C26 84 10 68 10 46 V18 Z" fill="\(palette.primary)" stroke="\(palette.secondary)" stroke-width="5"/>
            <text x="48" y="\(size == 40 ? 56 : 54)" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-weight="700" font-size="\(size)" fill="#ffffff">\(xmlText(initials))</text>
            </svg>

            """
        return Files(forceFile: forceFile, logo: logo)
    }

    /// "Kent Police" → "Kent"; "Cambridgeshire Constabulary" → "Cambridgeshire".
    static func shortName(_ name: String) -> String {
        var short = name
        for suffix in [" Constabulary", " Police Service", " Police"] where short.hasSuffix(suffix) {
            short = String(short.dropLast(suffix.count))
        }
        return short
    }

    public struct Palette: Sendable, Equatable {
        public var primary: Colour
        public var secondary: Colour
        public var link: Colour
    }

    /// A dark primary (white text at 7:1 or more), a bright accent of another hue, and a link
    /// colour of the primary's hue that reaches 4.5:1 on white.
    public static func palette(for id: String) -> Palette {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hue = Double(hash % 360)
        let saturation = 0.45 + Double((hash >> 9) % 30) / 100
        var lightness = 0.30
        var primary = hsl(hue, saturation, lightness)
        while primary.contrast(with: .white) < 7 { lightness -= 0.01; primary = hsl(hue, saturation, lightness) }
        let accentHue = (hue + 150 + Double((hash >> 17) % 60)).truncatingRemainder(dividingBy: 360)
        let secondary = hsl(accentHue, 0.75, 0.62)
        var linkLightness = 0.35
        var link = hsl(hue, 0.7, linkLightness)
        while link.contrast(with: .white) < 4.5 { linkLightness -= 0.01; link = hsl(hue, 0.7, linkLightness) }
        return Palette(primary: primary, secondary: secondary, link: link)
    }

    static func hsl(_ h: Double, _ s: Double, _ l: Double) -> Colour {
        let c = (1 - abs(2 * l - 1)) * s
        let x = c * (1 - abs((h / 60).truncatingRemainder(dividingBy: 2) - 1))
        let m = l - c / 2
        let (r, g, b): (Double, Double, Double) = switch h {
        case ..<60: (c, x, 0)
        case ..<120: (x, c, 0)
        case ..<180: (0, c, x)
        case ..<240: (0, x, c)
        case ..<300: (x, 0, c)
        default: (c, 0, x)
        }
        func byte(_ v: Double) -> UInt8 { UInt8(max(0, min(255, ((v + m) * 255).rounded()))) }
        return Colour(red: byte(r), green: byte(g), blue: byte(b))
    }

    static func yamlText(_ text: String) -> String {
        text.contains(where: { ":#&*!|>'\"%@`{}[],".contains($0) }) ? "\"\(text.replacingOccurrences(of: "\"", with: "\\\""))\"" : text
    }

    static func xmlText(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
