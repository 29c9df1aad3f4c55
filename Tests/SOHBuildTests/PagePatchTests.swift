import Foundation
@testable import SOHBuild
import SOHModel
import Testing

/// A build after editing only the text of pages puts the new bodies in place without loading
/// the site; the result must be exactly a clean build's, files and build caches alike, and
/// anything else must fall back to an ordinary build.
@Suite("Page text put in place")
struct PagePatchTests {
    struct Outcome {
        var report: Builder.Report
        /// The first build's.
        var first: Builder.Summary
        /// Files (outside `_manifests/`) whose bytes changed in the rebuild, sorted.
        var changed: [String]
        var site: Fixture
        var patched: Int { report.summary.timings.bodiesPatched }
    }

    /// Builds, applies `change`, rebuilds in place, then compares with a clean build of the
    /// changed sources: every file, and each force's build cache apart from file times.
    func rebuild(
        preview: Bool = false, setup: (Fixture) throws -> Void = { _ in }, _ change: (Fixture) throws -> Void
    ) async throws -> Outcome {
        let site = try Fixture()
        try setup(site)
        func build(_ out: URL) async throws -> Builder.Report {
            var options = Builder.Options(root: site.root, out: out)
            options.preview = preview
            return try await Builder.build(options)
        }
        let first = try await build(site.out)
        let before = Fixture.tree(site.out)
        try change(site)
        let report = try await build(site.out)
        let cleanOut = site.root.appendingPathComponent("clean")
        try await build(cleanOut)
        try expectSame(site.out, cleanOut)
        if report.summary.timings.bodiesPatched > 0 {
            // The cache recorded the patched files as they are on disk: nothing is left to do.
            #expect(try await build(site.out).summary.timings.upToDate)
        }
        let after = Fixture.tree(site.out)
        let changed = Set(after.keys).union(before.keys).filter { after[$0] != before[$0] && !$0.hasPrefix("_manifests/") }.sorted()
        return Outcome(report: report, first: first.summary, changed: changed, site: site)
    }

    /// The same files with the same bytes, and the same build caches but for file times.
    func expectSame(_ a: URL, _ b: URL, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let x = Fixture.tree(a), y = Fixture.tree(b)
        let differing = Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.sorted()
        #expect(differing == [], "differs from a clean build", sourceLocation: sourceLocation)
        for force in ["alpha", "beta", "cymru"] {
            let p = BuildCache.load(out: a, force: force), q = BuildCache.load(out: b, force: force)
            #expect(p.isValid && q.isValid, sourceLocation: sourceLocation)
            #expect(p.entries.mapValues { [$0.digest, "\($0.size)", $0.sha256, "\(String(describing: $0.body))"] }
                    == q.entries.mapValues { [$0.digest, "\($0.size)", $0.sha256, "\(String(describing: $0.body))"] },
                    "build cache of \(force)", sourceLocation: sourceLocation)
        }
    }

    static let contact = "---\ntitle: Contact {{force.name}}\ndescription: How to reach {{force.shortName}}.\n---\n\n"

    @Test func editingABodyPutsItInPlace() async throws {
        let outcome = try await rebuild { site in
            try site.write("content/contact.md", Self.contact + "## Write to {{force.name}}\n\nOr call {{force.contacts.textphone}} & ask for *help*.\n")
        }
        #expect(outcome.patched == 1)
        // Alpha and Cymru publish the national page; Beta has its own.
        #expect(outcome.changed == ["alpha/contact/index.html", "cymru/contact/index.html"])
        #expect(outcome.report.summary.rendered == 2)
        #expect(outcome.report.summary.written == 2)
        #expect(outcome.report.summary.pages == outcome.first.pages)
        #expect(outcome.report.summary.unchanged == outcome.first.written - 2)
        let page = try #require(outcome.site.read("public/cymru/contact/index.html"))
        #expect(page.contains("<h2 id=\"write-to\">Write to Heddlu Cymru</h2>"))
        // Nothing changed since: the next build has nothing to do.
        #expect(try await outcome.site.build().summary.timings.upToDate)
    }

    /// A service's landing page: its form's pages and the notice on a force that switched the
    /// service off show only its front matter, so they stay as they are.
    @Test func editingAServicesLandingPage() async throws {
        let outcome = try await rebuild { site in
            try site.write("content/events.md", "---\ntitle: Events\nservice: events\n---\n\nTell {{force.name}} early.\n")
            try site.write("content/report/crime.md", try #require(site.read("content/report/crime.md")) + "\nCall 999 in an emergency.\n")
        }
        #expect(outcome.patched == 2)
        #expect(outcome.changed == ["alpha/events/index.html", "alpha/report/crime/index.html", "beta/report/crime/index.html",
                                    "cymru/events/index.html", "cymru/report/crime/index.html"])
        #expect(outcome.report.summary.rendered == 5)
    }

    @Test func aWelshPageAndAForcesOwnPageAtOnce() async throws {
        let outcome = try await rebuild { site in
            try site.write("content/index.cy.md", "---\ntitle: \"{{force.name}}\"\n---\n\nFfoniwch {{force.contacts.nonEmergency}} neu ewch ar-lein.\n")
            try site.write("forces/beta/content/about.md", "---\ntitle: About Beta\n---\n\nA local page, edited.\n\n- one\n- two\n")
        }
        #expect(outcome.patched == 2)
        #expect(outcome.changed == ["beta/about/index.html", "cymru/cy/index.html"])
    }

    /// Cache lines and manifest entries are changed in place when they keep their length, and
    /// written again whole when they do not.
    @Test(arguments: ["Ring {{force.name}}", "Call {{force.name}} " + String(repeating: "and again ", count: 400)])
    func bodiesThatKeepOrChangeTheirLength(_ text: String) async throws {
        let outcome = try await rebuild { site in
            let old = try #require(site.read("content/contact.md"))
            try site.write("content/contact.md", old.replacingOccurrences(of: "Call {{force.name}}", with: text))
        }
        #expect(outcome.patched == 1)
        #expect(outcome.changed.count == 2)
    }

    /// Changes that only an ordinary build can handle; it gives the same bytes as a clean build.
    @Test(arguments: [
        ("a title", "content/contact.md", contact.replacingOccurrences(of: "Contact {{force.name}}", with: "Reach {{force.name}}") + "Text.\n"),
        ("front matter comment", "content/contact.md", contact.replacingOccurrences(of: "---\n\n", with: "# note\n---\n\n") + "Text.\n"),
        ("raw HTML, which warns", "content/contact.md", contact + "<div>raw</div>\n"),
        ("an empty body", "content/contact.md", contact),
        ("a new page", "content/new.md", "---\ntitle: New\n---\n\nNew.\n"),
        ("a theme string", "themes/national/i18n/en.yml", nil),
    ] as [(String, String, String?)])
    func changesAnOrdinaryBuildMakes(_ what: String, _ file: String, _ text: String?) async throws {
        let outcome = try await rebuild { site in
            try site.write("content/contact.md", Self.contact + "Edited too.\n")
            if let text {
                try site.write(file, text)
            } else {
                try site.write(file, try #require(site.read(file)) + "\n# edited\n")
            }
        }
        #expect(outcome.patched == 0, "\(what)")
        #expect(!outcome.report.summary.timings.upToDate, "\(what)")
    }

    /// A build of some forces (a force previewing its site) records what it built, so the next
    /// build of the same forces is as quick; a build of all forces after it is an ordinary one.
    @Test func buildingSomeForces() async throws {
        let site = try Fixture()
        try await site.build()
        try await site.build(forces: ["cymru", "alpha"])
        #expect(try await site.build(forces: ["alpha", "cymru"]).summary.timings.upToDate)
        try site.write("content/contact.md", Self.contact + "Edited for two forces.\n")
        let patched = try await site.build(forces: ["alpha", "cymru"])
        #expect(patched.summary.timings.bodiesPatched == 1)
        #expect(patched.summary.forces == 2)
        #expect(patched.summary.rendered == 2)
        #expect(try await site.build(forces: ["alpha"]).summary.timings.upToDate == false)
        let all = try await site.build()
        #expect(!all.summary.timings.upToDate && all.summary.timings.bodiesPatched == 0)
        let cleanOut = site.root.appendingPathComponent("clean")
        try await site.build(out: cleanOut)
        try expectSame(site.out, cleanOut)
    }

    @Test func aPlaceholderAForceDoesNotSetIsAnError() async throws {
        let site = try Fixture()
        try await site.build()
        let before = Fixture.tree(site.out)
        try site.write("content/contact.md", Self.contact + "Email {{force.contacts.email}}.\n")
        let errors = await site.failures()
        #expect(errors.map(\.description).contains { $0.contains("content/contact.md:6:7: error: '{{force.contacts.email}}' has no value on 2 forces: alpha, cymru") })
        // Nothing was written.
        #expect(Fixture.tree(site.out) == before)
    }

    /// A cache that no longer lists a page's output (well formed, or not) is not taken to say
    /// that the force does not publish the page.
    @Test(arguments: [true, false])
    func aCacheWithoutThePagesLineMeansAnOrdinaryBuild(_ wellFormed: Bool) async throws {
        let outcome = try await rebuild { site in
            let cache = try #require(site.read("public/.soh-cache/alpha.tsv"))
            let lines = cache.split(separator: "\n", omittingEmptySubsequences: false)
            let kept = lines.filter { !$0.hasPrefix("contact/index.html\t") } + (wellFormed ? [] : ["garbage"])
            #expect(kept.count == lines.count - (wellFormed ? 1 : 0))
            try site.write("public/.soh-cache/alpha.tsv", kept.joined(separator: "\n"))
            try site.write("content/contact.md", Self.contact + "Edited.\n")
        }
        #expect(outcome.patched == 0)
    }

    @Test func anEditedPagesOutputChangedByHandIsRenderedAgain() async throws {
        let outcome = try await rebuild { site in
            try site.write("public/alpha/contact/index.html", "tampered")
            try site.write("content/contact.md", Self.contact + "Edited.\n")
        }
        #expect(outcome.patched == 0)
    }

    /// A build that puts text in place looks only at the files it changes; the next build with
    /// nothing to do checks every output and mends what was changed by hand.
    @Test func theNextBuildWithNothingToDoChecksEveryOutput() async throws {
        let site = try Fixture()
        try await site.build()
        try site.write("public/beta/about/index.html", "tampered")
        try site.write("content/contact.md", Self.contact + "Edited.\n")
        #expect(try await site.build().summary.timings.bodiesPatched == 1)
        let next = try await site.build()
        #expect(!next.summary.timings.upToDate)
        #expect(next.summary.rendered == 1)
        let cleanOut = site.root.appendingPathComponent("clean")
        try await site.build(out: cleanOut)
        try expectSame(site.out, cleanOut)
    }

    /// A theme that shows the body twice, or escaped, has no single place for it.
    @Test(arguments: ["{{{page.content}}}{{{page.content}}}", "{{page.content}}"])
    func aBodyWithoutOnePlaceIsRenderedAgain(_ template: String) async throws {
        let outcome = try await rebuild(setup: { site in
            let layout = "themes/national/layouts/page.mustache"
            try site.write(layout, try #require(site.read(layout)).replacingOccurrences(of: "{{{page.content}}}", with: template))
        }) { site in
            try site.write("content/contact.md", Self.contact + "Edited.\n")
        }
        #expect(outcome.patched == 0)
        #expect(outcome.report.summary.rendered == 2)
    }

    @Test func previewPagesKeepTheirBodyInPlace() async throws {
        let outcome = try await rebuild(preview: true) { site in
            try site.write("content/contact.md", Self.contact + "Edited for the preview.\n")
        }
        #expect(outcome.patched == 1)
        let page = try #require(outcome.site.read("public/alpha/contact/index.html"))
        #expect(page.contains("Edited for the preview.</p>"))
        #expect(page.contains("/_soh/live.js\"></script>\n</body>"))
    }

    /// The record a complete build leaves: what the next build needs to put text in place.
    @Test func theRecordNamesEveryPatchablePage() async throws {
        let site = try Fixture()
        try await site.build()
        let record = try #require(BuildRecord.load(out: site.out))
        #expect(record.pages.keys.sorted() == [
            "content/contact.md", "content/events.md", "content/index.cy.md", "content/index.md", "content/report/crime.md",
            "content/report/index.md", "forces/beta/content/about.md", "forces/beta/content/contact.md",
        ])
        #expect(record.pages["content/index.cy.md"]?.urlPath == "/cy/")
        #expect(record.values["cymru|cy"]?[Placeholder.names.firstIndex(of: "force.name")!] == "Heddlu Cymru")
        #expect(record.values["alpha|en"]?[Placeholder.names.firstIndex(of: "force.contacts.email")!] == .some(nil))
        #expect(record.values["alpha|cy"] == nil)
        #expect(record.files.count == SiteLoader.walk(site.root.appendingPathComponent("content"), within: site.root).count
                + SiteLoader.walk(site.root.appendingPathComponent("forces"), within: site.root).count
                + SiteLoader.walk(site.root.appendingPathComponent("themes"), within: site.root).count + 1)
    }

    @Test func bodyMarksGiveTheBodysPlace() {
        let text = "<h1>\(SharedRender.marker(0))</h1>" + BodyMarks.wrap("<p>\(SharedRender.marker(0))</p>") + "<footer>"
        var filler = Filler(values: ["A & B"])
        let (data, body, unfilled) = MarkedText(text).filled(&filler)
        #expect(unfilled == 0)
        let html = String(decoding: data, as: UTF8.self)
        #expect(html == "<h1>A & B</h1><p>A & B</p><footer>")
        let range = try? #require(body)
        #expect(range.map { String(decoding: data[$0.start..<$0.end], as: UTF8.self) } == "<p>A & B</p>")
        // Twice, escaped, or opened without closing: no single place.
        for bad in [BodyMarks.wrap("x") + BodyMarks.wrap("x"), BodyMarks.wrap("x").replacingOccurrences(of: "&", with: "&amp;"),
                    BodyMarks.openText + "x"] {
            let (out, place, _) = MarkedText.unmarked("<p>" + bad + "</p>")
            #expect(place == nil)
            #expect(!String(decoding: out, as: UTF8.self).contains("\u{E000}"))
        }
        #expect(BodyMarks.wrap("") == "")
        // A value marker without a value (a field missing from the force's values) is counted, not guessed.
        var none = Filler(values: ["only one"])
        #expect(MarkedText("<p>\(SharedRender.marker(3))</p>").filled(&none).unfilled == 1)
        #expect(MarkedText.unmarked("<p>\(SharedRender.marker(0))</p>").unfilled == 1)
    }
}
