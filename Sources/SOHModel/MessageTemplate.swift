/// Interface strings and messages with named gaps: `You can enter up to {max} characters`.
///
/// The one way such a string is filled: in a single pass, so a value that itself contains
/// `{…}` (an answer, a question's label) is put in as it is and never filled again, whatever
/// order the values come in. A gap with no value is left as written.
public enum MessageTemplate {
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        guard template.utf8.contains(UInt8(ascii: "{")) else { return template }
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] else {
                out += "{"
                rest = after
                continue
            }
            out += value
            rest = after[after.index(after: close)...]
        }
        return out + rest
    }
}
