import Foundation
import SOHBuild
import SOHCheck
import SOHModel
import Testing

/// Dated items (docs/news.md): their front matter, when they are published and when they close,
/// listings, feeds, Welsh twins and syndication.
@Suite("News and appeals")
struct NewsTests {
    static func at(_ text: String) -> Date { NewsDate.parse(text, endOfDay: false)! }

    static let areas = """
        sources:
          - title: Test areas
            url: https://example.org/
        forces:
          alpha:
            name: Alpha
            code: E23000001
            areas:
              - name: Northtown
              - name: Southtown
          beta:
            name: Beta
            code: E23000002
            areas:
              - name: Betaville
          cymru:
            name: Cymru
            code: W15000001
            areas:
              - name: {en: Bridgend, cy: Pen-y-bont ar Ogwr}

        """

    /// The base fixture with a news page (both languages) and its areas.
    func site(_ extra: [String: String] = [:]) throws -> Fixture {
        let site = try Fixture()
        try site.write("data/police-areas.yml", Self.areas)
        try site.write("content/news/index.md", "---\ntitle: News\ndescription: News from {{force.name}}.\n---\n\nCall {{force.contacts.emergency}} in an emergency.\n")
        try site.write("content/news/index.cy.md", "---\ntitle: Newyddion\nslug: newyddion\n---\n\nFfoniwch 999 mewn argyfwng.\n")
        for (path, text) in extra { try site.write(path, text) }
        return site
    }

    static func item(_ title: String, date: String, _ more: String = "") -> String {
        "---\ntitle: \(title)\ndate: \(date)\nsummary: About \(title).\n\(more)---\n\nText of \(title).\n"
    }

    // MARK: Front matter

    @Test(arguments: [
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nsummary: S.\nlayout: page\n---\n",
         "forces/alpha/news/a.md:5:1: error: unknown key 'layout' in an item's front matter\n  hint: Allowed keys: title, draft, aliases, translatedFrom, needsReview, slug, summary, date, expires, kind, image, imageAlt, closed, areas."),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\n---\n",
         "forces/alpha/news/a.md:2:1: error: missing required key 'summary' in an item's front matter\n  hint: Add 'summary: One or two sentences for listings and feeds.'."),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 1 December\nsummary: S.\n---\n",
         "forces/alpha/news/a.md:3:7: error: '1 December' is not a date\n  hint: Write a date as YYYY-MM-DD (a day in the UK), or a time as 2026-12-07T09:30:00Z (ISO 8601 with its offset)."),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nkind: appeal\nsummary: S.\n---\n",
         "forces/alpha/news/a.md:4:1: error: an item of kind 'appeal' needs 'expires'\n  hint: Set 'expires: YYYY-MM-DD', the last day it should be online, so that an out-of-date appeal comes down by itself; set 'closed: true' if it ends sooner."),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nkind: apeal\nsummary: S.\n---\n",
         "forces/alpha/news/a.md:4:7: error: unknown kind 'apeal'\n  hint: Allowed kinds: news, appeal, missing-person, wanted, road-closure, event. Did you mean 'appeal'?"),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nexpires: 2026-11-30\nsummary: S.\n---\n",
         "forces/alpha/news/a.md:4:10: error: it expires before it is published\n  hint: 'expires' is the last day the item is online; make it later than 'date'."),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nsummary: S.\nimage: logo.svg\n---\n",
         "forces/alpha/news/a.md:5:1: error: the image needs 'imageAlt', a description for people who cannot see it\n  hint: Say what the image shows that matters, e.g. 'imageAlt: A man in a grey hooded top at the shop counter'."),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nsummary: S.\nimage: ../logo.svg\nimageAlt: Logo\n---\n",
         "forces/alpha/news/a.md:5:8: error: '../logo.svg' should be the name of an image file beside the item\n  hint: Put the image in the item's folder and give its name, e.g. 'image: appeal-cctv.jpg' (avif, gif, jpeg, jpg, png, svg, webp)."),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nsummary: S.\nimage: gone.png\nimageAlt: Gone\n---\n",
         "forces/alpha/news/a.md:5:8: error: the image 'gone.png' is not there: forces/alpha/news/gone.png does not exist\n  hint: Put the image beside the item, or correct its name."),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nsummary: S.\nareas: [northtwn]\n---\n",
         "forces/alpha/news/a.md:5:9: error: unknown area 'northtwn'\n  hint: Allowed area ids (from data/police-areas.yml): northtown, southtown, betaville, bridgend. Did you mean 'northtown'?"),
        ("forces/alpha/news/a.md", "---\ntitle: A\ndate: 2026-12-01\nsummary: S.\nareas: [betaville]\n---\n",
         "forces/alpha/news/a.md:5:9: error: area 'betaville' is not in the police area of alpha\n  hint: Allowed areas of alpha: northtown, southtown."),
        ("forces/alpha/news/old/a.md", "---\ntitle: A\n---\n",
         "forces/alpha/news/old/a.md:1:1: error: items sit directly in forces/alpha/news/, not in a folder below it\n  hint: Move it up to forces/alpha/news/."),
        ("forces/cymru/news/a.cy.md", "---\ntitle: A\nsummary: S.\n---\n",
         "forces/cymru/news/a.cy.md:1:1: error: the translated item has no English item at '/news/a/'\n  hint: Add the English item beside it: it gives the date, kind and expiry both share."),
    ])
    func badItemsAreRefusedWithTheirPlace(_ path: String, _ text: String, _ expected: String) async throws {
        let site = try site([path: text, "forces/alpha/news/logo.svg": Fixture.logo])
        let failures = await site.failures()
        #expect(failures.map(\.description) == [expected])
        #expect(site.read("public/alpha/index.html") == nil, "nothing was written")
    }

    /// A picture that is a link leading out of the repository is refused, not published.
    @Test func aPictureLinkedFromOutsideTheRepositoryIsRefused() async throws {
        let site = try site(["forces/alpha/news/a.md": Self.item("A", date: "2026-12-01", "image: a.png\nimageAlt: A thing\n")])
        try FileManager.default.createSymbolicLink(atPath: site.root.path + "/forces/alpha/news/a.png", withDestinationPath: "/etc/hostname")
        let failures = await site.failures().map(\.description)
        #expect(failures == ["forces/alpha/news/a.png:1:1: error: 'forces/alpha/news/a.png' points outside the repository (to /etc/hostname)\n  hint: Copy the file into the repository, or link to a file inside it: nothing outside the repository is published."])
        #expect(site.read("public/alpha/index.html") == nil, "nothing was written")
    }

    @Test func aTranslationTakesItsDatesFromTheEnglishAndMayNotContradictThem() async throws {
        let site = try site([
            "forces/cymru/news/a.md": Self.item("Appeal", date: "2026-12-01", "kind: appeal\nexpires: 2026-12-20\nimage: a.png\nimageAlt: A bike\n"),
            "forces/cymru/news/a.cy.md": "---\ntitle: Apêl\nslug: apel\ndate: 2026-12-02\nsummary: Am yr apêl.\n---\n\nTestun.\n",
        ])
        try site.writeBytes("forces/cymru/news/a.png", Array(Data(base64Encoded: Self.png)!))
        #expect(await site.failures().map(\.description) == [
            "forces/cymru/news/a.cy.md:1:1: error: 'date' differs from the English item forces/cymru/news/a.md\n  hint: Leave 'date' out of the translation: it takes it from the English item, so the two never disagree.",
            "forces/cymru/news/a.cy.md:1:1: error: the English item has an image, so the translation needs 'imageAlt' in its own language\n  hint: Describe the image in the translation's language: 'imageAlt: …'.",
        ])
        try site.write("forces/cymru/news/a.cy.md", "---\ntitle: Apêl\nslug: apel\nimageAlt: Beic\nsummary: Am yr apêl.\n---\n\nTestun.\n")
        try await site.build(now: Self.at("2026-12-10"))
        let welsh = try #require(site.read("public/cymru/cy/newyddion/apel/index.html"))
        #expect(welsh.contains("<time datetime=\"2026-12-01\">1 Rhagfyr 2026</time>"))
        #expect(welsh.contains("Apêl</a>") && welsh.contains("alt=\"Beic\""))
        #expect(welsh.contains("<link rel=\"alternate\" hreflang=\"en\" href=\"https://www.cymru.example/news/a/\">"))
        #expect(try #require(site.read("public/cymru/cy/newyddion/math/appeal/index.html")).contains("href=\"/cy/newyddion/apel/\""))
        // Both close together, on the English item's expiry.
        try await site.build(now: Self.at("2026-12-21"))
        #expect(site.read("public/cymru/cy/newyddion/apel/index.html")?.contains("Mae&#39;r apêl hon wedi cau") == true)
    }

    // MARK: Expiry

    @Test func anItemIsScheduledLiveThenClosedAtUKTimes() throws {
        // Summer time: a day starts at 23:00 UTC the evening before.
        let june = try #require(NewsDate.parse("2026-06-10", endOfDay: false))
        #expect(StoreTime.iso(june) == "2026-06-09T23:00:00.000Z")
        let expires = try #require(NewsDate.parse("2026-06-20", endOfDay: true))
        #expect(StoreTime.iso(expires) == "2026-06-20T23:00:00.000Z", "online all of the 20th, UK time")
        let item = NewsFront(
            date: june, dateLocation: .start(of: "x"), expires: expires, expiresLocation: nil, kind: .appeal, kindLocation: .start(of: "x"),
            summary: "S", image: nil, imageLocation: nil, imageAlt: nil, closed: false, areas: [])
        #expect(item.state(at: Self.at("2026-06-09T22:59:59Z")) == .scheduled)
        #expect(item.state(at: Self.at("2026-06-09T23:00:00Z")) == .live)
        #expect(item.state(at: Self.at("2026-06-20T22:59:59Z")) == .live)
        #expect(item.state(at: Self.at("2026-06-20T23:00:00Z")) == .closed)
        var closed = item
        closed.closed = true
        #expect(closed.state(at: Self.at("2026-06-12")) == .closed)
        #expect(NewsDate.parse("2026-02-30", endOfDay: false) == nil)
        #expect(NewsDate.parse("2026-12-07T09:30:00", endOfDay: false) == nil, "a time needs its offset")
    }

    @Test func aClosedAppealIsTakenDownEverywhereAfterALaterBuild() async throws {
        let site = try site([
            "forces/alpha/news/missing.md": Self.item("Have you seen Sam?", date: "2026-12-01", "kind: missing-person\nexpires: 2026-12-14\nimage: sam.png\nimageAlt: Sam, smiling\nareas: [northtown]\n"),
            "forces/alpha/news/later.md": Self.item("Next week", date: "2026-12-20"),
        ])
        try site.writeBytes("forces/alpha/news/sam.png", Array(Data(base64Encoded: Self.png)!))
        let first = try await site.build(now: Self.at("2026-12-07"))
        let page = try #require(site.read("public/alpha/news/missing/index.html"))
        #expect(page.contains("Have you seen Sam?") && page.contains("alt=\"Sam, smiling\""))
        let image = try #require(page.firstMatch(of: /src="(\/assets\/news\/sam\.[0-9a-f]{10}\.png)"/)?.1)
        #expect(site.read("public/alpha\(image)") != nil)
        #expect(page.contains("<meta property=\"og:image\" content=\"https://www.alpha.example\(image)\">"))
        #expect(page.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"))
        #expect(site.read("public/alpha/news/later/index.html") == nil, "not published before its date")
        for listing in ["news/index.html", "news/kind/missing-person/index.html", "news/area/northtown/index.html", "news/feed.xml", "news/feed.json", "sitemap.xml", "index.html"] {
            #expect(site.read("public/alpha/\(listing)")?.contains("/news/missing/") == true, "\(listing)")
        }
        #expect(first.summary.timings.upToDate == false)
        // A day later, nothing has changed: up to date.
        #expect(try await site.build(now: Self.at("2026-12-08")).summary.timings.upToDate)

        // The appeal's expiry passes: its page says so, and nothing else shows it.
        let after = try await site.build(now: Self.at("2026-12-15"))
        #expect(!after.summary.timings.upToDate, "an item closed since the last build")
        let closed = try #require(site.read("public/alpha/news/missing/index.html"))
        #expect(closed.contains("<h1>This appeal has closed</h1>") && closed.contains("<meta name=\"robots\" content=\"noindex\">"))
        #expect(!closed.contains("Sam"), "neither the name nor the picture stays online")
        #expect(site.read("public/alpha\(image)") == nil, "the picture is no longer published")
        for listing in ["news/index.html", "news/kind/missing-person/index.html", "news/area/northtown/index.html", "news/feed.xml", "news/feed.json", "sitemap.xml", "index.html"] {
            #expect(site.read("public/alpha/\(listing)")?.contains("/news/missing/") == false, "\(listing)")
        }
        #expect(site.read("public/alpha/news/kind/missing-person/index.html")?.contains("There is nothing here at the moment.") == true)
        // The rebuild is what a clean build at that time gives.
        let clean = try Fixture.tree(site.out)
        let fresh = try Fixture(Fixture.tree(site.root).filter { !$0.key.hasPrefix("public/") && !$0.key.hasPrefix("themes/") }.mapValues { String(decoding: $0, as: UTF8.self) })
        try fresh.writeBytes("forces/alpha/news/sam.png", Array(Data(base64Encoded: Self.png)!))
        try await fresh.build(now: Self.at("2026-12-15"))
        #expect(Fixture.tree(fresh.out).filter { !$0.key.hasPrefix(".soh-cache") } == clean.filter { !$0.key.hasPrefix(".soh-cache") })
        // The scheduled item appears on its day.
        try await site.build(now: Self.at("2026-12-20"))
        #expect(site.read("public/alpha/news/later/index.html")?.contains("Text of Next week.") == true)
    }

    @Test func checkWarnsAboutAnAppealThatEndsWithinAWeek() async throws {
        let site = try site(["forces/alpha/news/a.md": Self.item("A", date: "2026-12-01", "kind: wanted\nexpires: 2026-12-12\n")])
        var options = Builder.Options(root: site.root)
        options.now = Self.at("2026-12-07")
        let findings = try await Checker.check(options).filter { $0.rule == "news/expiring" }
        #expect(findings.map(\.diagnostic.description) == [
            "forces/alpha/news/a.md:6:10: warning: this appeal comes down at the end of 2026-12-12, in 6 days\n  hint: If it should stay up, set a later 'expires'; if it has ended, set 'closed: true'.",
        ])
        options.now = Self.at("2026-12-01")
        #expect(try await Checker.check(options).filter { $0.rule == "news/expiring" }.isEmpty)
    }

    // MARK: Listings and feeds

    @Test func listingsArePaginatedNewestFirst() async throws {
        var items: [String: String] = [:]
        for day in 1...23 {
            let d = day < 10 ? "0\(day)" : "\(day)"
            items["forces/beta/news/item-\(d).md"] = Self.item("Item \(d)", date: "2026-11-\(d)", day % 2 == 0 ? "kind: event\n" : "")
        }
        let site = try site(items)
        try await site.build(now: Self.at("2026-12-07"))
        func titles(_ path: String) throws -> [String] {
            let html = try #require(site.read("public/beta/\(path)"), "\(path)")
            return html.matches(of: /<h2 class="news-list__title"><a href="[^"]+">(Item \d+)<\/a>/).map { String($0.1) }
        }
        #expect(try titles("news/index.html") == (14...23).reversed().map { "Item \($0)" })
        #expect(try titles("news/page/2/index.html") == (4...13).reversed().map { "Item \($0 < 10 ? "0" : "")\($0)" })
        #expect(try titles("news/page/3/index.html") == ["Item 03", "Item 02", "Item 01"])
        #expect(site.read("public/beta/news/page/4/index.html") == nil)
        let two = try #require(site.read("public/beta/news/page/2/index.html"))
        #expect(two.contains("<title>News (page 2 of 3) – Beta Police</title>") || two.contains("(page 2 of 3)"))
        #expect(two.contains("<a href=\"/news/\" rel=\"prev\">") && two.contains("<a href=\"/news/page/3/\" rel=\"next\">"))
        #expect(two.contains("<a href=\"/news/page/2/\" aria-current=\"page\">2</a>"))
        #expect(!two.contains("Call 999"), "the news page's own text is on its first page only")
        #expect(try titles("news/kind/event/index.html") == stride(from: 22, through: 4, by: -2).map { "Item \($0 < 10 ? "0" : "")\($0)" })
        #expect(try titles("news/kind/event/page/2/index.html") == ["Item 02"])
        #expect(try titles("news/kind/appeal/index.html").isEmpty)
        // The home page shows the latest three.
        let home = try #require(site.read("public/beta/index.html"))
        #expect(home.matches(of: /<h3 class="news-list__title"><a href="[^"]+">(Item \d+)<\/a>/).map { String($0.1) } == ["Item 23", "Item 22", "Item 21"])
        #expect(home.contains("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"News\" href=\"/news/feed.xml\">"))
    }

    @Test func feedsHoldTheLatestTwentyLiveItems() async throws {
        var items: [String: String] = [:]
        for day in 1...22 {
            let d = day < 10 ? "0\(day)" : "\(day)"
            items["forces/beta/news/item-\(d).md"] = Self.item("Item \(d) & <more>", date: "2026-11-\(d)T10:00:00Z", day == 5 ? "kind: appeal\nexpires: 2027-01-01\n" : "")
        }
        let site = try site(items)
        try await site.build(now: Self.at("2026-12-07"))
        let atom = try #require(site.read("public/beta/news/feed.xml"))
        #expect(atom.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">"))
        #expect(atom.contains("<updated>2026-11-22T10:00:00.000Z</updated>\n  <author>"), "the feed's time is its newest item's")
        #expect(atom.components(separatedBy: "<entry>").count - 1 == 20)
        #expect(atom.contains("<title>Item 22 &amp; &lt;more&gt;</title>") && !atom.contains("Item 02"))
        #expect(atom.contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://www.beta.example/news/feed.xml\"/>"))
        let json = try #require(site.read("public/beta/news/feed.json"))
        let feed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(feed["version"] as? String == "https://jsonfeed.org/version/1.1")
        let entries = try #require(feed["items"] as? [[String: Any]])
        #expect(entries.count == 20 && entries.first?["title"] as? String == "Item 22 & <more>")
        #expect(entries.first?["url"] as? String == "https://www.beta.example/news/item-22/")
        let appeals = try #require(site.read("public/beta/news/kind/appeal/feed.json"))
        let appealItems = try #require((try JSONSerialization.jsonObject(with: Data(appeals.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
        #expect(appealItems.map { $0["title"] as? String } == ["Item 05 & <more>"])
        // An empty feed is still a feed.
        let empty = try #require(site.read("public/beta/news/kind/wanted/feed.xml"))
        #expect(empty.contains("<updated>1970-01-01T00:00:00.000Z</updated>") && !empty.contains("<entry>"))
    }

    // MARK: Syndication

    @Test func nationalItemsReachEveryForceUnlessItOptsOutOrTheyAreAboutElsewhere() async throws {
        let site = try site([
            "content/news/everyone.md": Self.item("For everyone", date: "2026-12-01"),
            "content/news/everyone.cy.md": "---\ntitle: I bawb\nslug: i-bawb\nsummary: I bawb.\n---\n\nTestun.\n",
            "content/news/north.md": Self.item("Northtown only", date: "2026-12-02", "areas: [northtown]\n"),
            "content/news/north.cy.md": "---\ntitle: Gogledd\nsummary: Gogledd.\n---\n\nTestun.\n",
        ])
        try site.edit("forces/beta.yml", "id: beta\n", "id: beta\nnationalNews: false\n")
        try await site.build(now: Self.at("2026-12-07"))
        #expect(site.read("public/alpha/news/everyone/index.html") != nil)
        #expect(site.read("public/alpha/news/north/index.html") != nil)
        #expect(site.read("public/alpha/news/area/northtown/index.html")?.contains("/news/north/") == true)
        #expect(site.read("public/beta/news/everyone/index.html") == nil, "beta opted out")
        #expect(site.read("public/beta/news/index.html")?.contains("There is nothing here at the moment.") == true)
        #expect(site.read("public/cymru/cy/newyddion/i-bawb/index.html") != nil)
        #expect(site.read("public/cymru/news/north/index.html") == nil, "not about cymru's area")
    }

    /// Forces of one class render a page once (`SharedRender`): an item about places in two of
    /// them links each force's own area listing, so the two pages differ and are not shared.
    @Test func anItemAboutTwoForcesAreasIsRenderedForEach() async throws {
        let site = try site([
            "content/news/crossing.md": Self.item("Crossing closed", date: "2026-12-01", "kind: road-closure\nareas: [northtown, deltaville]\n"),
            "content/news/crossing.cy.md": "---\ntitle: Croesfan ar gau\nsummary: Ar gau.\n---\n\nTestun.\n",
        ])
        try site.write("data/police-areas.yml", Self.areas.replacingOccurrences(of: "  cymru:\n", with: "  delta:\n    name: Delta\n    code: E23000004\n    areas:\n      - name: Deltaville\n  cymru:\n"))
        try site.write("forces/delta.yml", try #require(site.read("forces/alpha.yml"))
            .replacingOccurrences(of: "id: alpha", with: "id: delta").replacingOccurrences(of: "name: Alpha Police", with: "name: Delta Police")
            .replacingOccurrences(of: "shortName: Alpha", with: "shortName: Delta").replacingOccurrences(of: "www.alpha.example", with: "www.delta.example"))
        try site.write("forces/delta/logo.svg", Fixture.logo)
        try await site.build(now: Self.at("2026-12-07"))
        var options = Builder.Options(root: site.root, out: site.root.appendingPathComponent("direct"))
        options.shareRenders = false
        options.now = Self.at("2026-12-07")
        _ = try await Builder.build(options)
        let shared = Fixture.tree(site.out), direct = Fixture.tree(options.out)
        #expect(shared.keys.filter { !$0.hasPrefix(".soh-cache") }.filter { shared[$0] != direct[$0] }.sorted() == [])
        #expect(site.read("public/alpha/news/crossing/index.html")?.contains("<a href=\"/news/area/northtown/\">Northtown</a> Deltaville") == true)
        #expect(site.read("public/delta/news/crossing/index.html")?.contains("Northtown <a href=\"/news/area/deltaville/\">Deltaville</a>") == true)
    }

    /// A 1×1 PNG.
    static let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
}
