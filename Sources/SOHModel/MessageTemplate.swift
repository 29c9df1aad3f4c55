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

    /// The names of the gaps in `template`, in order (`{max}` → `max`), as `fill` reads them.
    public static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            names.append(String(after[..<close]))
            rest = after[after.index(after: close)...]
        }
        return names
    }
}

/// What a confirmation message is written with (docs/messages.md): the interface strings it
/// uses, and the placeholders the API fills in them. `soh check` refuses any other placeholder
/// in these strings, in every language, so a typing slip never reaches a person as `{refrence}`.
public enum MessageWording {
    public static let keys = ["messageSubject", "messageIntro", "messageReference", "messageWentTo", "messageAdd", "messageTextphone",
                              "messageEmergency", "messageNoAnswers", "messageText"]

    public enum Placeholder: String, CaseIterable, Sendable {
        /// The name of the force the report is with (the owning force after routing), in the report's language.
        case force
        case reference
        /// The form's title.
        case form
        case emergency, nonEmergency, textphone
        /// The force's site.
        case site
    }
}
