import Foundation
import SOHBuild
import SOHModel
import Testing

@Suite("Building sites")
struct BuildOutputTests {
    /// The whole output of the fixture site, byte for byte. Regenerate on purpose with
    /// `SOH_UPDATE_GOLDEN=1 swift test --filter golden` (that run fails, by design: review the
    /// diff with git, then run again without it).
    @Test func goldenOutput() async throws {
        let site = try Fixture()
        try await site.build()
        let golden = Fixture.repositoryRoot.appendingPathComponent("Tests/SOHBuildTests/Golden")
        // Theme scripts and styles are pinned by their SHA-256 in the golden manifests, not copied.
        let actual = Fixture.tree(site.out).filter { !$0.key.contains("/assets/js/") && !$0.key.contains("/assets/site.") }
        if ProcessInfo.processInfo.environment["SOH_UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(at: golden)
            for (path, data) in actual {
                let url = golden.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url)
            }
            // A run that rewrote the golden copy proves nothing about it: it never passes.
            Issue.record("SOH_UPDATE_GOLDEN=1: the golden copy was rewritten from this build; review the diff, then run the tests without it")
        }
        let expected = Fixture.tree(golden)
        #expect(actual.keys.sorted() == expected.keys.sorted())
        for (path, data) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(actual[path] == data, "\(path) differs from the golden copy")
        }
    }

    @Test func sameBytesWhateverTheJobCount() async throws {
        let site = try Fixture()
        let one = site.root.appendingPathComponent("one"), three = site.root.appendingPathComponent("three")
        try await site.build(out: one, jobs: 1)
        try await site.build(out: three, jobs: 3)
        let a = Fixture.tree(one), b = Fixture.tree(three)
        #expect(!a.isEmpty)
        #expect(a == b)
    }

    @Test func pageSetsFollowEachForce() async throws {
        let site = try Fixture()
        let report = try await site.build()
        #expect(report.summary.forces == 3)
        // Welsh pages only for the Welsh force.
        #expect(site.read("public/cymru/cy/index.html") != nil)
        #expect(site.read("public/alpha/cy/index.html") == nil)
        // A force's own page replaces the national one and is added beside them.
        #expect(site.read("public/beta/contact/index.html")?.contains("Our own contact page.") == true)
        #expect(site.read("public/alpha/contact/index.html")?.contains("Our own contact page.") == false)
        #expect(site.read("public/beta/about/index.html") != nil)
        #expect(site.read("public/alpha/about/index.html") == nil)
        // A switched-off service: its page becomes a notice with the reason, and leaves the menus.
        let notice = try #require(site.read("public/beta/events/index.html"))
        #expect(notice.contains("Tell the council instead."))
        #expect(!notice.contains("about events."))
        #expect(site.read("public/beta/index.html")?.contains("href=\"/events/\"") == false)
        #expect(site.read("public/alpha/index.html")?.contains("href=\"/events/\"") == true)
        // A local note on an enabled service.
        #expect(site.read("public/cymru/report/crime/index.html")?.contains("whichever you prefer") == true)
        // Aliases redirect to the page.
        #expect(site.read("public/alpha/crime/index.html")?.contains("url=/report/crime/") == true)
    }

    @Test func placeholdersAreFilledPerForce() async throws {
        let site = try Fixture()
        try await site.build()
        let alpha = try #require(site.read("public/alpha/contact/index.html"))
        #expect(alpha.contains("<title>Contact Alpha Police – Alpha Police</title>"))
        #expect(alpha.contains("<h2 id=\"call\">"), "heading ids do not depend on the force")
        #expect(alpha.contains("Call Alpha Police"))
        #expect(alpha.contains("Textphone: 18001 101."))
        let cymru = try #require(site.read("public/cymru/contact/index.html"))
        #expect(cymru.contains("Call Heddlu Cymru"))
    }

    @Test func forceValuesAreEscaped() async throws {
        var files = Fixture.baseFiles
        files["forces/alpha.yml"] = files["forces/alpha.yml"]!
            .replacingOccurrences(of: "name: Alpha Police", with: "name: \"<script>alert('x')</script> & Co\"")
        let site = try Fixture(files)
        try await site.build()
        let page = try #require(site.read("public/alpha/contact/index.html"))
        #expect(!page.contains("<script>alert"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"))
    }

    @Test func welshTwinsLinkEachOther() async throws {
        let site = try Fixture()
        try await site.build()
        let english = try #require(site.read("public/cymru/index.html"))
        let welsh = try #require(site.read("public/cymru/cy/index.html"))
        #expect(english.contains("<html lang=\"en\">"))
        #expect(welsh.contains("<html lang=\"cy\">"))
        #expect(english.contains("<link rel=\"alternate\" hreflang=\"cy\" href=\"https://www.cymru.example/cy/\">"))
        #expect(welsh.contains("<link rel=\"alternate\" hreflang=\"en\" href=\"https://www.cymru.example/\">"))
        #expect(welsh.contains("<a href=\"/\" hreflang=\"en\" lang=\"en\">English</a>"))
        let sitemap = try #require(site.read("public/cymru/sitemap.xml"))
        #expect(sitemap.contains("<loc>https://www.cymru.example/cy/</loc>"))
        #expect(sitemap.contains("hreflang=\"cy\" href=\"https://www.cymru.example/cy/\""))
    }

    @Test func perForceFiles() async throws {
        let site = try Fixture()
        try await site.build()
        #expect(site.read("public/alpha/robots.txt") == "User-agent: *\nAllow: /\n\nSitemap: https://www.alpha.example/sitemap.xml\n")
        #expect(site.read("public/alpha/404.html")?.contains("Page not found") == true)
        let headers = try #require(site.read("public/alpha/_headers"))
        #expect(headers.contains("script-src 'self'"))
        #expect(headers.contains("form-action 'self' https://api.test.example"))
        let assets = SiteLoader.listDirectory(site.out.appendingPathComponent("alpha/assets"))
        #expect(assets.contains { $0.hasPrefix("brand.") && $0.hasSuffix(".css") })
        #expect(assets.contains { $0.hasPrefix("logo.") && $0.hasSuffix(".svg") })
        // Beta's primary is light: header text must be dark. Its link colour fails and is corrected.
        let betaCSS = try #require(SiteLoader.listDirectory(site.out.appendingPathComponent("beta/assets")).first { $0.hasPrefix("brand.") })
        let css = try #require(site.read("public/beta/assets/\(betaCSS)"))
        #expect(css.contains("--on-brand: #0b0c0c;"))
        #expect(!css.contains("--link: #9999ff;"))
        let manifest = try #require(site.read("public/_manifests/alpha.json"))
        #expect(manifest.contains("\"path\": \"index.html\""))
        #expect(manifest.contains("\"sha256\": \""))
    }

    @Test func stagingUsesItsOwnAddresses() async throws {
        let site = try Fixture()
        try await site.build(env: "staging")
        #expect(site.read("public/alpha/robots.txt")?.contains("https://alpha.staging.test.example/sitemap.xml") == true)
        #expect(site.read("public/alpha/_headers")?.contains("https://api.staging.test.example") == true)
    }

    @Test func contrastWarningsNameTheColour() async throws {
        let site = try Fixture()
        let report = try await site.build()
        let warning = try #require(report.warnings.first { $0.file == "forces/beta.yml" && $0.message.contains("link colour") })
        #expect(warning.line == 7)
        #expect(warning.message.hasPrefix("link colour #9999ff has 2."))
    }

    @Test func buildingSomeForcesLeavesTheOthers() async throws {
        let site = try Fixture()
        try await site.build(forces: ["alpha"])
        #expect(site.read("public/alpha/index.html") != nil)
        #expect(site.read("public/beta/index.html") == nil)
    }
}
