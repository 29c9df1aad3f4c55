import SOHForms
import SOHModel

/// What the national site (`national:` in site.yml) shows in place of forms: on each service's
/// page, where it happened, to be sent to the force for that area; on "find your force" (a page
/// with `layout: find-force`), an area or a postcode, and every force's site and contacts.
///
/// Both ask the API's `GET /v1/find-force`, which answers with a redirect: the same way with or
/// without JavaScript (`area-picker.js` only makes the list a type-ahead), and the person moves
/// on only when they press the button (WCAG 3.2.2). Reference: docs/routing.md.
struct NationalPages {
    let renderer: ForceRenderer

    var prepared: PreparedSite { renderer.prepared }
    var areas: PoliceAreas? { prepared.loaded.areas }

    func t(_ key: String, _ language: String) -> String { renderer.strings(language)[key] ?? key }

    /// The two finders: an area (a select made a type-ahead) and a postcode. `service` sends the
    /// person to that service of the force; without it, to the force's entry below.
    func finders(service: String?, language: String) -> String {
        guard let areas else { return "" }
        let action = Escape.html("\(prepared.environment.api)/v1/find-force")
        func hidden() -> String {
            (service.map { "<input type=\"hidden\" name=\"service\" value=\"\(Escape.html($0))\">\n" } ?? "")
                + "<input type=\"hidden\" name=\"language\" value=\"\(Escape.html(language))\">\n"
        }
        var html = "<form class=\"area-finder\" method=\"get\" action=\"\(action)\" data-area-finder data-strings=\"\(Escape.html(renderer.runtimeStrings(language)))\">\n"
        html += hidden()
        html += "<div class=\"form-group\">\n<label class=\"label\" for=\"find-area\">\(Escape.html(t(service == nil ? "findAreaLabel" : "findWhereLabel", language)))</label>\n"
        html += "<div class=\"hint\" id=\"find-area-hint\">\(Escape.html(t(service == nil ? "findAreaHint" : "findWhereHint", language)))</div>\n"
        html += AreaSelect.html(options: areas.options, groups: areas.groups, language: language, id: "find-area", name: "area",
                                describedBy: "find-area-hint", choose: t("selectChoose", language))
        html += "</div>\n<button type=\"submit\" class=\"button\">\(Escape.html(t("formContinue", language)))</button>\n</form>\n"
        html += "<form class=\"area-finder\" method=\"get\" action=\"\(action)\">\n" + hidden()
        html += "<div class=\"form-group\">\n<label class=\"label\" for=\"find-postcode\">\(Escape.html(t("findPostcodeLabel", language)))</label>\n"
        html += "<div class=\"hint\" id=\"find-postcode-hint\">\(Escape.html(t("findPostcodeHint", language)))</div>\n"
        html += "<input class=\"input input--postcode\" id=\"find-postcode\" name=\"postcode\" type=\"text\" autocomplete=\"postal-code\" spellcheck=\"false\" aria-describedby=\"find-postcode-hint\">\n"
        html += "</div>\n<button type=\"submit\" class=\"button button--secondary\">\(Escape.html(t("findPostcodeButton", language)))</button>\n</form>\n"
        // Shown when the API sends the person back (CSS :target), with or without JavaScript.
        html += "<p class=\"inset area-force\" id=\"postcode-not-found\">\(Escape.html(t("findPostcodeNotFound", language)))</p>\n"
        html += "<p class=\"inset area-force\" id=\"area-not-chosen\">\(Escape.html(t("findAreaNotChosen", language)))</p>\n"
        return html
    }

    /// Every force: its site, its numbers and the areas it covers, each entry the target of
    /// `#force-<id>` (highlighted by CSS :target when a finder sends the person to it).
    func directory(language: String) -> String {
        guard let areas else { return "" }
        var html = "<ul class=\"force-directory\">\n"
        let entries = areas.forces.map { police -> (String, PoliceAreas.Force, ForceIdentity?) in
            let identity = prepared.loaded.force(police.id)
            return (identity?.name(in: language) ?? police.name.text(language), police, identity)
        }.sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }
        for (name, police, identity) in entries {
            html += "<li class=\"force-directory__entry\" id=\"force-\(Escape.html(police.id))\" tabindex=\"-1\">\n"
            html += "<h2 class=\"force-directory__name\">\(Escape.html(name))</h2>\n<dl class=\"force-directory__details\">\n"
            if let identity, let site = prepared.loaded.config.baseURL(for: identity, in: prepared.environment) {
                let speaks = identity.languages.contains(language) && language != prepared.loaded.config.defaultLanguage
                let address = site + (speaks ? "/\(language)/" : "/")
                html += "<dt>\(Escape.html(t("findWebsite", language)))</dt><dd><a href=\"\(Escape.html(address))\">\(Escape.html(site.replacingOccurrences(of: "https://", with: "")))</a></dd>\n"
                html += "<dt>\(Escape.html(t("findNonEmergency", language)))</dt><dd>\(Escape.html(identity.contacts.nonEmergency))</dd>\n"
                if let textphone = identity.contacts.textphone {
                    html += "<dt>\(Escape.html(t("findTextphone", language)))</dt><dd>\(Escape.html(textphone))</dd>\n"
                }
            }
            let names = police.areas.map { $0.name.text(language) }.joined(separator: ", ")
            html += "<dt>\(Escape.html(t("findCovers", language)))</dt><dd>\(Escape.html(names))</dd>\n</dl>\n</li>\n"
        }
        return html + "</ul>\n"
    }
}
