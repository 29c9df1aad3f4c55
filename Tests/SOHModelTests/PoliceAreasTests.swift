import Foundation
import SOHModel
import Testing

@Suite("Police areas (data/police-areas.yml)")
struct PoliceAreasTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func repository() throws -> PoliceAreas {
        let sink = DiagnosticSink()
        let areas = PoliceAreas.load(root: root, languages: ["en", "cy"], sink: sink)
        #expect(sink.all.map(\.description) == [])
        return try #require(areas)
    }

    func parse(_ text: String) -> (PoliceAreas?, [String]) {
        let sink = DiagnosticSink()
        let areas = PoliceAreas.parse(text, file: "data/police-areas.yml", languages: ["en", "cy"], sink: sink)
        return (areas, sink.all.map(\.description))
    }

    static let header = "sources:\n  - {title: Police Act 1996, url: https://www.legislation.gov.uk/}\nforces:\n"

    @Test func everyForceOfTheRepositoryHasItsAreas() throws {
        let areas = try Self.repository()
        let forceFiles = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("forces").path)
            .filter { $0.hasSuffix(".yml") }.map { String($0.dropLast(4)) }.sorted()
        #expect(forceFiles.count == 43)
        #expect(areas.forces.map(\.id) == forceFiles)
        for force in areas.forces {
            #expect(!force.areas.isEmpty, "\(force.id) has no areas")
            #expect(force.code.hasPrefix("E23") || force.code.hasPrefix("W15"))
        }
        #expect(Set(areas.forces.map(\.code)).count == 43)
        // 296 local authority districts in England (April 2023) and 22 principal areas in Wales.
        #expect(areas.allAreas.count == 318)
        #expect(areas.sources.count >= 3)
    }

    @Test func noAreaBelongsToTwoForcesAndEveryTownFindsOneArea() throws {
        let areas = try Self.repository()
        let ids = areas.allAreas.map(\.id)
        #expect(Set(ids).count == ids.count)
        var seen: [String: String] = [:]
        for area in areas.allAreas {
            for word in area.name.values.values.map({ $0.lowercased() }) + area.also.map({ $0.lowercased() }) {
                #expect(seen[word] == nil || seen[word] == area.id, "'\(word)' finds \(seen[word] ?? "") and \(area.id)")
                seen[word] = area.id
            }
        }
        #expect(areas.area("maidstone")?.force == "kent")
        #expect(areas.area("isle-of-wight")?.force == "hampshire")
        #expect(areas.force(code: "W15000004")?.id == "dyfed-powys")
    }

    @Test func theFourWelshForcesCoverTheTwentyTwoPrincipalAreasInBothLanguages() throws {
        let areas = try Self.repository()
        let welsh = ["dyfed-powys", "gwent", "north-wales", "south-wales"].flatMap { areas.force($0)?.areas ?? [] }
        #expect(welsh.map { $0.name.text("en") }.sorted() == [
            "Blaenau Gwent", "Bridgend", "Caerphilly", "Cardiff", "Carmarthenshire", "Ceredigion", "Conwy", "Denbighshire",
            "Flintshire", "Gwynedd", "Isle of Anglesey", "Merthyr Tydfil", "Monmouthshire", "Neath Port Talbot", "Newport",
            "Pembrokeshire", "Powys", "Rhondda Cynon Taf", "Swansea", "Torfaen", "Vale of Glamorgan", "Wrexham",
        ])
        #expect(areas.area("isle-of-anglesey")?.name.text("cy") == "Ynys Môn")
        #expect(areas.area("cardiff")?.name.text("cy") == "Caerdydd")
        // Where the Welsh name is the English one, the Welsh page shows it as it is.
        #expect(areas.area("powys")?.name.text("cy") == "Powys")
        #expect(areas.force("north-wales")?.name.text("cy") == "Gogledd Cymru")
    }

    @Test func anAreaListedUnderTwoForcesIsRefusedWithItsLine() {
        let (areas, errors) = parse(Self.header + """
              kent:
                name: Kent
                code: E23000032
                areas: [{name: Maidstone}]
              sussex:
                name: Sussex
                code: E23000033
                areas: [{name: Maidstone}]

            """)
        #expect(areas == nil)
        #expect(errors == ["data/police-areas.yml:11:20: error: area 'Maidstone' is listed twice (first at line 7)\n  hint: An area belongs to one force: keep it under the force whose police area it is."])
    }

    @Test func badCodesUnknownKeysAndAmbiguousTownsAreEachNamed() {
        let (areas, errors) = parse(Self.header + """
              kent:
                name: Kent
                code: E2300032
                areas: [{name: Medway, also: [Chatham]}, {name: Swale, also: [chatham], county: Kent}]
              Sussex:
                name: Sussex
                code: E23000033
                areas: [{name: Crawley}]
              surrey:
                name: Surrey
                code: E23000033
                areas: []

            """)
        #expect(areas == nil)
        #expect(errors.sorted() == [
            "data/police-areas.yml:6:11: error: 'E2300032' is not a police force area code\n  hint: Codes are E23 (England) or W15 (Wales) and six digits, as in the ONS Postcode Directory's 'pfa' column.",
            "data/police-areas.yml:7:77: error: unknown key 'county' in area\n  hint: Allowed keys: name, also.",
            "data/police-areas.yml:7:67: error: 'chatham' already finds another area (line 7)\n  hint: A town or name must find one area; add the county in brackets, e.g. 'Newport (Shropshire)'.",
            "data/police-areas.yml:8:3: error: 'Sussex' is not a force id\n  hint: Use the data.police.uk force id, e.g. 'avon-and-somerset'.",
            "data/police-areas.yml:15:12: error: police area 'surrey' lists no local authority areas",
        ].sorted())
    }

    @Test func twoForcesWithOneCodeAreRefused() {
        let (areas, errors) = parse(Self.header + """
              kent: {name: Kent, code: E23000032, areas: [{name: Maidstone}]}
              sussex: {name: Sussex, code: E23000032, areas: [{name: Crawley}]}

            """)
        #expect(areas == nil)
        #expect(errors == ["data/police-areas.yml:5:32: error: code 'E23000032' is already the code of another force (line 4)"])
    }

    @Test func aFileWithoutSourcesIsRefused() {
        let (areas, errors) = parse("forces:\n  kent: {name: Kent, code: E23000032, areas: [{name: Maidstone}]}\n")
        #expect(areas == nil)
        #expect(errors == ["data/police-areas.yml:1:1: error: missing required key 'sources' in police areas file\n  hint: Add 'sources: [{title: …, url: …}]'."])
    }
}
