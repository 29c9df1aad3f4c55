import Foundation
import SOHBuild
import SOHModel
import Testing

@Suite("Writing output")
struct IncrementalWriteTests {
    func modificationDate(_ url: URL) throws -> Date {
        try #require(FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date)
    }

    @Test func unchangedFilesAreNotRewritten() async throws {
        let site = try Fixture()
        let first = try await site.build()
        #expect(first.summary.written > 0)
        let index = site.out.appendingPathComponent("alpha/index.html")
        let before = try modificationDate(index)
        let tree = Fixture.tree(site.out)
        try await Task.sleep(for: .milliseconds(20))
        let second = try await site.build()
        let changed = Fixture.tree(site.out).filter { tree[$0.key] != $0.value }.map(\.key).sorted()
        #expect(changed == [])
        #expect(second.summary.written == 0)
        #expect(second.summary.unchanged == first.summary.written)
        #expect(try modificationDate(index) == before)
    }

    @Test func filesThatNoLongerBelongAreRemoved() async throws {
        let site = try Fixture()
        try await site.build()
        #expect(site.read("public/beta/about/index.html") != nil)
        try site.remove("forces/beta/content/about.md")
        let report = try await site.build()
        #expect(report.summary.removed == 1)
        #expect(site.read("public/beta/about/index.html") == nil)
        #expect(!FileManager.default.fileExists(atPath: site.out.appendingPathComponent("beta/about").path))
    }

    @Test func aRetiredForceIsRemoved() async throws {
        let site = try Fixture()
        try await site.build()
        try site.remove("forces/beta.yml")
        try site.remove("forces/beta")
        try await site.build()
        #expect(!FileManager.default.fileExists(atPath: site.out.appendingPathComponent("beta").path))
        #expect(site.read("public/_manifests/beta.json") == nil)
    }

    @Test func aFailingBuildLeavesThePreviousOutput() async throws {
        let site = try Fixture()
        try await site.build()
        let before = Fixture.tree(site.out)
        try site.write("content/contact.md", "---\ntitle: Contact\nlayot: page\n---\nChanged.\n")
        let diagnostics = await site.failures()
        #expect(diagnostics.map(\.description) == [
            "content/contact.md:3:1: error: unknown key 'layot' in front matter\n  hint: Allowed keys: title, description, layout, order, draft, aliases, service, quickExit, translatedFrom, needsReview, slug. Did you mean 'layout'?"
        ])
        #expect(Fixture.tree(site.out) == before)
    }
}
