import Foundation
import SOHBuild
import SOHModel
import Testing

@Suite("soh new-force")
struct NewForceTests {
    func run(_ arguments: [String], in dir: URL) throws -> (Int32, String, String) {
        let result = try CommandLineTests.run(arguments, in: dir)
        return (result.status, result.stdout, result.stderr)
    }

    func siteWithForcesList() throws -> Fixture {
        var files = Fixture.baseFiles
        files["data/forces.csv"] = "id,name,country\nkent,Kent Police,England\ngwent,Gwent Police,Wales\nalpha,Alpha Police,England\n"
        return try Fixture(files)
    }

    @Test func writesAForceThatBuilds() async throws {
        let site = try siteWithForcesList()
        let (status, stdout, _) = try run(["new-force", "gwent"], in: site.root)
        #expect(status == 0)
        #expect(stdout.hasPrefix("Wrote forces/gwent.yml and forces/gwent/logo.svg for Gwent Police."))
        let file = try #require(site.read("forces/gwent.yml"))
        #expect(file.contains("languages: [en, cy]"))
        #expect(file.contains("name: Gwent Police"))
        try await site.build(forces: ["gwent"])
        #expect(site.read("public/gwent/cy/index.html") != nil)
        let report = try await site.build(forces: ["gwent"])
        #expect(report.warnings.isEmpty, "a new force's palette passes contrast")
    }

    @Test func refusesAnUnknownID() throws {
        let site = try siteWithForcesList()
        let (status, _, stderr) = try run(["new-force", "knet"], in: site.root)
        #expect(status == 1)
        #expect(stderr == "error: 'knet' is not a force id in data/forces.csv\n  hint: Did you mean 'kent'? Use the data.police.uk id, in lower case with hyphens.\n")
        #expect(site.read("forces/knet.yml") == nil)
    }

    @Test func refusesAnExistingForce() throws {
        let site = try siteWithForcesList()
        let before = site.read("forces/alpha.yml")
        let (status, _, stderr) = try run(["new-force", "alpha"], in: site.root)
        #expect(status == 1)
        #expect(stderr.hasPrefix("forces/alpha.yml: error: force 'alpha' already exists"))
        #expect(site.read("forces/alpha.yml") == before)
    }

    @Test(arguments: ["avon-and-somerset", "kent", "metropolitan", "north-wales", "city-of-london"])
    func palettesMeetContrast(_ id: String) {
        let p = ForceScaffold.palette(for: id)
        #expect(p.primary.contrast(with: .white) >= 7)
        #expect(p.link.contrast(with: .white) >= 4.5)
        #expect(p.secondary.contrast(with: p.secondary.textOn) >= 4.5)
        #expect(ForceScaffold.palette(for: id) == p, "the same id gives the same palette")
    }
}
