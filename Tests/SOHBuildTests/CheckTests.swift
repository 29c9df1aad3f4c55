import Foundation
import SOHBuild
import SOHCheck
import SOHModel
import Testing

/// Each `soh check` rule, with a fixture that breaks it and the exact finding.
@Suite("soh check rules")
struct CheckTests {
    func findings(_ edit: [String: String] = [:]) async throws -> [String] {
        let site = try Fixture()
        for (path, text) in edit { try site.write(path, text) }
        let found = try await Checker.check(.init(root: site.root))
        return found.map { "\($0.rule) \($0.diagnostic.file):\($0.diagnostic.line):\($0.diagnostic.column) \($0.diagnostic.severity.rawValue): \($0.diagnostic.message) [\($0.forces.joined(separator: ","))]" }
    }

    func page(_ body: String, title: String = "Events", extra: String = "") -> String {
        "---\ntitle: \(title)\ndescription: What is on.\nservice: events\n\(extra)---\n\n\(body)\n"
    }

    @Test func theFixtureHasOnlyItsKnownFindings() async throws {
        let all = try await findings()
        #expect(all.filter { !$0.hasPrefix("i18n/") && !$0.hasPrefix("content/description") && !$0.hasPrefix("contrast/") } == [])
        #expect(all.contains("contrast/link forces/beta.yml:7:9 error: the link colour #9999ff has 2.51:1 contrast on the white page, below 4.5:1 [beta]"))
        #expect(all.contains("contrast/brand-text forces/beta.yml:5:12 error: text on the secondary colour #005ea5 reaches 6.50:1 at best, below 4.5:1 [beta]") == false)
        #expect(all.contains("i18n/welsh-twin content/contact.md:1:1 error: no Welsh version of '/contact/' [cymru]"))
        #expect(all.contains("i18n/stale-translation content/index.cy.md:2:8 warning: the Welsh page does not say which version of content/index.md it translates [cymru]"))
    }

    @Test func routingNeedsAnAreaQuestionAndEveryForceInTheAreasFile() async throws {
        let areas = """
            sources: [{title: Police Act 1996, url: https://www.legislation.gov.uk/}]
            forces:
              alpha: {name: Alpha, code: E23000001, areas: [{name: Alphaville}]}
              cymru: {name: {en: Cymru, cy: Cymru}, code: W15000001, areas: [{name: {en: Cardiff, cy: Caerdydd}}]}

            """
        let crime = Fixture.baseFiles["content/forms/crime.yml"]!
        let scene = crime.replacingOccurrences(of: "pages:\n", with: "entities:\n  scene: {type: location, relationship: incidentLocation}\npages:\n")
            .replacingOccurrences(of: "type: yes-no, label: Is anyone in danger?, name: whether anyone is in danger}",
                                  with: "type: yes-no, fills: none, label: Is anyone in danger?, name: whether anyone is in danger}")
            .replacingOccurrences(of: "hint: Tell us everything., maxLength: 100}", with: "fills: scene.locationDescription, hint: Tell us everything., maxLength: 100}")
            .replacingOccurrences(of: "{id: when, type: date, label: When?, past: true}", with: "{id: when, type: date, fills: none, label: When?, past: true}")
            .replacingOccurrences(of: "{id: person-name, type: text, label: Name}", with: "{id: person-name, type: text, fills: none, label: Name}")
        let all = try await findings(["data/police-areas.yml": areas, "content/forms/crime.yml": scene])
        #expect(all.filter { $0.hasPrefix("routing/") } == [
            "routing/area-question content/forms/crime.yml:1:1 error: form 'crime' records where it happened but asks no area []",
            "routing/areas-file data/police-areas.yml:1:1 error: force 'beta' (forces/beta.yml) has no police area in data/police-areas.yml [beta]",
        ], "\(all)")
        // With an area question, the form passes; without the areas file, the form cannot be built.
        let asked = scene.replacingOccurrences(of: "  - id: people\n", with: "  - id: where\n    title: Where\n    questions:\n      - {id: area, type: area, fills: none, label: Which area?}\n  - id: people\n")
        let fixed = try await findings(["data/police-areas.yml": areas + "  beta: {name: Beta, code: E23000002, areas: [{name: Betatown}]}\n",
                                        "content/forms/crime.yml": asked])
        #expect(fixed.filter { $0.hasPrefix("routing/") } == [], "\(fixed)")
        // And the other way: a police area whose force has no force file sends people nowhere.
        let atlantis = try await findings(["data/police-areas.yml": areas + "  beta: {name: Beta, code: E23000002, areas: [{name: Betatown}]}\n"
                                           + "  atlantis: {name: Atlantis, code: E23000099, areas: [{name: Lost City}]}\n",
                                           "content/forms/crime.yml": asked])
        #expect(atlantis.filter { $0.hasPrefix("routing/") } == [
            "routing/areas-file data/police-areas.yml:6:3 error: police area 'atlantis' has no force file (forces/atlantis.yml) []",
        ], "\(atlantis)")
        await #expect(throws: DiagnosticsError.self) { _ = try await findings(["content/forms/crime.yml": asked]) }
    }

    @Test func rawHTMLLeftOutIsAFindingToo() async throws {
        let all = try await findings(["content/events.md": page("Before.\n\n<div>raw</div>\n\nAfter.")])
        #expect(all.contains("build content/events.md:9:1 warning: raw HTML is left out of the page []"), "\(all)")
    }

    @Test func duplicateIDsAreFoundAndHeadingsNeverTakeTheThemes() async throws {
        // A heading called "Main" gets its own id: the skip link's target stays unique.
        let heading = try await findings(["content/events.md": page("## Main\n\nText.")])
        #expect(!heading.contains { $0.hasPrefix("html/duplicate-id") }, "\(heading)")
        let site = try Fixture()
        try site.write("content/events.md", page("## Main\n\nText."))
        try await site.build()
        #expect(site.read("public/alpha/events/index.html")?.contains("<h2 id=\"main-1\">Main</h2>") == true)
        // Raw HTML (when a site allows it) can still repeat an id: reported at the page.
        var withHTML = Fixture.baseFiles
        withHTML["site.yml"] = (withHTML["site.yml"] ?? "") + "markdown: {allowRawHTML: true}\n"
        let other = try Fixture(withHTML)
        try other.write("content/events.md", page("<p id=\"main\">Raw</p>"))
        let found = try await Checker.check(.init(root: other.root)).filter { $0.rule == "html/duplicate-id" }
        #expect(found.map { "\($0.diagnostic.file):\($0.diagnostic.line) \($0.diagnostic.message) [\($0.forces.joined(separator: ","))]" }
                == ["content/events.md:1 the page '/events/' has more than one element with the id 'main' [alpha,cymru]"])
    }

    @Test func aTranslationGoesStaleWhenTheEnglishChanges() async throws {
        let site = try Fixture()
        let loaded = try SiteLoader.load(root: site.root)
        let hash = try #require(loaded.pages.first { $0.file == "content/index.md" }).translationHash
        try site.write("content/index.cy.md", "---\ntitle: \"{{force.name}}\"\ntranslatedFrom: \(hash)\nneedsReview: true\n---\n\nFfoniwch {{force.contacts.nonEmergency}}.\n")
        func stale() async throws -> [String] {
            try await Checker.check(.init(root: site.root)).filter { $0.rule == "i18n/stale-translation" }
                .map { "\($0.diagnostic.file):\($0.diagnostic.line):\($0.diagnostic.column) \($0.diagnostic.message) | \($0.diagnostic.hint ?? "")" }
        }
        #expect(try await stale() == [])
        // Reordering is not a change a translator needs to follow; new text is.
        try site.write("content/index.md", try #require(site.read("content/index.md")).replacingOccurrences(of: "description: Welcome.", with: "description: Welcome.\norder: 3"))
        #expect(try await stale() == [])
        try site.write("content/index.md", try #require(site.read("content/index.md")) + "\nText 999 if you cannot speak.\n")
        let newHash = try #require(try SiteLoader.load(root: site.root).pages.first { $0.file == "content/index.md" }).translationHash
        #expect(newHash != hash)
        #expect(try await stale() == [
            "content/index.cy.md:3:17 content/index.md has changed since this Welsh page was translated | Bring the Welsh text up to date with the English, then set 'translatedFrom: \(newHash)' in its front matter."
        ])
    }

    @Test func aBadTranslatedFromIsAnError() async throws {
        let site = try Fixture()
        try site.write("content/index.cy.md", "---\ntitle: Hafan\ntranslatedFrom: abc\n---\n\nTestun.\n")
        let diagnostics = await site.failures()
        #expect(diagnostics.map(\.description) == [
            "content/index.cy.md:3:17: error: 'translatedFrom' should be the 16 hex digits soh check gives for the English page\n  hint: Run 'soh check': its i18n/stale-translation warning names the value to set."
        ])
    }

    @Test func aWelshFormNeedsWelshTexts() async throws {
        let all = try await findings([
            "content/report/crime.cy.md": "---\ntitle: Rhoi gwybod am drosedd\ndescription: Dywedwch wrthym.\nservice: crime\n---\n\nTestun.\n",
        ])
        let form = all.filter { $0.hasPrefix("i18n/form-welsh") }
        // The form's title has Welsh; the rest of the fixture's crime form does not.
        #expect(!form.contains { $0.contains("crime.yml:2:") })
        #expect(form.contains("i18n/form-welsh content/forms/crime.yml:5:10 error: 'title' has no Welsh text [cymru]"), "\(form)")
        #expect(form.contains("i18n/form-welsh content/forms/crime.yml:11:46 error: 'label' has no Welsh text [cymru]"), "\(form)")
        #expect(form.contains("i18n/form-welsh content/forms/crime.yml:11:74 error: 'name' has no Welsh text [cymru]"), "\(form)")
    }

    @Test(arguments: [
        ("a broken internal link", "See [the page](/evnts/).",
         "link/internal content/events.md:7:5 error: link to '/evnts/' goes to no page [alpha,cymru]"),
        ("a link to a missing anchor", "See [contact](/contact/#call-us).",
         "link/anchor content/events.md:7:5 error: link to '/contact/#call-us': the page has no heading with the id 'call-us' [alpha,cymru]"),
        ("link text that says nothing", "For details [click here](/contact/).",
         "link/text content/events.md:7:13 error: link text 'click here' does not say where the link goes [alpha,cymru]"),
        ("an image without alt text", "![](/photo.png)",
         "content/image-alt content/events.md:7:1 error: image '/photo.png' has no alternative text [alpha,cymru]"),
        ("an image that does not exist", "![A bike](/images/bike.png)",
         "link/asset content/events.md:7:1 error: '/images/bike.png' is not a file in the site [alpha,cymru]"),
        ("a skipped heading level", "## One\n\n#### Three",
         "content/heading-order content/events.md:9:1 error: heading level 4 follows level 2: a level is skipped [alpha,cymru]"),
        ("an h1 in the body", "# Big",
         "content/heading-order content/events.md:7:1 error: a level 1 heading in the page body; the title is the page's only h1 [alpha,cymru]"),
    ])
    func contentRule(_ name: String, _ body: String, _ expected: String) async throws {
        let all = try await findings(["content/events.md": page(body)])
        #expect(all.contains(expected), "\(name): \(all.filter { $0.contains("events.md") })")
    }

    @Test func aLinkToAPageAForceSwitchedOffIsBrokenForThatForceOnly() async throws {
        // Beta switched 'events' off; a national link to a page of that service breaks on beta.
        let all = try await findings([
            "content/events/more.md": page("More."),
            "content/report/index.md": "---\ntitle: Report\ndescription: What you can report.\n---\n\nSee [more about events](/events/more/).\n",
        ])
        #expect(all.contains("link/internal content/report/index.md:6:5 error: link to '/events/more/' goes to no page [beta]"), "\(all)")
    }

    @Test func duplicateTitlesAndDescriptions() async throws {
        let all = try await findings([
            "content/report/index.md": "---\ntitle: Report a crime\n---\n\nHub.\n",
            "content/contact.md": "---\ntitle: Contact\ndescription: \(String(repeating: "Long words ", count: 20))\n---\n",
        ])
        #expect(all.contains("content/title-unique content/report/index.md:2:8 warning: the title 'Report a crime' is also the title of content/report/crime.md [alpha,beta,cymru]")
                || all.contains("content/title-unique content/report/crime.md:2:8 warning: the title 'Report a crime' is also the title of content/report/index.md [alpha,beta,cymru]"), "\(all)")
        #expect(all.contains { $0.hasPrefix("content/description content/contact.md:2:8 warning: the description is 219 characters") })
        #expect(all.contains("content/description content/report/index.md:2:8 warning: the page has no description [alpha,beta,cymru]"))
    }

    @Test func paletteFailuresSuggestAPassingColour() async throws {
        let all = try await findings(["forces/alpha.yml": Fixture.baseFiles["forces/alpha.yml"]!
            .replacingOccurrences(of: "primary: \"#1d3f6e\"", with: "primary: \"#777777\"")
            .replacingOccurrences(of: "focus: \"#ffdd00\"", with: "focus: \"#333333\"")])
        #expect(all.contains { $0.hasPrefix("contrast/brand-text forces/alpha.yml:7:12 error: text on the primary colour #777777 reaches 4.48:1 at best") })
        #expect(all.contains { $0.hasPrefix("contrast/focus forces/alpha.yml:10:10 error: focused text on the focus colour #333333") })
    }

    @Test func pageWeightBudget() async throws {
        let site = try Fixture()
        try site.write("site.yml", Fixture.baseFiles["site.yml"]! + "budgets:\n  default: 1000\n")
        let found = try await Checker.check(.init(root: site.root))
        let weight = found.filter { $0.rule == "budget/page-weight" }
        #expect(!weight.isEmpty)
        #expect(weight.first?.diagnostic.message.contains("over the budget of 1000") == true)
    }
}
