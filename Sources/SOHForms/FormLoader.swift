import Foundation
import SOHMarkdown
import SOHModel

/// Reads `content/forms/<id>.yml` strictly into a normalised `FormDefinition`, collecting every
/// problem (unknown keys, duplicate ids, bad types, conditions on later or unknown questions,
/// unreachable pages, an exit page with questions …) with its line and column.
public enum FormLoader {
    static let formKeys = ["id", "title", "version", "confirmation", "entities", "pages", "whenElsewhere", "receipt"]
    static let pageKeys = ["id", "title", "kind", "body", "when", "repeat", "questions"]
    static let questionKeys = [
        "id", "type", "label", "hint", "body", "name", "required", "options", "minLength", "maxLength", "min", "max",
        "wholeNumber", "past", "future", "minAge", "maxAge", "autocomplete", "messages", "fills", "accept", "maxFiles", "maxSize", "maxTotal", "mobile",
    ]
    static let optionKeys = ["value", "label", "hint", "reveal"]
    static let operators = ["equals", "notEquals", "in", "contains", "answered", "before", "after"]

    /// `areas` gives an `area` question its choices; without it (a repository with no
    /// `data/police-areas.yml`) a form with one is refused.
    public static func load(_ text: String, file: String, expectedID: String, languages: [String], areas: PoliceAreas? = nil,
                            sink: DiagnosticSink) -> FormDefinition? {
        let parsed = YAMLParser.parse(text, file: file, sink: sink)
        guard let root = parsed, let map = StrictMapping(root, what: "form definition", allowed: formKeys, sink: sink) else { return nil }
        var loader = Loader(file: file, languages: languages, areas: areas, sink: sink)
        return loader.form(map, expectedID: expectedID)
    }

    struct Loader {
        let file: String
        let languages: [String]
        let areas: PoliceAreas?
        let sink: DiagnosticSink
        var questionIDs: [String: SourceLocation] = [:]
        /// Questions asked before the page being read, with their types (for conditions).
        var earlier: [String: Question.Kind] = [:]
        var earlierOptions: [String: [String]] = [:]
        var repeatQuestions: Set<String> = []
        /// Every question id in the file, read ahead so a condition on a later question is named as such.
        var allIDs: Set<String> = []
        var questionNodes = 0
        /// The page being read, and every question's `fills:` as written (checked once all is read).
        var currentPage = (id: "", repeats: false)
        var fillsWritten: [FillsWritten] = []

        init(file: String, languages: [String], areas: PoliceAreas?, sink: DiagnosticSink) {
            self.file = file
            self.languages = languages
            self.areas = areas
            self.sink = sink
        }

        func html(_ node: YAMLNode?, key: String) -> LocalizedText? {
            guard let node, let text = LocalizedText.read(node, key: key, languages: languages, sink: sink) else { return nil }
            var values: [String: String] = [:]
            for (language, markdown) in text.values {
                values[language] = Markdown.render(markdown, options: .init(taskStates: .language(language))).html
            }
            return LocalizedText(values)
        }

        mutating func form(_ map: StrictMapping, expectedID: String) -> FormDefinition? {
            let id = map.text("id", required: true, example: expectedID) ?? expectedID
            if id != expectedID {
                sink.error(map.valueLocation("id"), "form id '\(id)' does not match the file name '\(expectedID).yml'",
                    hint: "Set 'id: \(expectedID)' or rename the file.")
            }
            let title = map.localized("title", languages: languages, required: true) ?? LocalizedText(id)
            let version = map.int("version", range: 1...100_000) ?? 1
            if !map.has("version") { sink.error(map.location, "missing required key 'version' in form definition", hint: "Add 'version: 1'; raise it when questions change.") }

            var confirmation = FormDefinition.Confirmation(
                title: LocalizedText(Dictionary(uniqueKeysWithValues: languages.map { ($0, $0 == "cy" ? "Anfonwyd" : "Sent") })),
                body: LocalizedText([:]))
            if let c = map.mapping("confirmation", allowed: ["title", "body"], required: true) {
                confirmation.title = c.localized("title", languages: languages, required: true) ?? confirmation.title
                confirmation.body = html(c.value("body"), key: "body") ?? LocalizedText([:])
            }

            allIDs = FormLoader.questionIDs(in: map.value("pages"))
            var pages: [FormPage] = []
            var pageIDs: [String: SourceLocation] = [:]
            var afterUnconditionalExit: SourceLocation?
            for node in map.list("pages", required: true) ?? [] {
                guard let p = StrictMapping(node, what: "form page", allowed: pageKeys, sink: sink) else { continue }
                guard let page = page(p) else { continue }
                if let first = pageIDs[page.id] {
                    sink.error(p.valueLocation("id"), "duplicate page id '\(page.id)' (first on line \(first.line))", hint: "Give each page its own id.")
                }
                pageIDs[page.id] = p.valueLocation("id")
                if let exitAt = afterUnconditionalExit {
                    sink.error(p.location, "page '\(page.id)' can never be reached: the exit page on line \(exitAt.line) has no 'when' and always ends the form",
                        hint: "Give the exit page a 'when' condition, or remove the pages after it.")
                }
                if page.kind == .exit, page.when == nil { afterUnconditionalExit = p.location }
                pages.append(page)
            }
            if pages.isEmpty, map.has("pages") { sink.error(map.valueLocation("pages"), "the form has no pages") }
            if questionNodes == 0 && !pages.isEmpty {
                sink.error(map.location, "the form asks no questions", hint: "Add a page with questions.")
            }
            let messages = ["unknown", "malformed", "notAsked"].reduce(into: [String: LocalizedText]()) { $0[$1] = FormMessages.generic($1, languages: languages) }
            var form = FormDefinition(id: id, version: version, title: title, pages: pages, confirmation: confirmation, messages: messages,
                                      pole: poleMapping(map, pages: pages))
            let areaQuestions = form.allQuestions.filter { $0.question.type == .area }
            if areaQuestions.count > 1 {
                sink.error(map.location, "the form has \(areaQuestions.count) area questions; a report happened in one place",
                    hint: "Keep one 'area' question: it decides which force deals with the report.")
            }
            if let text = map.text("whenElsewhere") {
                if let routing = FormDefinition.Routing(rawValue: text) {
                    form.whenElsewhere = routing
                } else {
                    sink.error(map.valueLocation("whenElsewhere"), "'whenElsewhere' should be 'transfer' or 'notify', found '\(text)'",
                        hint: "transfer: the force for the area gets the report; notify: this force keeps it and the other is told.")
                }
                if areaQuestions.isEmpty {
                    sink.error(map.keyLocation("whenElsewhere"), "'whenElsewhere' needs an 'area' question", hint: "Add a question with 'type: area'.")
                }
            } else if !areaQuestions.isEmpty {
                form.whenElsewhere = .transfer
            }
            if let r = map.mapping("receipt", allowed: ["question", "email", "mobile", "addressee"]) {
                form.receipt = receipt(r, form: form)
            }
            return form
        }

        /// `receipt:` checked: a radios question asked once, whose `email` and `text` options
        /// each have the question that says where to (an email question answered whenever
        /// `email` is chosen; a phone question with `mobile: true`).
        func receipt(_ r: StrictMapping, form: FormDefinition) -> FormDefinition.Receipt? {
            guard let id = r.text("question", required: true, example: "receipt") else { return nil }
            let repeated = Set(form.pages.filter { $0.repeat != nil }.flatMap { $0.questions.flatMap { [$0] + $0.revealed }.map(\.id) })
            func asked(_ key: String, _ id: String, type: Question.Kind) -> Question? {
                guard let q = form.question(id) else {
                    sink.error(r.valueLocation(key), "'\(key)' names '\(id)', which is not a question of this form",
                        hint: Suggestion.hint(for: id, allowed: form.allQuestions.filter { $0.question.type == type }.map(\.question.id), noun: "questions"))
                    return nil
                }
                if q.type != type { sink.error(r.valueLocation(key), "'\(key)' names '\(id)', which is a '\(q.type.rawValue)' question, not '\(type.rawValue)'") }
                if repeated.contains(id) { sink.error(r.valueLocation(key), "'\(id)' is on a repeated page: a confirmation goes to one place") }
                return q
            }
            guard let question = asked("question", id, type: .radios) else { return nil }
            let values = Set(question.options?.map(\.value) ?? [])
            let email = r.text("email"), mobile = r.text("mobile")
            if values.contains("email") != (email != nil) {
                sink.error(r.location, email == nil ? "'\(id)' has an 'email' option and 'receipt' names no 'email' question"
                    : "'receipt' names an 'email' question and '\(id)' has no option with the value 'email'",
                    hint: "The option 'email' sends the confirmation to the answer of the 'email' question.")
            }
            if values.contains("text") != (mobile != nil) {
                sink.error(r.location, mobile == nil ? "'\(id)' has a 'text' option and 'receipt' names no 'mobile' question"
                    : "'receipt' names a 'mobile' question and '\(id)' has no option with the value 'text'",
                    hint: "The option 'text' sends the confirmation to the answer of the 'mobile' question.")
            }
            if let email, let q = asked("email", email, type: .email), !q.required,
               question.options?.first(where: { $0.value == "email" })?.reveal?.contains(where: { $0.id == email }) != true {
                sink.error(r.valueLocation("email"), "'\(email)' may be left unanswered, so an 'email' confirmation could have nowhere to go",
                    hint: "Make it required, or reveal it under the 'email' option.")
            }
            if let mobile, let q = asked("mobile", mobile, type: .phone) {
                if q.mobile != true { sink.error(r.valueLocation("mobile"), "'\(mobile)' must say 'mobile: true': texts go to mobile numbers only") }
                if !q.required || question.options?.first(where: { $0.value == "text" })?.reveal?.contains(where: { $0.id == mobile }) != true {
                    sink.error(r.valueLocation("mobile"), "'\(mobile)' must be required and revealed under the 'text' option",
                        hint: "Put it under the option's 'reveal:', so it is asked exactly when a text is chosen.")
                }
            }
            let name = r.text("addressee")
            if let name { _ = asked("addressee", name, type: .text) }
            return FormDefinition.Receipt(question: id, email: email, mobile: mobile, name: name)
        }

        mutating func page(_ p: StrictMapping) -> FormPage? {
            guard let id = p.text("id", required: true, example: "what-happened") else { return nil }
            if !Identifier.isValid(id) { sink.error(p.valueLocation("id"), "page id '\(id)' should be lower-case letters, digits and hyphens") }
            let title = p.localized("title", languages: languages, required: true) ?? LocalizedText(id)
            var kind = FormPage.Kind.questions
            if let k = p.text("kind") {
                if let parsed = FormPage.Kind(rawValue: k) { kind = parsed } else {
                    sink.error(p.valueLocation("kind"), "unknown page kind '\(k)'",
                        hint: Suggestion.hint(for: k, allowed: ["questions", "exit", "check-answers", "declaration"], noun: "kinds"))
                }
            }
            let when = p.value("when").flatMap { condition($0) }
            var rule: FormPage.Repeat?
            if let r = p.mapping("repeat", allowed: ["min", "max", "itemName"]) {
                let min = r.int("min", range: 0...100) ?? 0
                let max = r.int("max", range: 1...100) ?? 10
                if min > max { sink.error(r.location, "repeat 'min' (\(min)) is more than 'max' (\(max))") }
                let item = r.localized("itemName", languages: languages, required: true) ?? LocalizedText("item")
                rule = FormPage.Repeat(min: min, max: max, itemName: item,
                    messages: FormMessages.repeatMessages(min: min, max: max, item: item, languages: languages))
            }
            var questions: [Question] = []
            currentPage = (id, rule != nil)
            let questionNodes = p.list("questions") ?? []
            self.questionNodes += questionNodes.count
            for node in questionNodes {
                if let q = question(node, inRepeat: rule != nil) { questions.append(q) }
            }
            switch kind {
            case .exit, .checkAnswers:
                if !questionNodes.isEmpty {
                    sink.error(p.keyLocation("questions"), "\(kind == .exit ? "an exit" : "a check-answers") page cannot have questions",
                        hint: kind == .exit ? "An exit page stops the form and says what to do instead; put questions on another page." : "Remove 'questions'; this page lists the answers given.")
                }
                if kind == .exit, !p.has("body") { sink.error(p.location, "an exit page needs a 'body' saying what to do instead", hint: "For example: 'Call 999 now.'") }
            case .questions, .declaration:
                if questionNodes.isEmpty, !p.has("body") {
                    sink.error(p.location, "page '\(id)' has no questions", hint: "Add 'questions:', or make it an exit page.")
                }
                if kind == .declaration, !questions.contains(where: { $0.type == .declaration }) {
                    sink.error(p.location, "a declaration page needs a question of type 'declaration'")
                }
            }
            if rule != nil, kind != .questions { sink.error(p.keyLocation("repeat"), "only question pages can repeat") }
            // Questions of this page become available to later pages' conditions.
            for q in questions where q.takesAnswer {
                for asked in [q] + q.revealed {
                    if rule != nil { repeatQuestions.insert(asked.id) } else {
                        earlier[asked.id] = asked.type
                        earlierOptions[asked.id] = asked.type == .yesNo ? ["yes", "no"] : asked.options?.map(\.value)
                    }
                }
            }
            return FormPage(id: id, kind: kind, title: title, body: html(p.value("body"), key: "body"), when: when,
                            repeat: rule, questions: questions)
        }

        mutating func question(_ node: YAMLNode, inRepeat: Bool) -> Question? {
            guard let m = StrictMapping(node, what: "question", allowed: questionKeys, sink: sink),
                  let id = m.text("id", required: true, example: "full-name") else { return nil }
            if !Identifier.isValid(id) { sink.error(m.valueLocation("id"), "question id '\(id)' should be lower-case letters, digits and hyphens") }
            if let first = questionIDs[id] {
                sink.error(m.valueLocation("id"), "duplicate question id '\(id)' (first on line \(first.line))", hint: "Give each question its own id.")
            }
            questionIDs[id] = m.valueLocation("id")
            guard let typeName = m.text("type", required: true, example: "text") else { return nil }
            guard let type = Question.Kind(rawValue: typeName) else {
                sink.error(m.valueLocation("type"), "unknown question type '\(typeName)'",
                    hint: Suggestion.hint(for: typeName, allowed: Question.Kind.allCases.map(\.rawValue), noun: "types"))
                return nil
            }
            let label = type == .content ? (m.localized("label", languages: languages) ?? LocalizedText("")) :
                (m.localized("label", languages: languages, required: true) ?? LocalizedText(id))
            var q = Question(
                id: id, type: type, label: label, hint: m.localized("hint", languages: languages), body: html(m.value("body"), key: "body"),
                required: m.bool("required") ?? (type != .content), options: nil,
                minLength: m.int("minLength", range: 0...100_000), maxLength: m.int("maxLength", range: 1...100_000),
                min: nil, max: nil, wholeNumber: m.bool("wholeNumber"), dateRule: nil, autocomplete: m.text("autocomplete"), messages: [:])
            if type == .content, !m.has("body") { sink.error(m.location, "a content block needs a 'body'") }
            fillsWritten.append(FillsWritten(question: id, type: type, text: m.text("fills"),
                                             at: m.has("fills") ? m.valueLocation("fills") : m.location,
                                             page: currentPage.id, repeats: currentPage.repeats))
            switch type {
            case .text: q.maxLength = q.maxLength ?? 500
            case .textarea: q.maxLength = q.maxLength ?? 5000
            case .email: q.maxLength = q.maxLength ?? 254; q.autocomplete = q.autocomplete ?? "email"
            case .phone: q.autocomplete = q.autocomplete ?? "tel"
            case .postcode: q.autocomplete = q.autocomplete ?? "postal-code"
            default: break
            }
            for key in ["min", "max"] where m.has(key) {
                guard let text = m.text(key), let value = Double(text) else {
                    sink.error(m.valueLocation(key), "'\(key)' should be a number"); continue
                }
                if type != .number { sink.error(m.keyLocation(key), "'\(key)' applies to number questions only") }
                if key == "min" { q.min = value } else { q.max = value }
            }
            let dateKeys = ["past", "future", "minAge", "maxAge"].filter { m.has($0) }
            if !dateKeys.isEmpty {
                if type != .date { sink.error(m.keyLocation(dateKeys[0]), "'\(dateKeys[0])' applies to date questions only") }
                q.dateRule = Question.DateRule(past: m.bool("past"), future: m.bool("future"),
                                               minAge: m.int("minAge", range: 0...150), maxAge: m.int("maxAge", range: 0...150))
            }
            if m.has("mobile") {
                if type == .phone { q.mobile = m.bool("mobile") } else { sink.error(m.keyLocation("mobile"), "'mobile' applies to phone questions only") }
            }
            let fileKeys = ["accept", "maxFiles", "maxSize", "maxTotal"].filter { m.has($0) }
            if type == .file {
                if inRepeat { sink.error(m.valueLocation("type"), "a 'file' question cannot be on a repeated page", hint: "Ask for files once, on a page of their own.") }
                q.files = files(m)
            } else if let key = fileKeys.first {
                sink.error(m.keyLocation(key), "'\(key)' applies to file questions only")
            }
            if [.radios, .checkboxes, .select].contains(type) {
                q.options = options(m, inRepeat: inRepeat)
                if (q.options ?? []).isEmpty { sink.error(m.location, "a '\(typeName)' question needs 'options'", hint: "Add 'options:' with a 'value' and 'label' for each choice.") }
            } else if m.has("options") {
                sink.error(m.keyLocation("options"), "'options' applies to radios, checkboxes and select questions only")
            }
            if type == .area {
                if inRepeat { sink.error(m.valueLocation("type"), "an 'area' question cannot be on a repeated page", hint: "Ask where it happened once, on a page of its own.") }
                if let areas {
                    q.options = areas.options
                    q.groups = areas.groups
                } else {
                    sink.error(m.valueLocation("type"), "an 'area' question needs the police areas file \(PoliceAreas.file)",
                        hint: "Add \(PoliceAreas.file) (docs/routing.md), or ask for an address instead.")
                }
            }
            var overrides: [String: LocalizedText] = [:]
            if let node = m.value("messages") {
                let allowedCodes = FormMessages.codes(for: type).keys.sorted()
                if let msgs = StrictMapping(node, what: "'messages'", allowed: allowedCodes, sink: sink) {
                    for code in msgs.keys { overrides[code] = msgs.localized(code, languages: languages) }
                }
            }
            q.messages = FormMessages.resolve(q, name: m.localized("name", languages: languages), overrides: overrides, languages: languages)
            return q
        }

        /// A file question's `accept`, `maxFiles`, `maxSize` and `maxTotal`.
        func files(_ m: StrictMapping) -> Question.Files {
            var accept: [MediaType] = []
            if let nodes = m.list("accept") {
                let names = nodes.compactMap { node -> String? in if case .scalar(let text, _) = node.value { text } else { nil } }
                switch MediaType.parse(names) {
                case .success(let kinds): accept = kinds
                case .failure(let unknown):
                    sink.error(m.valueLocation("accept"), "'\(unknown.name)' is not a kind of file soh can recognise",
                        hint: "Use " + MediaType.allCases.map(\.rawValue).joined(separator: ", ") + ", image/* or video/*.")
                }
            } else {
                sink.error(m.location, "a 'file' question needs 'accept'", hint: "For example accept: [image/*, video/*].")
            }
            func size(_ key: String, default value: Int64) -> Int64 {
                guard m.has(key) else { return value }
                guard let text = m.text(key), let bytes = ByteSize.parse(text), bytes <= Question.Files.ceiling else {
                    sink.error(m.valueLocation(key), "'\(key)' should be a size like 20 MB, at most \(ByteSize.shown(Question.Files.ceiling))")
                    return value
                }
                return bytes
            }
            let maxFiles = m.has("maxFiles") ? (m.int("maxFiles", range: 1...20) ?? 1) : Question.Files.defaultMaxFiles
            let maxSize = size("maxSize", default: Question.Files.defaultMaxSize)
            let maxTotal = size("maxTotal", default: maxSize * Int64(maxFiles))
            if maxTotal < maxSize { sink.error(m.valueLocation("maxTotal"), "'maxTotal' should be at least 'maxSize'") }
            return Question.Files(accept: accept, maxFiles: maxFiles, maxSize: maxSize, maxTotal: maxTotal)
        }

        mutating func options(_ m: StrictMapping, inRepeat: Bool) -> [Question.Option] {
            var result: [Question.Option] = []
            for node in m.list("options") ?? [] {
                if case .scalar(let text, _) = node.value {
                    result.append(Question.Option(value: Identifier.slug(text), label: LocalizedText(text), hint: nil, reveal: nil))
                    continue
                }
                guard let o = StrictMapping(node, what: "option", allowed: optionKeys, sink: sink),
                      let value = o.text("value", required: true, example: "yes") else { continue }
                if result.contains(where: { $0.value == value }) { sink.error(o.valueLocation("value"), "duplicate option value '\(value)'") }
                var reveal: [Question]?
                if let nodes = o.list("reveal") {
                    reveal = nodes.compactMap { question($0, inRepeat: inRepeat) }
                    if reveal?.contains(where: { !$0.revealed.isEmpty }) == true {
                        sink.error(o.keyLocation("reveal"), "a revealed question cannot reveal further questions")
                    }
                }
                result.append(Question.Option(value: value, label: o.localized("label", languages: languages, required: true) ?? LocalizedText(value),
                                              hint: o.localized("hint", languages: languages), reveal: reveal))
            }
            return result
        }

        func condition(_ node: YAMLNode) -> Condition? {
            guard case .mapping(let pairs) = node.value else {
                sink.error(node.location, "'when' should be a condition like {question: id, equals: value}",
                    hint: "Combine conditions with 'all', 'any' and 'not'.")
                return nil
            }
            let keys = Set(pairs.map(\.key))
            for combinator in ["all", "any"] where keys.contains(combinator) {
                guard let m = StrictMapping(node, what: "condition", allowed: [combinator], sink: sink),
                      let items = m.list(combinator) else { return nil }
                let list = items.compactMap { condition($0) }
                guard list.count == items.count else { return nil }
                return combinator == "all" ? .all(list) : .any(list)
            }
            if keys.contains("not") {
                guard let m = StrictMapping(node, what: "condition", allowed: ["not"], sink: sink), let inner = m.value("not"),
                      let c = condition(inner) else { return nil }
                return .not(c)
            }
            guard let m = StrictMapping(node, what: "condition", allowed: ["question"] + operators, sink: sink),
                  let q = m.text("question", required: true, example: "an earlier question's id") else { return nil }
            let used = operators.filter { m.has($0) }
            guard used.count == 1, let op = used.first else {
                sink.error(node.location, "a condition needs exactly one of: \(operators.joined(separator: ", "))")
                return nil
            }
            let at = m.valueLocation("question")
            guard let type = earlier[q] else {
                if repeatQuestions.contains(q) {
                    sink.error(at, "a condition cannot use '\(q)': it is on a repeated page", hint: "Conditions can only use questions asked once.")
                } else if questionIDs[q] != nil || allIDs.contains(q) {
                    sink.error(at, "the condition uses '\(q)', which is asked on this page or later",
                        hint: "A page's condition can only use answers from earlier pages.")
                } else {
                    sink.error(at, "the condition uses '\(q)', which is not a question in this form",
                        hint: Suggestion.hint(for: q, allowed: earlier.keys.sorted(), noun: "earlier questions"))
                }
                return nil
            }
            func checkValue(_ value: String, _ valueAt: SourceLocation) {
                if let options = earlierOptions[q], !options.contains(value) {
                    sink.error(valueAt, "'\(value)' is not an option of '\(q)'", hint: Suggestion.hint(for: value, allowed: options, noun: "values"))
                }
            }
            switch op {
            case "equals", "notEquals":
                guard let v = m.text(op) else { return nil }
                checkValue(v, m.valueLocation(op))
                return op == "equals" ? .equals(q, v) : .notEquals(q, v)
            case "in":
                guard let values = m.texts("in") else { return nil }
                for (v, at) in values { checkValue(v, at) }
                return .isIn(q, values.map(\.0))
            case "contains":
                guard let v = m.text("contains") else { return nil }
                if type != .checkboxes { sink.error(m.keyLocation("contains"), "'contains' applies to checkbox questions; '\(q)' is \(type.rawValue)") }
                checkValue(v, m.valueLocation("contains"))
                return .contains(q, v)
            case "answered":
                guard let v = m.bool("answered") else { return nil }
                return .answered(q, v)
            default:
                guard let v = m.text(op) else { return nil }
                if type != .date { sink.error(m.keyLocation(op), "'\(op)' applies to date questions; '\(q)' is \(type.rawValue)") }
                if v != "today", CalendarDate(iso: v) == nil {
                    sink.error(m.valueLocation(op), "'\(v)' is not a date", hint: "Write a date as YYYY-MM-DD, or 'today'.")
                }
                return op == "before" ? .before(q, v) : .after(q, v)
            }
        }
    }

    /// Question ids anywhere below a `pages` node (revealed questions included).
    static func questionIDs(in node: YAMLNode?) -> Set<String> {
        var ids = Set<String>()
        func visit(_ n: YAMLNode, underQuestions: Bool) {
            switch n.value {
            case .mapping(let pairs):
                for pair in pairs {
                    if underQuestions, pair.key == "id", case .scalar(let id, _) = pair.value.value { ids.insert(id) }
                    visit(pair.value, underQuestions: pair.key == "questions" || pair.key == "reveal")
                }
            case .sequence(let items):
                for item in items { visit(item, underQuestions: underQuestions) }
            case .scalar:
                break
            }
        }
        if let node { visit(node, underQuestions: false) }
        return ids
    }

    /// The definition as the JSON the runtime and the API read: keys sorted, so it is deterministic.
    /// Throws rather than give the browser an empty form.
    public static func json(_ form: FormDefinition) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(form)
    }
}
