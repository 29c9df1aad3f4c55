import Foundation
@testable import SOHBuild
import SOHModel
import Testing

/// `soh serve` keeps the site prepared in memory: a page's text is put in place at once, and
/// the preview is always what a fresh preview build of the same sources gives, byte for byte.
@Suite("Preview session")
struct PreviewSessionTests {
    /// Builds with a session, applies `change`, builds again with the changed files; then a new
    /// session builds the changed sources into a fresh folder and the two must be the same.
    func edit(setup: (Fixture) throws -> Void = { _ in }, _ change: (Fixture) throws -> [String]) async throws -> Builder.Summary {
        let site = try Fixture()
        try setup(site)
        let session = PreviewSession(options: Builder.Options(root: site.root, out: site.out))
        _ = try await session.build(changed: nil)
        let changed = try change(site)
        let report = try await session.build(changed: Set(changed))
        let fresh = site.root.appendingPathComponent("fresh")
        _ = try await PreviewSession(options: Builder.Options(root: site.root, out: fresh)).build(changed: nil)
        // The caches and manifests of a preview are not kept up to date by text edits.
        func pages(_ out: URL) -> [String: Data] { Fixture.tree(out).filter { !$0.key.hasPrefix(".soh-cache") && !$0.key.hasPrefix("_manifests") } }
        let (a, b) = (pages(site.out), pages(fresh))
        #expect(Set(a.keys) == Set(b.keys))
        #expect(a.keys.filter { a[$0] != b[$0] }.sorted() == [], "the preview differs from a fresh build")
        return report.summary
    }

    /// Every kind of edit the build is tested with: the preview shows what a fresh preview build
    /// shows, whichever path the session took (a text edit put in place, or a build).
    @Test(arguments: IncrementalBuildTests.edits.map(\.0))
    func everyKindOfEditShowsWhatAFreshPreviewShows(_ kind: String) async throws {
        let change = try #require(IncrementalBuildTests.edits.first { $0.0 == kind }?.1)
        _ = try await edit(setup: IncrementalBuildTests.withNationalSite) { site in
            func sources() -> [String: Data] { Fixture.tree(site.root).filter { !$0.key.hasPrefix("public/") && !$0.key.hasPrefix("fresh/") } }
            let before = sources()
            try change(site)
            let after = sources()
            return Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        }
    }

    @Test func editingAPageBodyPutsItInPlace() async throws {
        let summary = try await edit { site in
            try site.write("content/events.md", "---\ntitle: Events\nservice: events\n---\n\nTell {{force.shortName}} about events early.\n")
            return ["content/events.md"]
        }
        // Alpha and Cymru publish it (Beta shows a notice made from its front matter alone).
        #expect(summary.timings.textOnly == 1 && summary.rendered == 2 && summary.written == 2)
    }

    @Test func aNewFrontMatterOrPlaceholderIsAnOrdinaryBuild() async throws {
        let title = try await edit { site in
            try site.write("content/events.md", "---\ntitle: Events and marches\nservice: events\n---\n\nTell us.\n")
            return ["content/events.md"]
        }
        #expect(title.timings.textOnly == 0 && title.rendered > 2)
        let placeholder = try await edit { site in
            try site.write("content/contact.md", (site.read("content/contact.md") ?? "") + "\nOur id is {{force.id}}.\n")
            return ["content/contact.md"]
        }
        #expect(placeholder.timings.textOnly == 0)
        let other = try await edit { site in
            try site.write("forces/alpha.yml", try #require(site.read("forces/alpha.yml")).replacingOccurrences(of: "name: Alpha Police", with: "name: Alpha Constabulary"))
            return ["forces/alpha.yml"]
        }
        #expect(other.timings.textOnly == 0)
    }

    @Test func aBrokenPageIsReportedAndTheNextGoodSaveBuilds() async throws {
        let site = try Fixture()
        let session = PreviewSession(options: Builder.Options(root: site.root, out: site.out))
        _ = try await session.build(changed: nil)
        try site.write("content/events.md", "---\ntitle: Events\nservice: events\n---\n\nTell {{force.nmae}}.\n")
        await #expect(throws: DiagnosticsError.self) { try await session.build(changed: ["content/events.md"]) }
        try site.write("content/events.md", "---\ntitle: Events\nservice: events\n---\n\nTell us.\n")
        let report = try await session.build(changed: ["content/events.md"])
        #expect(report.summary.forces == 3)
        #expect(site.read("public/alpha/events/index.html")?.contains("Tell us.") == true)
    }
}
