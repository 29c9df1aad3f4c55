import SOHForms
import SOHModel

/// A form's static HTML, rendered once per language for all forces, following the GOV.UK Design
/// System's question patterns: labels and legends, hints and errors wired with
/// `aria-describedby`, fieldsets for groups, dates as three numeric inputs.
///
/// Without JavaScript it is one long form that posts `application/x-www-form-urlencoded` to the
/// API, each conditional part explained by its condition. With JavaScript, `forms.js` shows one
/// page at a time from the same markup.
struct FormHTML {
    let form: FormDefinition
    let language: String
    let strings: [String: String]

    func t(_ key: String) -> String { Escape.html(strings[key] ?? key) }
    func text(_ lt: LocalizedText?) -> String { Escape.html(lt?.text(language) ?? "") }
    func raw(_ lt: LocalizedText?) -> String { lt?.text(language) ?? "" }

    /// The `<form>`; `actionSlot` stands for the force's submission URL, filled per force.
    func render(definitionURL: String, confirmationURL: String) -> SlottedText {
        // Files go with the answers when the page posts itself (without JavaScript).
        let files = form.allQuestions.contains { $0.question.type == .file } ? " enctype=\"multipart/form-data\"" : ""
        let head = "<form class=\"soh-form\" method=\"post\" novalidate accept-charset=\"utf-8\"\(files) action=\""
        var rest = "\" data-form=\"\(Escape.html(form.id))\" data-version=\"\(form.version)\" data-language=\"\(Escape.html(language))\""
        rest += " data-definition=\"\(Escape.html(definitionURL))\" data-confirmation=\"\(Escape.html(confirmationURL))\">\n"
        rest += hidden("_form", form.id) + hidden("_version", String(form.version)) + hidden("_language", language)
        // Bots fill every field; people never see this one.
        rest += "<div class=\"form-honeypot\" aria-hidden=\"true\"><label for=\"soh-website\">\(t("formHoneypot"))</label>"
        rest += "<input id=\"soh-website\" name=\"_website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\"></div>\n"
        rest += "<div class=\"error-summary\" data-error-summary tabindex=\"-1\" hidden>\n<div role=\"alert\">\n"
        rest += "<h2 class=\"error-summary__title\">\(t("errorSummaryTitle"))</h2>\n<ul class=\"error-summary__list\"></ul>\n</div>\n</div>\n"
        rest += "<p class=\"form-status\" data-form-status role=\"status\" hidden></p>\n"
        for page in form.pages { rest += self.page(page) }
        rest += "<div class=\"form-actions\" data-form-actions>\n"
        rest += "<button type=\"submit\" class=\"button\" data-submit>\(t("formSend"))</button>\n"
        rest += "</div>\n</form>\n"
        return SlottedText([.literal(head), .slot("form.action"), .literal(rest)])
    }

    func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(Escape.html(name))\" value=\"\(Escape.html(value))\">\n"
    }

    func page(_ page: FormPage) -> String {
        var html = "<section class=\"form-page form-page--\(page.kind.rawValue)\" id=\"page-\(Escape.html(page.id))\" data-page=\"\(Escape.html(page.id))\">\n"
        html += "<h2 class=\"form-page__title\" tabindex=\"-1\">\(text(page.title))</h2>\n"
        if let when = page.when {
            html += "<p class=\"form-page__condition\" data-no-js>\(Escape.html(ConditionText(form: form, language: language, strings: strings).sentence(when)))</p>\n"
        }
        switch page.kind {
        case .exit:
            html += "<div class=\"form-exit\">\(raw(page.body))</div>\n"
        case .checkAnswers:
            html += "<p data-no-js>\(t("checkAnswersNoJS"))</p>\n"
            if form.areaQuestion != nil { html += "<p data-no-js>\(t("areaElsewhereNoJS"))</p>\n" }
            html += "<dl class=\"summary-list\" data-check-answers hidden></dl>\n"
        case .questions, .declaration:
            if let body = page.body { html += "<div class=\"form-page__body\">\(body.text(language))</div>\n" }
            if let rule = page.repeat {
                html += "<div class=\"repeat\" data-repeat=\"\(Escape.html(page.id))\" data-min=\"\(rule.min)\" data-max=\"\(rule.max)\">\n"
                for i in 0..<rule.max {
                    html += "<fieldset class=\"fieldset repeat__item\" data-repeat-item=\"\(i)\">\n"
                    html += "<legend class=\"fieldset__legend\">\(text(rule.itemName).capitalisedFirst) \(i + 1)</legend>\n"
                    for q in page.questions { html += question(q, name: "\(page.id)[\(i)][\(q.id)]", id: "q-\(page.id)-\(i)-\(q.id)", errorKey: "\(page.id)[\(i)].\(q.id)") }
                    html += "<button type=\"button\" class=\"button button--secondary\" data-repeat-remove hidden>\(t("repeatRemove")) <span class=\"visually-hidden\">\(text(rule.itemName)) \(i + 1)</span></button>\n"
                    html += "</fieldset>\n"
                }
                html += "<button type=\"button\" class=\"button button--secondary\" data-repeat-add hidden>\(t("repeatAdd")) \(text(rule.itemName))</button>\n"
                html += "</div>\n"
            } else {
                for q in page.questions { html += question(q, name: q.id, id: "q-\(q.id)", errorKey: q.id) }
            }
        }
        return html + "</section>\n"
    }

    /// One question. `name` is the field name posted, `id` the element id, `errorKey` the error's question.
    func question(_ q: Question, name: String, id: String, errorKey: String) -> String {
        let n = Escape.html(name), i = Escape.html(id)
        if q.type == .content {
            return "<div class=\"form-content\">\(raw(q.body))</div>\n"
        }
        let optional = q.required ? "" : " \(t("formOptional"))"
        let hintID = "\(i)-hint", errorID = "\(i)-error"
        let hint = q.hint.map { "<div class=\"hint\" id=\"\(hintID)\">\(text($0))</div>\n" } ?? ""
        let error = "<p class=\"error-message\" id=\"\(errorID)\" hidden><span class=\"visually-hidden\">\(t("errorPrefix"))</span> <span data-error-text></span></p>\n"
        let describedBy = (q.hint == nil ? "" : "\(hintID) ") + (q.type == .textarea ? "\(i)-count " : "")
        let describedAttr = describedBy.isEmpty ? "" : " aria-describedby=\"\(describedBy.trimmingCharacters(in: .whitespaces))\""
        var html = "<div class=\"form-group\" data-question=\"\(Escape.html(errorKey))\" data-type=\"\(q.type.rawValue)\" data-error-id=\"\(errorID)\">\n"

        func input(_ type: String, _ extra: String, cssClass: String = "input") -> String {
            "<input class=\"\(cssClass)\" id=\"\(i)\" name=\"\(n)\" type=\"\(type)\"\(describedAttr)\(extra)>\n"
        }
        func autocomplete(_ fallback: String? = nil) -> String {
            (q.autocomplete ?? fallback).map { " autocomplete=\"\(Escape.html($0))\"" } ?? ""
        }
        func fieldset(_ inner: String) -> String {
            "<fieldset class=\"fieldset\"\(describedAttr)>\n<legend class=\"fieldset__legend\">\(text(q.label))\(optional)</legend>\n\(hint)\(error)\(inner)</fieldset>\n"
        }
        let label = "<label class=\"label\" for=\"\(i)\">\(text(q.label))\(optional)</label>\n"

        switch q.type {
        case .text:
            html += label + hint + error + input("text", autocomplete() + " spellcheck=\"true\"")
        case .textarea:
            html += label + hint + error
            html += "<textarea class=\"textarea\" id=\"\(i)\" name=\"\(n)\" rows=\"5\"\(describedAttr) data-maxlength=\"\(q.maxLength ?? 5000)\"></textarea>\n"
            let count = MessageTemplate.fill(strings["characterCountLimit"] ?? "You can enter up to {max} characters", ["max": String(q.maxLength ?? 5000)])
            html += "<div class=\"character-count\" id=\"\(i)-count\" aria-live=\"polite\">\(Escape.html(count))</div>\n"
        case .email:
            html += label + hint + error + input("email", autocomplete("email") + " spellcheck=\"false\"")
        case .phone:
            html += label + hint + error + input("tel", autocomplete("tel"), cssClass: "input input--width-20")
        case .postcode:
            html += label + hint + error + input("text", autocomplete("postal-code") + " spellcheck=\"false\"", cssClass: "input input--width-10")
        case .registration:
            html += label + hint + error + input("text", " autocomplete=\"off\" spellcheck=\"false\"", cssClass: "input input--width-10 input--upper")
        case .number:
            let mode = q.wholeNumber == true ? "numeric" : "decimal"
            html += label + hint + error + input("text", " inputmode=\"\(mode)\" spellcheck=\"false\"" + autocomplete(), cssClass: "input input--width-10")
        case .time:
            html += label + hint + error + input("text", " spellcheck=\"false\" autocomplete=\"off\"", cssClass: "input input--width-5")
        case .date:
            var inner = "<div class=\"date-input\" id=\"\(i)\">\n"
            for (part, width) in [("day", 2), ("month", 2), ("year", 4)] {
                let partID = "\(i)-\(part)"
                let bday = q.autocomplete == "bday" ? " autocomplete=\"bday-\(part)\"" : ""
                inner += "<div class=\"date-input__item\"><label class=\"label date-input__label\" for=\"\(partID)\">\(t("date" + part.capitalisedFirst))</label>"
                inner += "<input class=\"input input--width-\(width)\" id=\"\(partID)\" name=\"\(n)[\(part)]\" type=\"text\" inputmode=\"numeric\"\(bday)></div>\n"
            }
            inner += "</div>\n"
            html += fieldset(inner)
        case .radios, .yesNo, .checkboxes:
            let options: [Question.Option] = q.type == .yesNo
                ? [.init(value: "yes", label: LocalizedText(["en": "Yes", "cy": "Ie"]), hint: nil, reveal: nil),
                   .init(value: "no", label: LocalizedText(["en": "No", "cy": "Na"]), hint: nil, reveal: nil)]
                : (q.options ?? [])
            let inputType = q.type == .checkboxes ? "checkbox" : "radio"
            var inner = "<div class=\"choices\(q.type == .yesNo ? " choices--inline" : "")\">\n"
            for (k, option) in options.enumerated() {
                let optionID = "\(i)-\(k + 1)"
                let revealID = "\(optionID)-reveal"
                let controls = option.reveal == nil ? "" : " data-reveal=\"\(revealID)\""
                let optionHint = option.hint.map { "<div class=\"hint choices__hint\" id=\"\(optionID)-hint\">\(text($0))</div>" } ?? ""
                inner += "<div class=\"choices__item\"><input class=\"choices__input\" id=\"\(optionID)\" name=\"\(n)\" type=\"\(inputType)\" value=\"\(Escape.html(option.value))\"\(controls)\(option.hint == nil ? "" : " aria-describedby=\"\(optionID)-hint\"")>"
                inner += "<label class=\"label choices__label\" for=\"\(optionID)\">\(text(option.label))</label>\(optionHint)</div>\n"
                if let reveal = option.reveal {
                    inner += "<div class=\"choices__conditional\" id=\"\(revealID)\">\n"
                    inner += "<p class=\"choices__condition\" data-no-js>\(Escape.html(MessageTemplate.fill(strings["revealCondition"] ?? "If you chose “{option}”:", ["option": option.label.text(language)])))</p>\n"
                    for r in reveal {
                        let prefix = name == q.id ? "" : String(name.dropLast(q.id.count + 2))
                        let rName = prefix.isEmpty ? r.id : "\(prefix)[\(r.id)]"
                        let rKey = errorKey.hasSuffix(q.id) ? String(errorKey.dropLast(q.id.count)) + r.id : r.id
                        inner += question(r, name: rName, id: prefix.isEmpty ? "q-\(r.id)" : "\(i)-\(r.id)", errorKey: rKey)
                    }
                    inner += "</div>\n"
                }
            }
            inner += "</div>\n"
            html += fieldset(inner)
        case .select:
            var inner = "<select class=\"select\" id=\"\(i)\" name=\"\(n)\"\(describedAttr)>\n<option value=\"\">\(t("selectChoose"))</option>\n"
            for option in q.options ?? [] { inner += "<option value=\"\(Escape.html(option.value))\">\(text(option.label))</option>\n" }
            inner += "</select>\n"
            html += label + hint + error + inner
        case .area:
            // A plain select that works without JavaScript; forms.js makes it a type-ahead.
            let inner = AreaSelect.html(options: q.options ?? [], groups: q.groups ?? [:], language: language, id: id, name: name,
                                        describedBy: q.hint == nil ? nil : hintID, choose: strings["selectChoose"] ?? "selectChoose")
            html += label + hint + error + inner
        case .address:
            var inner = ""
            let parts: [(String, String, String?)] = [
                ("line1", "addressLine1", "address-line1"), ("line2", "addressLine2", "address-line2"),
                ("town", "addressTown", "address-level2"), ("county", "addressCounty", nil), ("postcode", "addressPostcode", "postal-code"),
            ]
            for (part, key, auto) in parts {
                let partID = "\(i)-\(part)"
                let width = part == "postcode" ? " input--width-10" : (part == "town" || part == "county" ? " input--width-20" : "")
                inner += "<div class=\"form-group form-group--nested\"><label class=\"label\" for=\"\(partID)\">\(t(key))</label>"
                inner += "<input class=\"input\(width)\" id=\"\(partID)\" name=\"\(n)[\(part)]\" type=\"text\"\(auto.map { " autocomplete=\"\($0)\"" } ?? "")></div>\n"
            }
            html += fieldset(inner)
        case .declaration:
            html += hint + error
            html += "<div class=\"choices\"><div class=\"choices__item\"><input class=\"choices__input\" id=\"\(i)\" name=\"\(n)\" type=\"checkbox\" value=\"yes\"\(describedAttr)>"
            html += "<label class=\"label choices__label\" for=\"\(i)\">\(text(q.label))</label></div></div>\n"
        case .file:
            // GOV.UK's file upload: the chooser names the kinds it takes (their types and
            // extensions); what was chosen is listed below it, with a button to remove each.
            let accept = (q.files?.accept ?? []).flatMap { [$0.rawValue] + $0.extensions }.joined(separator: ",")
            html += label + hint + error + input("file", " accept=\"\(Escape.html(accept))\"" + ((q.files?.maxFiles ?? 1) > 1 ? " multiple" : ""), cssClass: "file-upload")
            html += "<ul class=\"file-list\" id=\"\(i)-files\" data-file-list hidden></ul>\n"
        case .content:
            break
        }
        return html + "</div>\n"
    }
}

/// Says in words when a conditional part of a form applies, for the page without JavaScript.
struct ConditionText {
    let form: FormDefinition
    let language: String
    let strings: [String: String]

    func s(_ key: String) -> String { strings[key] ?? key }

    func sentence(_ c: Condition) -> String {
        fill("conditionOnly", ["condition": phrase(c)])
    }

    func label(_ id: String) -> String { form.question(id)?.label.text(language) ?? id }

    func option(_ q: String, _ value: String) -> String {
        if form.question(q)?.type == .yesNo { return value == "yes" ? s("yes") : s("no") }
        return form.question(q)?.options?.first { $0.value == value }?.label.text(language) ?? value
    }

    func fill(_ key: String, _ values: [String: String]) -> String {
        MessageTemplate.fill(s(key), values)
    }

    func phrase(_ c: Condition) -> String {
        switch c {
        case .equals(let q, let v): fill("conditionEquals", ["answer": option(q, v), "question": label(q)])
        case .notEquals(let q, let v): fill("conditionNotEquals", ["answer": option(q, v), "question": label(q)])
        case .isIn(let q, let vs): fill("conditionIn", ["answers": vs.map { "“\(option(q, $0))”" }.joined(separator: s("conditionOr")), "question": label(q)])
        case .contains(let q, let v): fill("conditionContains", ["answer": option(q, v), "question": label(q)])
        case .answered(let q, let yes): fill(yes ? "conditionAnswered" : "conditionNotAnswered", ["question": label(q)])
        case .before(let q, let v): fill("conditionBefore", ["question": label(q), "date": date(v)])
        case .after(let q, let v): fill("conditionAfter", ["question": label(q), "date": date(v)])
        case .all(let cs): cs.map(phrase).joined(separator: s("conditionAnd"))
        case .any(let cs): cs.map(phrase).joined(separator: s("conditionOr"))
        case .not(let inner): fill("conditionNot", ["condition": phrase(inner)])
        }
    }

    func date(_ v: String) -> String {
        guard v != "today", let d = CalendarDate(iso: v) else { return s("today") }
        let months = s("monthNames").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return "\(d.day) \(months.indices.contains(d.month - 1) ? months[d.month - 1] : String(d.month)) \(d.year)"
    }
}

extension String {
    var capitalisedFirst: String { prefix(1).uppercased() + dropFirst() }
}
