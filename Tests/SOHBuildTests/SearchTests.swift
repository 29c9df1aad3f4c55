import Foundation
@testable import SOHBuild
import SOHModel
import Testing

/// The search index (docs/search.md): its terms (the same as `search-logic.js`'s, through
/// Tests/vectors/search-terms.json), Welsh mutations, chunks named by their content, the
/// national part made once and shared, and each force's manifest.
@Suite("Search index")
struct SearchTests {
    static let vectorFile = Fixture.repositoryRoot.appendingPathComponent("Tests/vectors/search-terms.json")

    /// Texts whose terms both implementations must agree on.
    static let texts: [(String, String)] = [
        ("Report a stolen bike", "en"), ("Robberies, burglaries and thefts: reporting what happened", "en"),
        ("Café owners' CCTV — 101 or 999?", "en"), ("The bus passes and this address", "en"), ("Ŵyl y Banc", "cy"),
        ("Paratoi eich car ar gyfer gyrru yn y gaeaf", "cy"), ("Rhoi gwybod am drosedd yng Nghasnewydd", "cy"),
        ("naïve résumé coöperate", "en"), ("x y z ab", "en"), ("Heddlu De Cymru: ffoniwch 101", "cy"),
    ]

    @Test func termsMatchTheSharedVectors() throws {
        let vectors = Self.texts.map { text, language -> [String: Any] in
            ["text": text, "language": language, "terms": SearchTerms.terms(text, language: language)]
        }
        let data = try JSONSerialization.data(withJSONObject: vectors, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        if ProcessInfo.processInfo.environment["SOH_UPDATE_VECTORS"] == "1" {
            try (data + Data("\n".utf8)).write(to: Self.vectorFile)
        }
        let committed = try Data(contentsOf: Self.vectorFile)
        #expect(committed == data + Data("\n".utf8), "Tests/vectors/search-terms.json is out of date: SOH_UPDATE_VECTORS=1 swift test")
        #expect(SearchTerms.terms("Report a stolen bike", language: "en") == ["report", "stolen", "bike"])
        #expect(SearchTerms.terms("Robberies reporting thefts", language: "en") == ["robbery", "report", "theft"])
        #expect(SearchTerms.terms("Ŵyl y Banc", language: "cy") == ["wyl", "banc"])
    }

    @Test(arguments: [
        ("gar", "car"), ("nghartref", "cartref"), ("chartref", "cartref"), ("feic", "beic"), ("ardd", "gardd"),
        ("mhlentyn", "plentyn"), ("dref", "tref"), ("lys", "llys"), ("heddlu", "heddlu"), ("henw", "enw"),
    ])
    func aWelshWordIsIndexedUnderItsRadical(_ mutated: String, _ radical: String) {
        #expect(SearchTerms.radicals(mutated).first == mutated)
        #expect(SearchTerms.radicals(mutated).contains(radical))
    }

    func site() throws -> Fixture {
        let site = try Fixture()
        try site.write("content/search.md", "---\ntitle: Search\nlayout: search\n---\n\nOr call us.\n")
        try site.write("content/search.cy.md", "---\ntitle: Chwilio\nslug: chwilio\nlayout: search\n---\n\nNeu ffoniwch ni.\n")
        for n in 1...40 {
            try site.write("content/advice/topic-\(n).md", "---\ntitle: Topic \(n) for {{force.shortName}}\ndescription: About topic \(n).\n---\n\nWords about burglary number\(n) and theft.\n")
        }
        return site
    }

    func manifest(_ site: Fixture, _ force: String, _ language: String = "en") throws -> [String: Any] {
        let text = try #require(site.read("public/\(force)/search/\(language).json"))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func files(_ part: [String: Any]) -> [String] {
        ((part["chunks"] as? [[String]]) ?? []).map { $0[1] } + ((part["documents"] as? [String]) ?? [])
    }

    @Test func theNationalPartIsSharedAndEachForceHidesWhatItDoesNotPublish() async throws {
        let site = try site()
        // Beta replaces the contact page; alpha switches the events service off.
        try site.edit("forces/alpha.yml", "id: alpha\n", "id: alpha\nservices:\n  events: disabled\n")
        try await site.build()
        let alpha = try manifest(site, "alpha"), beta = try manifest(site, "beta")
        let partsA = alpha["parts"] as? [[String: Any]], partsB = beta["parts"] as? [[String: Any]]
        let nationalA = try #require(partsA?.first), nationalB = try #require(partsB?.first)
        #expect(files(nationalA) == files(nationalB), "the same national files on every site")
        #expect(files(nationalA).count > 3, "split into several chunks")
        for path in files(nationalA) {
            #expect(site.read("public/alpha\(path)") == site.read("public/beta\(path)"))
            let data = try #require(FileManager.default.contents(atPath: site.root.path + "/public/alpha" + path))
            #expect(path.hasSuffix("/\(Fingerprint.sha256(data).prefix(16)).json"), "named by its content")
        }
        // Placeholders in national titles are filled from the force's values.
        #expect((alpha["values"] as? [String: String])?["force.shortName"] == "Alpha")
        // Which national documents each force leaves out, by number.
        let firstDocuments = try #require((nationalA["documents"] as? [String])?.first)
        let documents = try #require(site.read("public/alpha\(firstDocuments)"))
        #expect(documents.contains("Topic 1 for {{force.shortName}}"))
        let hiddenA = Set((alpha["hidden"] as? [Int]) ?? []), hiddenB = Set((beta["hidden"] as? [Int]) ?? [])
        // Alpha leaves out the events page; beta (whose events service is elsewhere in the
        // fixture) that page and the contact page it replaces.
        #expect(hiddenA.count == 1 && hiddenB.count == 2 && hiddenA.isSubset(of: hiddenB), "\(hiddenA) \(hiddenB)")
        // Beta's own contact page is in its own part.
        let local = try #require(partsB?.last)
        #expect(try files(local).contains { site.read("public/beta\($0)")?.contains("/contact/") == true })
        // A Welsh force has a Welsh index; an English one has none.
        #expect(site.read("public/cymru/search/cy.json") != nil && site.read("public/alpha/search/cy.json") == nil)
    }

    @Test func anEditRenamesOnlyTheChunksItChanges() async throws {
        let site = try site()
        try await site.build()
        let partsBefore = try manifest(site, "alpha")["parts"] as? [[String: Any]]
        let before = Set(files(try #require(partsBefore?.first)))
        try site.edit("content/advice/topic-7.md", "and theft.", "and theft and zebra.")
        try await site.build()
        let partsAfter = try manifest(site, "alpha")["parts"] as? [[String: Any]]
        let after = Set(files(try #require(partsAfter?.first)))
        let changed = after.subtracting(before)
        #expect(!changed.isEmpty && changed.count <= 3, "only the chunks holding the new word and its document: \(changed)")
        #expect(before.intersection(after).count >= before.count - 3)
    }

    @Test func theIndexTextIsThePagesRenderedText() {
        #expect(SearchIndex.text(ofHTML: "<p>Bike&nbsp;theft &amp; <a href=\"/x\">robbery</a></p>").split(separator: " ").map(String.init) == ["Bike", "theft", "robbery"])
    }
}
