import Foundation
@testable import SOHBuild
import SOHModel
import Testing

/// A rebuild after a change must give exactly the bytes a clean build of the changed sources
/// gives, and write only the files whose bytes changed.
@Suite("Incremental rebuilds")
struct IncrementalBuildTests {
    struct Outcome {
        var summary: Builder.Summary
        /// Files (outside `_manifests/`) whose bytes changed in the rebuild, sorted.
        var changed: [String]
    }

    /// Builds, applies `change`, rebuilds in place, then builds the changed sources into a fresh
    /// folder and compares the two trees byte for byte.
    func rebuild(setup: (Fixture) throws -> Void = { _ in }, _ change: (Fixture) throws -> Void) async throws -> Outcome {
        let site = try Fixture()
        try setup(site)
        try await site.build()
        let before = Fixture.tree(site.out)
        try change(site)
        let report = try await site.build()
        let incremental = Fixture.tree(site.out)
        let cleanOut = site.root.appendingPathComponent("clean")
        try await site.build(out: cleanOut)
        let clean = Fixture.tree(cleanOut)
        let differing = Set(incremental.keys).union(clean.keys).filter { incremental[$0] != clean[$0] }.sorted()
        #expect(differing == [], "incremental output differs from a clean build")
        for path in differing.prefix(1) where path.hasSuffix(".html") {
            let a = String(decoding: incremental[path] ?? Data(), as: UTF8.self).split(separator: "\n")
            let b = String(decoding: clean[path] ?? Data(), as: UTF8.self).split(separator: "\n")
            for (x, y) in zip(a, b) where x != y { print("DIFF \(path)\n  incremental: \(x)\n  clean:       \(y)") }
        }
        let changed = Set(incremental.keys).union(before.keys)
            .filter { incremental[$0] != before[$0] && !$0.hasPrefix("_manifests/") }.sorted()
        return Outcome(summary: report.summary, changed: changed)
    }

    /// The fixture with a national site, the areas file and an area question on the crime form:
    /// pages of one site that show what another decides (the finder lists every force; each
    /// confirmation page names the force a report was sent to).
    static let areas = """
        sources: [{title: Police Act 1996, url: https://www.legislation.gov.uk/}]
        forces:
          alpha: {name: Alpha, code: E23000001, areas: [{name: Alphaville}]}
          beta: {name: Beta, code: E23000002, areas: [{name: Betatown}]}
          cymru: {name: Cymru, code: W15000001, areas: [{name: {en: Cardiff, cy: Caerdydd}}]}

        """

    static func withNationalSite(_ site: Fixture) throws {
        let crime = Fixture.baseFiles["content/forms/crime.yml"]!.replacingOccurrences(
            of: "  - id: people\n", with: "  - id: where\n    title: Where\n    questions:\n      - {id: area, type: area, label: Which area?}\n  - id: people\n")
        let national = "national:\n  id: national\n  name: National\n  colours: {primary: \"#1d3557\", secondary: \"#a8dadc\", link: \"#1d70b8\", focus: \"#ffdd00\"}\n"
            + "  contacts: {emergency: \"999\", nonEmergency: \"101\", textphone: \"18001 101\"}\n"
        try site.write("data/police-areas.yml", areas)
        try site.write("content/forms/crime.yml", crime)
        try site.write("site.yml", Fixture.baseFiles["site.yml"]! + national)
        try site.write("national/content/find-your-force.md", "---\ntitle: Find your force\nlayout: find-force\n---\n\nChoose.\n")
        // News and search: listings, feeds and index chunks are made from other pages.
        try site.write("content/news/index.md", "---\ntitle: News\n---\n\nLatest.\n")
        try site.write("content/news/index.cy.md", "---\ntitle: Newyddion\nslug: newyddion\n---\n\nDiweddaraf.\n")
        try site.write("content/search.md", "---\ntitle: Search\nlayout: search\n---\n\nOr call.\n")
        try site.write("content/news/shared.md", "---\ntitle: For everyone\ndate: 2020-02-01\nkind: event\nareas: [cardiff]\nsummary: All.\n---\n\nText.\n")
        try site.write("content/news/shared.cy.md", "---\ntitle: I bawb\nslug: i-bawb\nsummary: Pawb.\n---\n\nTestun.\n")
        try site.write("forces/alpha/news/first.md", "---\ntitle: First appeal\ndate: 2020-01-01\nexpires: 2099-12-31\nkind: appeal\nareas: [alphaville]\nsummary: The first.\n---\n\nText.\n")
    }

    /// One edit of each kind a content editor or a force's team makes.
    static let edits: [(String, @Sendable (Fixture) throws -> Void)] = [
        ("force name", { site in try site.edit("forces/alpha.yml", "name: Alpha Police", "name: Alpha Constabulary") }),
        ("force contact number", { site in try site.edit("forces/alpha.yml", "  textphone: \"18001 101\"", "  textphone: \"18001 101\"\n  nonEmergency: \"0300 123 4567\"") }),
        ("force colours", { site in try site.edit("forces/alpha.yml", "primary: \"#1d3f6e\"", "primary: \"#0b3d91\"") }),
        ("logo", { site in try site.write("forces/alpha/logo.svg", Fixture.logo.replacingOccurrences(of: "</svg>", with: "<!-- new --></svg>")) }),
        ("page title", { site in try site.edit("content/report/crime.md", "title: Report a crime", "title: Report a crime online") }),
        ("page body", { site in try site.write("content/events.md", "---\ntitle: Events\nservice: events\n---\n\nTell {{force.shortName}} early.\n") }),
        ("page front matter", { site in try site.write("content/events.md", "---\ntitle: Events\ndescription: Marches too.\nservice: events\n---\n\nTell us.\n") }),
        ("page added", { site in try site.write("content/report/lost.md", "---\ntitle: Lost property\n---\n\nHand it in.\n") }),
        ("page removed", { site in try site.remove("content/contact.md") }),
        ("layout", { site in try site.edit("themes/national/layouts/notice.mustache", "{{/main}}", "<p>Edited.</p>\n{{/main}}") }),
        ("partial", { site in try site.edit("themes/national/partials/footer.mustache", "</footer>", "<!-- edited --></footer>") }),
        ("interface strings", { site in try site.edit("themes/national/i18n/en.yml", "skipLink: Skip to main content", "skipLink: Skip to the content") }),
        ("site.yml", { site in try site.edit("site.yml", "name: Test Home", "name: Test Home Online") }),
        ("areas file", { site in try site.write("data/police-areas.yml", areas.replacingOccurrences(of: "{name: Alphaville}", with: "{name: Alphaville, also: [Alphaport]}")) }),
        ("form definition", { site in try site.edit("content/forms/crime.yml", "label: What happened?", "label: What happened to you?") }),
        ("national/", { site in try site.write("national/content/find-your-force.md", "---\ntitle: Find your force\nlayout: find-force\n---\n\nChoose an area.\n") }),
        ("news item added", { site in try site.write("forces/alpha/news/second.md", "---\ntitle: Second\ndate: 2021-01-01\nsummary: The second.\n---\n\nMore.\n") }),
        ("news item edited", { site in try site.edit("forces/alpha/news/first.md", "summary: The first.", "summary: The first, edited.") }),
        ("news item closed", { site in try site.edit("forces/alpha/news/first.md", "kind: appeal\n", "kind: appeal\nclosed: true\n") }),
        ("national Welsh item's text", { site in try site.edit("content/news/shared.cy.md", "Testun.", "Testun newydd.") }),
        ("news item removed", { site in try site.remove("forces/alpha/news/first.md") }),
    ]

    /// Every kind of edit, built into the kept output, gives every file a clean build gives
    /// (`rebuild` compares the two trees), and changes something.
    @Test(arguments: edits.map(\.0))
    func everyKindOfEditGivesWhatACleanBuildGives(_ kind: String) async throws {
        let edit = try #require(Self.edits.first { $0.0 == kind }?.1)
        let outcome = try await rebuild(setup: Self.withNationalSite, edit)
        #expect(!outcome.changed.isEmpty, "\(kind) changed nothing")
        #expect(outcome.summary.written >= outcome.changed.count - outcome.summary.removed, "\(kind)")
    }

    /// The names of the forces are on other sites' pages: a renamed force is renamed there too.
    @Test func aRenamedForceIsRenamedOnEverySiteThatNamesIt() async throws {
        let outcome = try await rebuild(setup: Self.withNationalSite) { site in
            try site.edit("forces/alpha.yml", "name: Alpha Police", "name: Alpha Constabulary")
        }
        #expect(outcome.changed.contains("national/find-your-force/index.html"), "\(outcome.changed)")
        #expect(outcome.changed.contains { $0.hasPrefix("beta/") && $0.contains("/confirmation/") }, "\(outcome.changed)")
    }

    /// The areas file and the national site's folder are inputs like any other: a town added to
    /// an area changes the form of every force, a national page changes the national site.
    @Test func theAreasFileAndTheNationalFolderAreSeen() async throws {
        let areas = """
            sources: [{title: Police Act 1996, url: https://www.legislation.gov.uk/}]
            forces:
              alpha: {name: Alpha, code: E23000001, areas: [{name: Alphaville}]}
              beta: {name: Beta, code: E23000002, areas: [{name: Betatown}]}
              cymru: {name: Cymru, code: W15000001, areas: [{name: {en: Cardiff, cy: Caerdydd}}]}

            """
        let crime = Fixture.baseFiles["content/forms/crime.yml"]!.replacingOccurrences(
            of: "  - id: people\n", with: "  - id: where\n    title: Where\n    questions:\n      - {id: area, type: area, label: Which area?}\n  - id: people\n")
        let national = "national:\n  id: national\n  name: National\n  colours: {primary: \"#1d3557\", secondary: \"#a8dadc\", link: \"#1d70b8\", focus: \"#ffdd00\"}\n"
            + "  contacts: {emergency: \"999\", nonEmergency: \"101\", textphone: \"18001 101\"}\n"
        let setup = { (site: Fixture) in
            try site.write("data/police-areas.yml", areas)
            try site.write("content/forms/crime.yml", crime)
            try site.write("site.yml", Fixture.baseFiles["site.yml"]! + national)
            try site.write("national/content/find-your-force.md", "---\ntitle: Find your force\nlayout: find-force\n---\n\nChoose.\n")
        }
        let town = try await rebuild(setup: setup) { site in
            try site.write("data/police-areas.yml", areas.replacingOccurrences(of: "{name: Alphaville}", with: "{name: Alphaville, also: [Alphaport]}"))
        }
        #expect(town.changed.contains("alpha/report/crime/form/index.html") && town.changed.contains("beta/report/crime/form/index.html"), "\(town.changed)")
        let page = try await rebuild(setup: setup) { site in
            try site.write("national/content/find-your-force.md", "---\ntitle: Find your force\nlayout: find-force\n---\n\nChoose an area.\n")
        }
        #expect(page.changed == ["national/find-your-force/index.html"], "\(page.changed)")
    }

    @Test func nothingChangedDoesNothing() async throws {
        let outcome = try await rebuild { _ in }
        #expect(outcome.summary.rendered == 0)
        #expect(outcome.summary.written == 0)
        #expect(outcome.changed == [])
        // Found without loading anything: the inputs' digest matched the last build's.
        #expect(outcome.summary.timings.upToDate)
        #expect(outcome.summary.pages > 0 && outcome.summary.unchanged > outcome.summary.pages)
    }

    /// `--clean` trusts no record of earlier builds: everything is rendered and compared with the
    /// output (nothing differs here, so nothing is written), and the records are written afresh.
    @Test func aCleanBuildTrustsNoCache() async throws {
        let site = try Fixture()
        try await site.build()
        let good = Fixture.tree(site.out)
        var options = Builder.Options(root: site.root, out: site.out)
        options.clean = true
        let clean = try await Builder.build(options).summary
        #expect(!clean.timings.upToDate && clean.rendered == clean.pages && clean.pages > 0 && clean.written == 0)
        #expect(Fixture.tree(site.out) == good)
        #expect(try await site.build().summary.timings.upToDate, "the caches were written afresh")
    }

    /// An output file damaged behind the caches' back (same size, same modification time) is
    /// seen and written again by an ordinary rebuild.
    @Test func damagedOutputIsWrittenAgain() async throws {
        let site = try Fixture()
        try await site.build()
        let good = Fixture.tree(site.out)
        let page = try #require(good.keys.sorted().first { $0.hasSuffix("contact/index.html") })
        let url = site.out.appendingPathComponent(page)
        let stamp = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date)
        try Data(repeating: UInt8(ascii: "x"), count: good[page]!.count).write(to: url)
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: url.path)
        let report = try await site.build().summary
        #expect(!report.timings.upToDate && report.written == 1)
        #expect(Fixture.tree(site.out) == good)
    }

    @Test func savingAFileWithoutChangingItIsNotAChange() async throws {
        let outcome = try await rebuild { site in
            let text = try #require(site.read("content/contact.md"))
            try site.write("content/contact.md", text)
        }
        #expect(outcome.summary.timings.upToDate)
    }

    /// A file whose stamp (size, times, inode) is the one recorded is not read again, but a file
    /// rewritten with the same size and its old modification time is: its change time moved.
    @Test func aFileChangedBehindItsTimesIsStillSeen() async throws {
        let site = try Fixture()
        try await site.build()
        // As if the last build had begun a minute later: every input counts as settled.
        var index = try #require(InputIndex.load(out: site.out))
        #expect(index.stamps["content/contact.md"] != nil)
        index.hashedAt = FileStamp.now() + 60_000_000_000
        try index.save(out: site.out, forces: index.forces, warnings: index.warnings)
        #expect(try await site.build().summary.timings.upToDate)

        let file = site.root.appendingPathComponent("content/contact.md")
        let old = try #require(site.read("content/contact.md"))
        let time = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date)
        try site.write("content/contact.md", old.replacingOccurrences(of: "Call", with: "Ring"))
        try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: file.path)
        let report = try await site.build()
        #expect(!report.summary.timings.upToDate)
        #expect(report.summary.written == 2)
        #expect(try #require(site.read("public/alpha/contact/index.html")).contains("Ring Alpha Police"))
        #expect(FileStamp(size: 1, mtime: 0, ctime: 0, inode: 1).isSettled(before: 2_000_000_001))
        #expect(!FileStamp(size: 1, mtime: 0, ctime: 1, inode: 1).isSettled(before: 2_000_000_001))
    }

    @Test func anUpToDateBuildReportsTheLastBuildsWarnings() async throws {
        let site = try Fixture()
        try site.write("content/contact.md", "---\ntitle: Contact\n---\n\n<div class=\"x\">raw\tHTML</div>\n\nText.\n")
        let first = try await site.build()
        let again = try await site.build()
        #expect(!first.warnings.isEmpty)
        #expect(again.summary.timings.upToDate)
        #expect(again.warnings == first.warnings)
    }

    @Test func theWalkListsEveryVisibleFile() throws {
        for folder in ["content", "forces", "themes"] {
            let dir = Fixture.repositoryRoot.appendingPathComponent(folder)
            // The same listing through Foundation, which asks of every entry whether it is a folder.
            var expected: [String] = []
            let enumerator = try #require(FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles]))
            for case let url as URL in enumerator where try url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory == false {
                expected.append(String(url.standardizedFileURL.path.dropFirst(dir.standardizedFileURL.path.count + 1)))
            }
            #expect(SiteLoader.walk(dir, within: dir) == expected.sorted(), "\(folder)")
        }
        #expect(CacheFile.number(Array("1795000000123456789".utf8)[...]) == 1_795_000_000_123_456_789)
        #expect(CacheFile.number(Array("-42".utf8)[...]) == -42)
        for bad in ["", "-", "12a", "99999999999999999999"] { #expect(CacheFile.number(Array(bad.utf8)[...]) == nil) }
    }

    @Test func theRecordKeepsAwkwardWarningsIntact() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("soh-record-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let warnings = [
            Diagnostic(.warning, "content/a b.md", line: 3, column: 4, "a tab\there, a line\nbreak, a back\\slash\\t", hint: ""),
            Diagnostic(.warning, "forces/kent.yml", line: 1, column: 1, "no hint", hint: nil),
        ]
        var index = InputIndex(digest: String(repeating: "b", count: 64), hashedAt: 1_795_000_000_123_456_789)
        index.hashes = ["content/a\tb.md": "1", "content/new\nline\\.md": "2", "site.yml": "unreadable"]
        index.stamps = ["content/a\tb.md": FileStamp(size: 3, mtime: -4, ctime: 5, inode: 6)]
        try index.save(out: out, forces: ["alpha", "beta"], warnings: warnings)
        let back = try #require(InputIndex.load(out: out))
        #expect(back.digest == index.digest)
        #expect(back.hashedAt == index.hashedAt)
        #expect(back.forces == ["alpha", "beta"])
        #expect(back.warnings == warnings)
        #expect(back.hashes == index.hashes)
        #expect(back.stamps == index.stamps)
        // One record out of place and the whole index is unreadable.
        let file = InputIndex.url(out: out).path
        let text = try String(contentsOfFile: file, encoding: .utf8)
        for broken in [text.replacingOccurrences(of: "\nF\t", with: "\nX\t"), String(text.dropLast()),
                       text.replacingOccurrences(of: InputIndex.header, with: "soh inputs 3"),
                       text.replacingOccurrences(of: "\t3\t-4\t", with: "\tthree\t-4\t")] {
            try broken.write(toFile: file, atomically: false, encoding: .utf8)
            #expect(InputIndex.load(out: out) == nil)
        }
    }

    @Test func buildingSomeForcesOnlyIsNotACompleteBuild() async throws {
        let site = try Fixture()
        try await site.build()
        try site.write("content/events.md", "---\ntitle: Events\nservice: events\n---\n\nChanged.\n")
        try await site.build(forces: ["alpha"])
        // Cymru still shows the old page, so the next build must look at every force (Beta shows
        // a notice, which does not show the landing page's body).
        let full = try await site.build()
        #expect(!full.summary.timings.upToDate)
        #expect(full.summary.written == 1, "Cymru's page")
    }

    @Test func aChangedOptionOrACorruptRecordMeansAnOrdinaryBuild() async throws {
        let site = try Fixture()
        try await site.build()
        #expect(try await site.build().summary.timings.upToDate)
        #expect(try await site.build(env: "staging").summary.timings.upToDate == false)
        try await site.build()
        let a = String(repeating: "a", count: 64), b = String(repeating: "b", count: 64)
        for garbage in ["", "soh inputs 1\nshort\n\n", "soh inputs 1\n\(a)\nalpha\nwarning\tonly three\tfields\n",
                        "soh inputs 3\n\(a)\n\(b)\nalpha beta cymru\nraw 0\nP\tcontent/contact.md\ttoo few\n",
                        "soh inputs 3\n\(a)\n\(b)\nalpha beta cymru\nraw 2\n",
                        "soh inputs 3\n\(a)\n\(b)\nalpha beta cymru\nraw 0\nF\tsite.yml\n",
                        "soh inputs 2\n\(a)\n\(b)\nalpha beta cymru\nraw 0 1\n"] {
            try site.write("public/.soh-cache/inputs", garbage)
            let report = try await site.build()
            #expect(!report.summary.timings.upToDate)
            #expect(report.summary.written == 0)
        }
    }

    @Test func editingAPageBodyChangesThatPageOnly() async throws {
        let outcome = try await rebuild { site in
            try site.write("content/events.md", "---\ntitle: Events\nservice: events\n---\n\nTell {{force.shortName}} about events early.\n")
        }
        // Alpha and Cymru publish the page; Beta shows a notice made from its front matter only.
        #expect(outcome.changed == ["alpha/events/index.html", "cymru/events/index.html"])
        #expect(outcome.summary.written == 2)
    }

    @Test func editingATitleChangesThePagesThatListIt() async throws {
        let outcome = try await rebuild { site in
            try site.write("content/report/crime.md", try #require(site.read("content/report/crime.md")).replacingOccurrences(
                of: "title: Report a crime", with: "title: Report a crime online"))
        }
        #expect(outcome.changed.contains("alpha/report/crime/index.html"))
        // The report section lists it; the home page and contact page do not.
        #expect(outcome.changed.contains("alpha/report/index.html"))
        #expect(!outcome.changed.contains("alpha/contact/index.html"))
        // On each of the three forces: the page, the report section, and the form and confirmation
        // pages made from the landing page's front matter.
        #expect(outcome.summary.written == 12)
    }

    @Test func editingAForceFileChangesThatForceOnly() async throws {
        let outcome = try await rebuild { site in
            try site.write("forces/alpha.yml", try #require(site.read("forces/alpha.yml")).replacingOccurrences(
                of: "name: Alpha Police", with: "name: Alpha Police Service"))
        }
        #expect(!outcome.changed.isEmpty)
        #expect(outcome.changed.allSatisfy { $0.hasPrefix("alpha/") })
    }

    @Test func editingALayoutChangesThePagesThatUseIt() async throws {
        let outcome = try await rebuild { site in
            let path = "themes/national/layouts/notice.mustache"
            try site.write(path, try #require(site.read(path)) + "<!-- edited -->\n")
        }
        // Only Beta switched a service off, so only its notice page uses the layout.
        #expect(outcome.changed == ["beta/events/index.html"])
        #expect(outcome.summary.written == 1)
    }

    @Test func editingTheNotFoundLayoutChangesTheNotFoundPagesOnly() async throws {
        let outcome = try await rebuild { site in
            let path = "themes/national/layouts/404.mustache"
            try site.write(path, try #require(site.read(path)).replacingOccurrences(of: "{{/main}}", with: "<p>Edited.</p>\n{{/main}}"))
        }
        #expect(outcome.changed == ["alpha/404.html", "beta/404.html", "cymru/404.html", "cymru/cy/404.html"])
        #expect(outcome.summary.written == 4)
    }

    @Test func editingAPartialChangesEveryPageThatIncludesIt() async throws {
        let outcome = try await rebuild { site in
            let path = "themes/national/partials/footer.mustache"
            try site.write(path, try #require(site.read(path)).replacingOccurrences(of: "</footer>", with: "<!-- edited --></footer>"))
        }
        #expect(outcome.summary.written == outcome.summary.pages)
        #expect(outcome.changed.contains("beta/about/index.html"))
    }

    @Test func editingAFormChangesItsPages() async throws {
        let outcome = try await rebuild { site in
            try site.write("content/forms/crime.yml", try #require(site.read("content/forms/crime.yml")).replacingOccurrences(
                of: "label: What happened?", with: "label: What happened to you?"))
        }
        #expect(outcome.changed.contains("alpha/report/crime/form/index.html"))
        #expect(outcome.changed.allSatisfy { $0.contains("/form/") || $0.contains("assets/forms/") })
    }

    @Test func deletingAPageRemovesItsOutput() async throws {
        let outcome = try await rebuild(setup: { site in
            try site.write("content/report/lost.md", "---\ntitle: Lost property\n---\n\nHand it in.\n")
        }) { site in
            try site.remove("content/report/lost.md")
        }
        #expect(outcome.changed.contains("alpha/report/lost/index.html"))
        // An English page, so one on each of the three forces.
        #expect(outcome.summary.removed == 3)
    }

    @Test func renamingAPageMovesItsOutput() async throws {
        let outcome = try await rebuild { site in
            let text = try #require(site.read("content/contact.md"))
            try site.remove("content/contact.md")
            try site.write("content/get-in-touch.md", text)
        }
        #expect(outcome.changed.contains("alpha/contact/index.html"))
        #expect(outcome.changed.contains("alpha/get-in-touch/index.html"))
    }

    @Test func editingInterfaceStringsOrAssetsChangesEveryPage() async throws {
        let strings = try await rebuild { site in
            let path = "themes/national/i18n/en.yml"
            try site.write(path, try #require(site.read(path)).replacingOccurrences(of: "skipLink: Skip to main content", with: "skipLink: Skip to the content"))
        }
        // Every English page; Cymru's two Welsh pages say it in Welsh.
        #expect(strings.summary.written == strings.summary.pages - 2)
        let css = try await rebuild { site in
            let path = "themes/national/assets/site.css"
            try site.write(path, try #require(site.read(path)) + "\n/* edited */\n")
        }
        // A new fingerprint for the stylesheet: every page links to it.
        #expect(css.summary.written >= css.summary.pages)
    }

    @Test func editingSiteYmlChangesEveryPage() async throws {
        let outcome = try await rebuild { site in
            try site.write("site.yml", try #require(site.read("site.yml")).replacingOccurrences(of: "name: Test Home", with: "name: Test Home Online"))
        }
        #expect(outcome.summary.written >= outcome.summary.pages)
    }

    /// A path with a tab, a line break or a backslash is one escaped field of the cache (pages
    /// cannot have such names, but the writer takes any path), so the next write still knows
    /// the file and removes it when it no longer belongs.
    @Test func awkwardOutputPathsAreStillRemovedWhenTheyGo() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("soh-awkward-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let names = ["tab\there.txt", "new\nline.txt", "back\\slash.txt", "index.html"]
        let files = names.map { OutputFile(path: $0, data: Data($0.utf8), isPage: $0.hasSuffix(".html")) }
        _ = try SiteWriter.write(force: "alpha", files: files, out: out)
        let cache = BuildCache.load(out: out, force: "alpha")
        #expect(cache.isValid)
        #expect(Set(cache.entries.keys) == Set(names))
        let counts = try SiteWriter.write(force: "alpha", files: [files[3]], out: out, previous: cache)
        #expect(counts.removed == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("alpha").path) == ["index.html"])
    }

    @Test func aCorruptRecordIsIgnored() async throws {
        let sha = String(repeating: "0", count: 64)
        for garbage in ["", "not a cache\n", BuildCache.header + "\nindex.html\tpage\t12\n", BuildCache.header + "\nindex.html\tpage\tx\t1\t\(sha)\n",
                        BuildCache.header + "\nindex.html\tpage\t12\t1\t\(sha)\t5\n", BuildCache.header + "\n\tpage\t12\t1\t\(sha)\n",
                        BuildCache.header + "\nindex.html\tpage\t12\t1\t\(sha)", "soh build cache 4\nindex.html\tabc\t12\t1\t\(sha)\n"] {
            let outcome = try await rebuild { site in
                try site.write("public/.soh-cache/alpha.tsv", garbage)
                try site.write("content/events.md", "---\ntitle: Events\nservice: events\n---\n\nChanged.\n")
            }
            // Alpha's files are compared with what is on disk instead; only the edited page changes.
            #expect(outcome.changed == ["alpha/events/index.html", "cymru/events/index.html"])
            #expect(outcome.summary.written == 2)
        }
    }

    @Test func anOutputFileChangedByHandIsWrittenAgain() async throws {
        let outcome = try await rebuild { site in
            try site.write("public/alpha/contact/index.html", "tampered")
            try site.remove("public/beta/about/index.html")
        }
        #expect(outcome.summary.written == 2)
        #expect(outcome.changed == [])
    }

    @Test func aManifestRemovedByHandIsWrittenAgain() async throws {
        // Nothing else changed, so the writer would leave the manifest and cache alone.
        let outcome = try await rebuild { site in try site.remove("public/_manifests/beta.json") }
        #expect(outcome.summary.written == 0)
    }

    @Test func previewAndPublishDoNotShareOutput() async throws {
        let site = try Fixture()
        try await site.build()
        let published = Fixture.tree(site.out)
        var options = Builder.Options(root: site.root, out: site.out)
        options.preview = true
        let preview = try await Builder.build(options)
        #expect(!preview.summary.timings.upToDate && preview.summary.written >= preview.summary.pages)
        let again = try await site.build()
        #expect(!again.summary.timings.upToDate && Fixture.tree(site.out) == published)
    }

    /// Two forces of the same shape share renders; values that need escaping come out escaped
    /// exactly as a direct render escapes them, in text, attributes and the form's action.
    @Test func sharedRendersEqualDirectRenders() async throws {
        let site = try Fixture()
        try site.write("forces/delta.yml", try #require(site.read("forces/alpha.yml"))
            .replacingOccurrences(of: "id: alpha", with: "id: delta")
            .replacingOccurrences(of: "name: Alpha Police", with: "name: \"Delta & <Co> \\\"Police\\\" 'Service'\"")
            .replacingOccurrences(of: "shortName: Alpha", with: "shortName: D&C")
            .replacingOccurrences(of: "www.alpha.example", with: "delta.example/a&b")
            .replacingOccurrences(of: "18001 101", with: "18001 <101>"))
        try site.write("forces/delta/logo.svg", Fixture.logo)
        let shared = try await site.build()
        let direct = site.root.appendingPathComponent("direct")
        var options = Builder.Options(root: site.root, out: direct)
        options.shareRenders = false
        _ = try await Builder.build(options)
        let a = Fixture.tree(site.out), b = Fixture.tree(direct)
        #expect(Set(a.keys) == Set(b.keys))
        let differing = a.keys.filter { a[$0] != b[$0] }.sorted()
        #expect(differing == [], "\(differing.prefix(3))")
        #expect(SharedRender.classes(try #require(try? SiteLoader.load(root: site.root)).forces, prepared: try PreparedSite.prepare(
            try SiteLoader.load(root: site.root), environment: "production", forces: try SiteLoader.load(root: site.root).forces)).map { $0.map(\.id) }
            == [["alpha", "delta"], ["beta"], ["cymru"]])
        #expect(shared.summary.pages == 35)  // 30 pages and 5 not-found pages
        let page = try #require(site.read("public/delta/contact/index.html"))
        #expect(page.contains("Delta &amp; &lt;Co&gt; &quot;Police&quot; &#39;Service&#39;"))
    }

    /// One table of force values drives placeholders, shared renders' markers and the symbolic
    /// force: every value in it is reachable on each path, so none can be baked in from one force.
    @Test func everyForceValueIsAPlaceholderAndAMarker() throws {
        let site = try Fixture()
        let force = try #require(try SiteLoader.load(root: site.root).forces.first)
        let names = SharedRender.names(socialLinks: force.social.count, languages: force.languages)
        let symbolic = SharedRender.symbolic(force, names: names)
        for value in ForceIdentity.values {
            #expect(Placeholder.names.contains("force." + value.name), "\(value.name) is a placeholder")
            #expect(SharedRender.fields.contains(value.name), "\(value.name) has a marker")
            if let text = value.read(symbolic) {
                #expect(text == SharedRender.marker(value.name, in: names), "\(value.name) is a marker in the symbolic force")
            } else {
                #expect(value.optional && value.read(force) == nil, "only an absent optional value has no marker")
            }
        }
    }

    /// Within a class of forces sharing renders, editing one force changes that force's pages
    /// only, and a page is rendered once for the class.
    @Test func incrementalRebuildsWithinASharedClass() async throws {
        func addDelta(_ site: Fixture) throws {
            try site.write("forces/delta.yml", try #require(site.read("forces/alpha.yml"))
                .replacingOccurrences(of: "id: alpha", with: "id: delta")
                .replacingOccurrences(of: "name: Alpha Police", with: "name: Delta Police")
                .replacingOccurrences(of: "www.alpha.example", with: "www.delta.example"))
            try site.write("forces/delta/logo.svg", Fixture.logo)
        }
        let force = try await rebuild(setup: addDelta) { site in
            try site.write("forces/alpha.yml", try #require(site.read("forces/alpha.yml"))
                .replacingOccurrences(of: "name: Alpha Police", with: "name: Alpha & Omega Police"))
        }
        // Alpha now differs from Delta only in its values: the two still share renders.
        #expect(force.summary.timings.sharedForces == 2)
        #expect(!force.changed.isEmpty && force.changed.allSatisfy { $0.hasPrefix("alpha/") })
        let page = try await rebuild(setup: addDelta) { site in
            try site.write("content/events.md", "---\ntitle: Events\ndescription: Marches too.\nservice: events\n---\n\nTell {{force.name}} early.\n")
        }
        // Beta's notice shows the description too.
        #expect(page.changed == ["alpha/events/index.html", "beta/events/index.html", "cymru/events/index.html", "delta/events/index.html"])
        #expect(page.summary.timings.sharedForces == 2)
    }
}
