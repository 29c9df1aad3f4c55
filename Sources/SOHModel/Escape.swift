/// Escaping for every place the build writes text that came from a file.
public enum Escape {
    /// For HTML text and quoted attribute values.
    public static func html(_ text: String) -> String {
        // Byte by byte: the five characters are ASCII, and UTF-8 never uses ASCII bytes inside
        // other characters.
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            case 0x27: out.append(contentsOf: "&#39;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// For XML text (sitemaps).
    public static func xml(_ text: String) -> String { html(text) }

    /// For a JSON string literal, without the quotes. `<` is escaped so JSON can never close a tag.
    public static func json(_ text: String) -> String {
        // Most text (paths, ids) has nothing to escape; U+2028/9 start with byte E2.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0xE2 }) {
            return text
        }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// What others wrote (a receiver's reply, a value sent to the API), shown to a person on one
    /// line of a terminal or a message: runs of white space, line breaks included, become one
    /// space; every other control or format character (terminal escapes, bidirectional
    /// overrides) is written as `\u{1B}`; at most `limit` characters, `…` where it was cut.
    public static func line(_ text: String, limit: Int) -> String {
        var out = ""
        var count = 0, space = false
        for scalar in text.unicodeScalars {
            if count >= limit { return out + "…" }
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                if !space, !out.isEmpty { out.append(" "); count += 1 }
                space = true
                continue
            }
            space = false
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) || (0x200E...0x200F).contains(v) || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v) || v == 0x2028 || v == 0x2029 {
                out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out.hasSuffix(" ") ? String(out.dropLast()) : out
    }

    /// For a value written into an HTTP header line: no line breaks, printable ASCII only.
    public static func header(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }))
    }
}
