import Foundation
import SOHBuild
import SOHCheck
import SOHModel
import SOHServer
import Testing

/// Welsh twins with their own addresses (`slug:`), and what follows them: language switch,
/// hreflang, breadcrumbs, menus, forms and the API's confirmation address.
@Suite("Welsh addresses")
struct WelshTests {
    static let twins: [String: String] = [
        "content/report/index.cy.md": "---\ntitle: Rhoi gwybod\nslug: rhoi-gwybod\n---\n\nDewiswch wasanaeth.\n",
        "content/report/crime.cy.md": "---\ntitle: Rhoi gwybod am drosedd\nslug: trosedd\nservice: crime\n---\n\nGweler [cysylltu](/cy/contact/).\n",
    ]

    func site() throws -> Fixture {
        let site = try Fixture()
        for (path, text) in Self.twins { try site.write(path, text) }
        return site
    }

    @Test func aTwinIsPublishedAtItsSlug() async throws {
        let site = try site()
        try await site.build()
        let welsh = try #require(site.read("public/cymru/cy/rhoi-gwybod/trosedd/index.html"))
        #expect(site.read("public/cymru/cy/report/crime/index.html") == nil)
        let english = try #require(site.read("public/cymru/report/crime/index.html"))
        // hreflang both ways, and the language switch lands on the twin.
        #expect(english.contains("<link rel=\"alternate\" hreflang=\"cy\" href=\"https://www.cymru.example/cy/rhoi-gwybod/trosedd/\">"))
        #expect(english.contains("<a href=\"/cy/rhoi-gwybod/trosedd/\" hreflang=\"cy\" lang=\"cy\">Cymraeg</a>"))
        #expect(welsh.contains("<a href=\"/report/crime/\" hreflang=\"en\" lang=\"en\">English</a>"))
        // Breadcrumbs go through the Welsh section page at its own address.
        #expect(welsh.contains("href=\"/cy/rhoi-gwybod/\""))
        // The form and its confirmation sit below the Welsh landing page.
        let form = try #require(site.read("public/cymru/cy/rhoi-gwybod/trosedd/form/index.html"))
        #expect(form.contains("data-confirmation=\"/cy/rhoi-gwybod/trosedd/form/confirmation/\""))
        #expect(form.contains("data-language=\"cy\""))
        let sitemap = try #require(site.read("public/cymru/sitemap.xml"))
        #expect(sitemap.contains("<loc>https://www.cymru.example/cy/rhoi-gwybod/trosedd/</loc>"))
        // English-only forces publish no Welsh at all.
        #expect(site.read("public/alpha/cy/rhoi-gwybod/trosedd/index.html") == nil)
    }

    @Test func theAPISendsWelshPostsToTheWelshConfirmationPage() throws {
        let site = try site()
        let catalog = try APICatalog.load(root: site.root, environment: "production")
        #expect(catalog.confirmationPaths["crime"]?["cy"] == "/cy/rhoi-gwybod/trosedd/form/confirmation/")
        #expect(catalog.confirmationPaths["crime"]?["en"] == "/report/crime/form/confirmation/")
    }

    @Test(arguments: [
        ("content/report/crime.md", "---\ntitle: Report a crime\nslug: crime\nservice: crime\n---\n\nText.\n",
         "content/report/crime.md:3:7: error: 'slug' is for translations: the file name gives the address of a en page\n  hint: Rename the file instead, and add the old address to 'aliases'."),
        ("content/report/crime.cy.md", "---\ntitle: Trosedd\nslug: Trosedd Ŵyl\nservice: crime\n---\n\nTestun.\n",
         "content/report/crime.cy.md:3:7: error: slug 'Trosedd Ŵyl' should be lower-case letters a to z, digits and hyphens\n  hint: Leave out accents and spaces, e.g. 'bwrgleriaeth' or 'cadw-yn-ddiogel'."),
        ("content/index.cy.md", "---\ntitle: Hafan\nslug: hafan\n---\n\nTestun.\n",
         "content/index.cy.md:3:7: error: the home page has no slug: it is published at '/cy/'\n  hint: Remove 'slug'."),
    ])
    func badSlugs(_ path: String, _ text: String, _ expected: String) async throws {
        let site = try site()
        try site.write(path, text)
        let diagnostics = await site.failures()
        #expect(diagnostics.map(\.description) == [expected])
    }

    @Test func twoTwinsAtOneAddressAreRefused() async throws {
        let site = try site()
        try site.write("content/events.cy.md", "---\ntitle: Digwyddiadau\nslug: rhoi-gwybod\nservice: events\n---\n\nTestun.\n")
        let diagnostics = await site.failures()
        #expect(diagnostics.map(\.message) == ["two pages have the same address '/cy/rhoi-gwybod/': content/events.cy.md and content/report/index.cy.md"]
            || diagnostics.map(\.message) == ["two pages have the same address '/cy/rhoi-gwybod/': content/report/index.cy.md and content/events.cy.md"])
    }

    /// A Welsh force names itself in Welsh on Welsh pages, also when its pages are rendered once
    /// for a class of Welsh forces.
    @Test func welshPagesUseTheForcesWelshName() async throws {
        let site = try site()
        let cymru = try #require(site.read("forces/cymru.yml"))
            .replacingOccurrences(of: "name: Heddlu Cymru", with: "name: {en: Wales Police, cy: Heddlu Cymru}")
        try site.write("forces/cymru.yml", cymru)
        try site.write("forces/dwyrain.yml", cymru
            .replacingOccurrences(of: "id: cymru", with: "id: dwyrain")
            .replacingOccurrences(of: "name: {en: Wales Police, cy: Heddlu Cymru}", with: "name: {en: East & Wales Police, cy: Heddlu'r Dwyrain}")
            .replacingOccurrences(of: "www.cymru.example", with: "www.dwyrain.example"))
        let report = try await site.build()
        #expect(report.summary.timings.sharedClasses == 1 && report.summary.timings.sharedForces == 2)
        let welsh = try #require(site.read("public/dwyrain/cy/index.html"))
        #expect(welsh.contains("<title>Heddlu&#39;r Dwyrain</title>"))
        #expect(welsh.contains("<span class=\"site-header__name\">Heddlu&#39;r Dwyrain</span>"))
        let english = try #require(site.read("public/dwyrain/index.html"))
        #expect(english.contains("<title>East &amp; Wales Police</title>"))
        // The same bytes as rendering each force on its own.
        let direct = site.root.appendingPathComponent("direct")
        var options = Builder.Options(root: site.root, out: direct)
        options.shareRenders = false
        _ = try await Builder.build(options)
        let a = Fixture.tree(site.out), b = Fixture.tree(direct)
        #expect(a.keys.filter { a[$0] != b[$0] }.sorted() == [])
    }

    @Test func aWelshForceWithoutAWelshNameIsReported() async throws {
        let site = try site()
        let findings = try await Checker.check(.init(root: site.root)).filter { $0.rule == "i18n/force-name" }
        #expect(findings.map { "\($0.diagnostic.file) \($0.forces)" } == ["forces/cymru.yml [\"cymru\"]"])
    }
}
