import SOHForms
import SOHModel

/// The area picker's plain `<select>`: the areas grouped by police area (sorted by the group's
/// name in the page's language), each option carrying the other language's name and the towns
/// that find it for `area-picker.js`. Used by forms' area questions and the national site.
enum AreaSelect {
    static func html(options: [Question.Option], groups: [String: LocalizedText], language: String, id: String, name: String,
                     describedBy: String?, choose: String) -> String {
        let described = describedBy.map { " aria-describedby=\"\(Escape.html($0))\"" } ?? ""
        var html = "<select class=\"select\" id=\"\(Escape.html(id))\" name=\"\(Escape.html(name))\"\(described) data-area-picker>\n"
        html += "<option value=\"\">\(Escape.html(choose))</option>\n"
        let grouped = Dictionary(grouping: options, by: { $0.group ?? "" })
        func label(_ force: String) -> String { groups[force]?.text(language) ?? force }
        for force in grouped.keys.sorted(by: { (label($0), $0) < (label($1), $1) }) {
            html += "<optgroup label=\"\(Escape.html(label(force)))\" data-force=\"\(Escape.html(force))\">\n"
            for option in grouped[force] ?? [] {
                // Typing finds an area by its name in the other language or a town in it.
                let shown = option.label.text(language)
                let words = option.label.values.values.filter { $0 != shown }.sorted() + (option.also ?? [])
                let also = words.isEmpty ? "" : " data-also=\"\(Escape.html(words.joined(separator: "|")))\""
                html += "<option value=\"\(Escape.html(option.value))\"\(also)>\(Escape.html(shown))</option>\n"
            }
            html += "</optgroup>\n"
        }
        return html + "</select>\n"
    }
}
