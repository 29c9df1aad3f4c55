import Foundation
import SOHForms
import SOHModel

/// A form prepared once for all forces: its normalised JSON (for the runtime and the API) and
/// its static HTML in each language, with the force's submission URL left as a slot.
struct PreparedForm: Sendable {
    var definition: FormDefinition
    var json: Data
    var jsonSHA256: String
    /// `assets/forms/crime.3f2a9c1b0d.json`
    var jsonPath: String
    var html: [String: SlottedText]

    /// Loads every `content/forms/*.yml` and checks that each service's `form` exists.
    /// `pages` are the national pages, for the landing page's address in each language.
    static func loadAll(root: URL, config: SiteConfig, areas: PoliceAreas?, theme: Theme, pages: [PageSource], sink: DiagnosticSink) -> [String: PreparedForm] {
        var forms: [String: PreparedForm] = [:]
        let dir = root.appendingPathComponent("content/forms")
        for name in SiteLoader.listDirectory(dir, within: root, sink: sink) where name.hasSuffix(".yml") {
            let id = String(name.dropLast(4))
            let file = "content/forms/\(name)"
            guard let text = SourceText.read(file, in: root, sink: sink),
                  let definition = FormLoader.load(text, file: file, expectedID: id, languages: config.languages, areas: areas, sink: sink)
            else { continue }
            let json: Data
            do { json = try FormLoader.json(definition) } catch {
                sink.error(.start(of: file), "the form cannot be written as JSON for the browser: \(error)", hint: "Report this: the definition was read but not written.")
                continue
            }
            let sha = Fingerprint.sha256(json)
            forms[id] = PreparedForm(definition: definition, json: json, jsonSHA256: sha, jsonPath: "assets/forms/\(id).\(sha.prefix(10)).json", html: [:])
        }
        for service in config.services {
            guard let id = service.form else { continue }
            guard var form = forms[id] else {
                if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(id).yml").path) {
                    sink.error(service.location, "service '\(service.id)' uses form '\(id)', but content/forms/\(id).yml does not exist",
                        hint: forms.isEmpty ? "Add content/forms/\(id).yml, or remove 'form:' from the service." : Suggestion.hint(for: id, allowed: forms.keys.sorted(), noun: "forms"))
                }
                continue
            }
            for language in config.languages {
                let strings = theme.strings[language] ?? theme.strings["en"] ?? [:]
                // Below the landing page in this language, which a translation may give its own slug.
                let landing = pages.first { $0.key == service.page && $0.language == language }?.urlPath
                    ?? (language == config.defaultLanguage ? service.page : "/\(language)\(service.page)")
                let confirmation = landing + "form/confirmation/"
                form.html[language] = FormHTML(form: form.definition, language: language, strings: strings)
                    .render(definitionURL: "/" + form.jsonPath, confirmationURL: confirmation)
            }
            forms[id] = form
        }
        return forms
    }

    /// The form page and confirmation page of each service with a form, in each language whose
    /// landing page exists; they belong to the service, so they go when a force switches it off.
    static func pages(_ forms: [String: PreparedForm], config: SiteConfig, national: [PreparedPage]) -> [PreparedPage] {
        var pages: [PreparedPage] = []
        for service in config.services {
            guard let id = service.form, let form = forms[id] else { continue }
            for landing in national where landing.key == service.page && landing.origin == .national {
                for (suffix, kind, layout) in [("form/", PreparedPage.Kind.form(id), "form"),
                                               ("form/confirmation/", .formConfirmation(id), "form-confirmation")] {
                    var page = landing
                    page.kind = kind
                    page.layout = layout
                    page.key = service.page + suffix
                    page.urlPath = landing.urlPath + suffix
                    page.file = "content/forms/\(id).yml"
                    page.derivedFrom = landing.file
                    page.title = SlottedText(literal: kind == .form(id) ? form.definition.title.text(landing.language)
                                                                        : form.definition.confirmation.title.text(landing.language))
                    page.description = nil
                    page.body = SlottedText(literal: "")
                    page.headings = []
                    page.links = []
                    page.front.aliases = []
                    page.isSectionIndex = false
                    page.placeholderUses = [:]
                    pages.append(page)
                }
            }
        }
        return pages
    }
}

extension PreparedPage.Kind: Equatable {
    static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.content, .content): true
        case (.serviceNotice(let x, _), .serviceNotice(let y, _)): x == y
        case (.form(let x), .form(let y)), (.formConfirmation(let x), .formConfirmation(let y)): x == y
        case (.newsClosed(let x), .newsClosed(let y)): x == y
        case (.newsListing(let x), .newsListing(let y)): x == y
        default: false
        }
    }
}
