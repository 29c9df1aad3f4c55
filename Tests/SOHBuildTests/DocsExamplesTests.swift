import Foundation
import SOHBuild
import SOHModel
import Testing

/// The examples in docs/ are real: every fenced block marked `file=PATH` is written into a
/// fresh site, and that site must build without errors.
@Suite("Examples in docs/")
struct DocsExamplesTests {
    static func examples() throws -> [String: String] {
        let docs = Fixture.repositoryRoot.appendingPathComponent("docs")
        var files: [String: String] = [:]
        for name in SiteLoader.listDirectory(docs) where name.hasSuffix(".md") {
            let text = try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
            var current: (path: String, lines: [String])?
            for line in text.components(separatedBy: "\n") {
                if let open = current {
                    if line == "```" {
                        files[open.path] = open.lines.joined(separator: "\n") + "\n"
                        current = nil
                    } else {
                        current?.lines.append(line)
                    }
                } else if line.hasPrefix("```"), let range = line.range(of: "file=") {
                    current = (String(line[range.upperBound...]), [])
                }
            }
        }
        return files
    }

    @Test func docsExamplesBuild() async throws {
        let examples = try Self.examples()
        #expect(examples.keys.sorted() == [
            "content/forms/crime.yml", "content/news/index.cy.md", "content/news/index.md", "content/report/crime.cy.md", "content/report/crime.md",
            "content/report/fraud.md", "data/police-areas.yml", "forces/example.yml", "forces/example/logo.svg",
            "forces/example/news/exampleton-appeal.cy.md", "forces/example/news/exampleton-appeal.md",
            "forces/example/theme/partials/footer.mustache", "site.yml",
        ])
        let site = try Fixture(examples)
        let report = try await site.build(now: NewsDate.parse("2026-12-07", endOfDay: false))
        #expect(report.summary.forces == 1)
        #expect(report.warnings.isEmpty, "the documented examples build without a warning: \(report.warnings.map(\.description))")
        let crime = try #require(site.read("public/example/report/crime/index.html"))
        #expect(crime.contains("Tell Example about a crime."))
        #expect(crime.contains("Example Constabulary — Contact us: 101"), "the force's footer override is used")
        #expect(site.read("public/example/cy/report/trosedd/index.html") != nil)
        #expect(site.read("public/example/crime/index.html")?.contains("url=/report/crime/") == true)
        #expect(site.read("public/example/report/crime/form/index.html")?.contains("data-form=\"crime\"") == true)
        #expect(site.read("public/example/report/crime/form/index.html")?.contains("<option value=\"exampleton\" data-also=\"Example Bay|Old Town\">Exampleton</option>") == true)

        // docs/news.md: the appeal is listed and in the feed, then closes.
        let appeal = "/news/exampleton-appeal/"
        for listing in ["news/index.html", "news/kind/appeal/index.html", "news/area/exampleton/index.html", "news/feed.xml", "cy/newyddion/index.html"] {
            let text = try #require(site.read("public/example/\(listing)"), "\(listing)")
            #expect(text.contains(listing.hasPrefix("cy/") ? "/cy/newyddion/apel-exampleton/" : appeal), "\(listing)")
        }
        #expect(site.read("public/example/news/exampleton-appeal/index.html")?.contains("Witnesses sought") == true)
        _ = try await site.build(now: NewsDate.parse("2027-01-01", endOfDay: false))
        let closed = try #require(site.read("public/example/news/exampleton-appeal/index.html"))
        #expect(closed.contains("This appeal has closed") && !closed.contains("Witnesses sought"))
        #expect(site.read("public/example/news/index.html")?.contains(appeal) == false)
        #expect(site.read("public/example/news/feed.xml")?.contains(appeal) == false)
    }
}
