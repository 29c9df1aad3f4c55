import Foundation
import SOHBuild
import SOHModel
import Testing

/// Each bad input gives exactly this diagnostic (file, line, column, message) and writes nothing.
struct BadInput: CustomTestStringConvertible, Sendable {
    var name: String
    var files: [String: String] = [:]
    var remove: [String] = []
    var bytes: [String: [UInt8]] = [:]
    var expected: [String]
    var testDescription: String { name }
}

let alphaColours = """
    colours:
      primary: "#1d3f6e"
      secondary: "#ffdd00"
      link: "#1d4f91"
      focus: "#ffdd00"
    """

let badInputs: [BadInput] = [
    BadInput(name: "unknown key in a force file", files: ["forces/alpha.yml": "id: alpha\nname: Alpha\nbaseURL: https://a.example\ncolour:\n  primary: \"#000000\"\n\(alphaColours)\n"],
             expected: ["forces/alpha.yml:4:1: error: unknown key 'colour' in force file\n  hint: Allowed keys: id, name, shortName, baseURL, languages, logo, colours, contacts, social, services, analytics, nationalNews. Did you mean 'colours'?"]),
    BadInput(name: "wrong type", files: ["forces/alpha.yml": "id: alpha\nname: [Alpha, Police]\nbaseURL: https://a.example\n\(alphaColours)\n"],
             expected: ["forces/alpha.yml:2:7: error: 'name' should be text, found a list\n  hint: Write 'name: text', or 'name: {en: …, cy: …}' for translated text."]),
    BadInput(name: "missing required field", files: ["forces/alpha.yml": "id: alpha\nbaseURL: https://a.example\n\(alphaColours)\n"],
             expected: ["forces/alpha.yml:1:1: error: missing required key 'name' in force file\n  hint: Add 'name: Example Police'."]),
    BadInput(name: "colour written without quotes",
             files: ["forces/alpha.yml": "id: alpha\nname: Alpha\nbaseURL: https://a.example\ncolours:\n  primary: #0b3d91\n  secondary: \"#ffdd00\"\n  link: \"#1d4f91\"\n  focus: \"#ffdd00\"\n"],
             expected: ["forces/alpha.yml:5:3: error: 'primary' in 'colours' has no value\n  hint: In YAML an unquoted '#' begins a comment, so the value was read as nothing: put it in quotes, e.g. primary: \"#1d3f6e\"."]),
    BadInput(name: "misspelt required key in front matter", files: ["content/advice/personal-safety.md": "---\ntitel: Staying safe\n---\n"],
             expected: [
                "content/advice/personal-safety.md:2:1: error: missing required key 'title' in front matter\n  hint: 'titel' (line 2) looks like it: rename it to 'title'.",
                "content/advice/personal-safety.md:2:1: error: unknown key 'titel' in front matter\n  hint: Allowed keys: title, description, layout, order, draft, aliases, service, quickExit, translatedFrom, needsReview, slug. Did you mean 'title'?",
             ]),
    BadInput(name: "required key left out of front matter", files: ["content/advice/personal-safety.md": "---\ndescription: How to stay safe\n---\n"],
             expected: ["content/advice/personal-safety.md:2:1: error: missing required key 'title' in front matter\n  hint: Add 'title: Personal safety'."]),
    BadInput(name: "colour not #rrggbb", files: ["forces/alpha.yml": "id: alpha\nname: Alpha\nbaseURL: https://a.example\ncolours:\n  primary: blue\n  secondary: \"#ffdd00\"\n  link: \"#1d4f91\"\n  focus: \"#fd0\"\n"],
             expected: [
                "forces/alpha.yml:5:12: error: colour 'blue' is not written as #rrggbb\n  hint: Write six hex digits after '#', in quotes: primary: \"#1d3f6e\".",
                "forces/alpha.yml:8:10: error: colour '#fd0' is not written as #rrggbb\n  hint: Write six hex digits after '#', in quotes: focus: \"#1d3f6e\".",
             ]),
    BadInput(name: "force id differs from its file name", files: ["forces/alpha.yml": "id: alfa\nname: Alpha\nbaseURL: https://a.example\n\(alphaColours)\n"],
             expected: ["forces/alpha.yml:1:5: error: force id 'alfa' does not match the file name 'alpha.yml'\n  hint: Set 'id: alpha' or rename the file to 'alfa.yml'; the id is the data.police.uk force id."]),
    BadInput(name: "unknown service id", files: ["forces/alpha.yml": "id: alpha\nname: Alpha\nbaseURL: https://a.example\n\(alphaColours)\nservices:\n  crme: disabled\n"],
             expected: ["forces/alpha.yml:10:3: error: unknown service id 'crme'\n  hint: Allowed service ids (from site.yml): crime, events. Did you mean 'crime'?"]),
    BadInput(name: "two pages with the same address", files: ["content/report/crime/index.md": "---\ntitle: Again\n---\n"],
             expected: ["content/report/crime/index.md:1:1: error: two pages have the same address '/report/crime/': content/report/crime.md and content/report/crime/index.md\n  hint: Keep one of them; 'a.md' and 'a/index.md' both publish at '/a/'."]),
    BadInput(name: "force overriding a locked path", files: ["forces/alpha/content/report/crime.md": "---\ntitle: Local crime\n---\n"],
             expected: ["forces/alpha/content/report/crime.md:1:1: error: forces may not override '/report/crime/': site.yml locks it for national consistency\n  hint: Remove this file; ask the national team if the page needs a local variant."]),
    BadInput(name: "unknown placeholder", files: ["content/events.md": "---\ntitle: Events\nservice: events\n---\n\nTell {{force.nmae}} about it.\n"],
             expected: ["content/events.md:6:6: error: unknown placeholder '{{force.nmae}}'\n  hint: Allowed placeholders: force.id, force.name, force.shortName, force.baseURL, force.contacts.emergency, force.contacts.nonEmergency, force.contacts.textphone, force.contacts.email, force.contacts.address, force.contacts.openingHours, site.name. Did you mean 'force.name'?"]),
    BadInput(name: "placeholder a force does not set", files: ["content/events.md": "---\ntitle: Events\nservice: events\n---\n\nEmail {{force.contacts.email}}.\n"],
             // One error for the place, naming the forces (beta has its own contact page).
             expected: [
                "content/events.md:6:7: error: '{{force.contacts.email}}' has no value on 2 forces: alpha, cymru: their force files do not set 'contacts.email'\n  hint: Set 'contacts.email' in each of those force files, or use a field every force sets.",
             ]),
    BadInput(name: "placeholder one force does not set", files: [
                "content/events.md": "---\ntitle: Events\nservice: events\n---\n\nEmail {{force.contacts.email}}.\n",
                "forces/cymru.yml": "id: cymru\nname: Heddlu Cymru\nbaseURL: https://www.cymru.example\nlanguages: [en, cy]\n\(alphaColours)\ncontacts:\n  textphone: \"18001 101\"\n  email: a@cymru.example\n"],
             expected: [
                "content/events.md:6:7: error: '{{force.contacts.email}}' has no value for force 'alpha': forces/alpha.yml does not set 'contacts.email'\n  hint: Set 'contacts.email' in forces/alpha.yml, or use a field every force sets.",
             ]),
    BadInput(name: "quote never closed", files: ["forces/alpha.yml": "id: alpha\nname: \"Alpha\nbaseURL: https://a.example\n\(alphaColours)\n"],
             expected: ["forces/alpha.yml:2:7: error: YAML syntax error: the quoted text that starts here runs on to line 5; is its closing quote missing? (did not find expected key at line 6)\n  hint: Add the closing quote at the end of the text; a quote inside text in double quotes is written \\\", and inside single quotes ''."]),
    BadInput(name: "quote left open to the end", files: ["content/contact.md": "---\ntitle: Contact\ndescription: 'Call us\n---\n\nText.\n"],
             expected: ["content/contact.md:3:14: error: YAML syntax error: the quoted text that starts here is not closed (found unexpected end of stream at line 3)\n  hint: Add the closing quote at the end of the text; a quote inside text in double quotes is written \\\", and inside single quotes ''."]),
    BadInput(name: "errors in front matter and body at once", files: ["content/contact.md": "---\ntitle: Contact\nordr: 2\n---\n\nCall {{force.nmae}}.\n"],
             expected: [
                "content/contact.md:3:1: error: unknown key 'ordr' in front matter\n  hint: Allowed keys: title, description, layout, order, draft, aliases, service, quickExit, translatedFrom, needsReview, slug. Did you mean 'order'?",
                "content/contact.md:6:6: error: unknown placeholder '{{force.nmae}}'\n  hint: Allowed placeholders: force.id, force.name, force.shortName, force.baseURL, force.contacts.emergency, force.contacts.nonEmergency, force.contacts.textphone, force.contacts.email, force.contacts.address, force.contacts.openingHours, site.name. Did you mean 'force.name'?",
             ]),
    BadInput(name: "a word where a number belongs", files: ["content/contact.md": "---\ntitle: Contact\norder: first\n---\n\nText.\n"],
             expected: ["content/contact.md:3:8: error: 'order' should be a whole number, found 'first'\n  hint: Write digits only, like 'order: 10'."]),
    BadInput(name: "Mustache syntax error", files: ["themes/national/layouts/page.mustache": "{{<base}}\n{{$main}}\n<h1>{{page.title}</h1>\n{{/main}}\n{{/base}}\n"],
             expected: ["themes/national/layouts/page.mustache:3:17: error: template syntax error: a tag is not finished\n  hint: Check that every {{#section}} has a matching {{/section}} and every tag is closed with '}}'."]),
    BadInput(name: "unterminated front matter", files: ["content/contact.md": "---\ntitle: Contact\n\nNo closing line.\n"],
             expected: ["content/contact.md:1:1: error: the front matter is not closed: no second '---' line\n  hint: Add a line with '---' after the last front matter key, before the Markdown."]),
    BadInput(name: "file that is not UTF-8", bytes: ["content/contact.md": Array("---\ntitle: Caf".utf8) + [0xE9] + Array("\n---\n".utf8)],
             expected: ["content/contact.md:2:11: error: the file is not valid UTF-8 text\n  hint: Save it as UTF-8 in your editor (this byte is not UTF-8; the file may be in Windows-1252 or Latin-1)."]),
    BadInput(name: "unknown layout", files: ["content/contact.md": "---\ntitle: Contact\nlayout: pgae\n---\n"],
             expected: ["content/contact.md:3:9: error: unknown layout 'pgae'\n  hint: Allowed layouts: 404, find-force, form, form-confirmation, home, news-closed, news-item, news-list, notice, page, search, section, service, sitemap. Did you mean 'page'?"]),
    BadInput(name: "YAML syntax error", files: ["site.yml": "name: Test\nservices:\n  - id: crime\n   title: bad indent\n"],
             expected: ["site.yml:4:4: error: YAML syntax error: did not find expected '-' indicator (while parsing a block collection)\n  hint: Check the indentation and that text containing ':' or '#' is in quotes."]),
    BadInput(name: "duplicate key", files: ["forces/alpha.yml": "id: alpha\nname: Alpha\nname: Alpha again\nbaseURL: https://a.example\n\(alphaColours)\n"],
             expected: ["forces/alpha.yml:3:1: error: duplicate key 'name' (first used on line 2)\n  hint: Keep one 'name:' and remove the other."]),
    BadInput(name: "YAML anchors refused", files: ["forces/alpha.yml": "id: alpha\nname: &n Alpha\nshortName: *n\nbaseURL: https://a.example\n\(alphaColours)\n"],
             expected: ["forces/alpha.yml:2:7: error: YAML anchors (&name) are not allowed\n  hint: Write each value out in full; anchors and aliases are refused."]),
    BadInput(name: "alias colliding with a page", files: ["content/events.md": "---\ntitle: Events\nservice: events\naliases: [/contact/]\n---\n"],
             expected: [
                "content/events.md:4:11: error: alias '/contact/' is the address of a page\n  hint: Remove the alias; that address already shows a page.",
             ]),
    BadInput(name: "service without a landing page", remove: ["content/events.md"],
             expected: ["site.yml:17:5: error: service 'events' has no landing page at '/events/'\n  hint: Add content/events.md with 'service: events' in its front matter."]),
    BadInput(name: "base URL that is not https", files: ["forces/alpha.yml": "id: alpha\nname: Alpha\nbaseURL: http://a.example\n\(alphaColours)\n"],
             expected: ["forces/alpha.yml:3:10: error: 'baseURL' should be an https:// address, found 'http://a.example'\n  hint: Write the full address, like 'https://www.example.police.uk'."]),
    BadInput(name: "missing interface string", files: ["themes/national/i18n/cy.yml": "languageName: Cymraeg\n"],
             expected: []),  // checked separately: many keys are missing at once
]

@Suite("Diagnostics for bad input")
struct DiagnosticTests {
    @Test(arguments: badInputs.filter { !$0.expected.isEmpty })
    func badInputIsReported(_ input: BadInput) async throws {
        let site = try Fixture()
        try await site.build()
        let before = Fixture.tree(site.out)
        for (path, text) in input.files { try site.write(path, text) }
        for (path, bytes) in input.bytes { try site.writeBytes(path, bytes) }
        for path in input.remove { try site.remove(path) }
        let diagnostics = await site.failures()
        #expect(diagnostics.map(\.description) == input.expected)
        #expect(Fixture.tree(site.out) == before, "a failed build must leave the previous output untouched")
    }

    /// A theme whose templates would render for ever: a circle of partials is refused at load;
    /// a block that includes its own parent stops at the depth limit, and no force is written.
    @Test func endlessTemplatesAreRefused() async throws {
        let site = try Fixture()
        try await site.build()
        let before = Fixture.tree(site.out)
        try site.write("themes/national/partials/a.mustache", "{{> b}}\n")
        try site.write("themes/national/partials/b.mustache", "{{#page.title}}{{> a}}{{/page.title}}\n")
        let circle = await site.failures().map(\.description)
        #expect(circle == [
            "themes/national:1:1: error: the templates include each other in a circle: a → b → a\n  hint: A partial cannot include itself, directly or through other partials.",
        ])
        try site.remove("themes/national/partials/a.mustache")
        try site.remove("themes/national/partials/b.mustache")
        try site.write("themes/national/layouts/page.mustache", "{{<base}}\n{{$main}}{{<base}}{{/base}}{{/main}}\n{{/base}}\n")
        let endless = await site.failures()
        #expect(!endless.isEmpty)
        #expect(endless.allSatisfy { $0.message.contains("the layout 'page' nests partials and blocks more than 64 deep") })
        #expect(Fixture.tree(site.out) == before, "a failed build must leave the previous output untouched")
    }

    @Test func everyProblemIsReportedInOneRun() async throws {
        let site = try Fixture()
        try site.write("forces/alpha.yml", "id: alpha\nnmae: Alpha\n")
        try site.write("content/contact.md", "---\ntitle: Contact\ndraft: maybe\n---\n")
        let diagnostics = await site.failures()
        #expect(diagnostics.map { "\($0.file):\($0.line)" } == [
            "content/contact.md:3", "forces/alpha.yml:1", "forces/alpha.yml:1", "forces/alpha.yml:2",
        ])
        #expect(diagnostics.allSatisfy { $0.severity == .error })
    }

    @Test func missingInterfaceStringsAreNamed() async throws {
        let site = try Fixture()
        try site.write("themes/national/i18n/cy.yml", "languageName: Cymraeg\n")
        let diagnostics = await site.failures()
        #expect(diagnostics.contains { $0.file == "themes/national/i18n/cy.yml" && $0.message == "interface string 'skipLink' is missing in 'cy'" })
    }

    @Test func placeholdersAreCheckedInEveryLanguage() async throws {
        let site = try Fixture()
        // A slip in English's confirmation wording, and a Welsh count that lost its number.
        try site.edit("themes/national/i18n/en.yml", "messageSubject: \"Your report to {force}: {reference}\"",
                      "messageSubject: \"Your report to {force}: {refrence}\"")
        try site.edit("themes/national/i18n/cy.yml", "{n}", "{rhif}")
        let diagnostics = await site.failures()
        let subject = try #require(diagnostics.first { $0.message == "'messageSubject' uses {refrence}, which a confirmation message does not fill" })
        #expect(subject.file == "themes/national/i18n/en.yml" && subject.line > 1 && subject.column > 1)
        #expect(subject.hint?.contains("Did you mean 'reference'?") == true)
        #expect(diagnostics.contains { $0.file == "themes/national/i18n/cy.yml" && $0.message == "'characterCountRemaining' uses {rhif}, which en.yml's 'characterCountRemaining' does not" })
        #expect(diagnostics.contains { $0.file == "themes/national/i18n/cy.yml" && $0.message == "'characterCountRemaining' leaves out {n}, which en.yml's 'characterCountRemaining' has" })
    }

    @Test func unknownForceOnTheCommandLine() async throws {
        let site = try Fixture()
        let diagnostics = await site.failures(forces: ["alpah"])
        #expect(diagnostics.map(\.message) == ["unknown force 'alpah' given to --force"])
        #expect(diagnostics.first?.hint == "Allowed forces: alpha, beta, cymru. Did you mean 'alpha'?")
    }
}

@Suite("Work on every core")
struct ParallelTests {
    @Test func resultsAndDiagnosticsKeepTheInputOrder() {
        let items = Array(0..<500)
        let sink = DiagnosticSink()
        let doubled = Parallel.map(items, sink: sink) { item, sink -> Int in
            if item % 100 == 7 { sink.warning(.start(of: "file\(item).md"), "odd \(item)") }
            return item * 2
        }
        #expect(doubled == items.map { $0 * 2 })
        #expect(sink.all.map(\.message) == ["odd 7", "odd 107", "odd 207", "odd 307", "odd 407"])
    }
}
