import Foundation

/// The police areas of England and Wales (`data/police-areas.yml`): which force covers each
/// local authority area. Forms ask where something happened with an area question whose
/// choices are these areas; the API decides from the answer which force owns a report; the
/// national site lists them to find a force. Reference: docs/routing.md.
public struct PoliceAreas: Sendable, Equatable {
    public struct Area: Sendable, Equatable {
        /// Made from the English name (`isle-of-wight`): the answer a form stores.
        public var id: String
        public var name: LocalizedText
        /// Towns in the area that people type when they do not know the council's name.
        public var also: [String]
        /// The force whose police area it is.
        public var force: String
    }

    public struct Force: Sendable, Equatable {
        public var id: String
        /// The police area's name as the Police Act 1996 gives it ("Kent", "Dyfed-Powys").
        public var name: LocalizedText
        /// The police force area code in the ONS geography (`E23000032`, `W15000004`).
        public var code: String
        public var areas: [Area]
        /// Where its key is in the file, for findings about it.
        public var location: SourceLocation? = nil
    }

    public struct Source: Sendable, Equatable {
        public var title: String
        public var url: String
    }

    public static let file = "data/police-areas.yml"

    /// Sorted by force id; areas in the order of the file.
    public var forces: [Force]
    public var sources: [Source]
    let byID: [String: Area]

    public init(forces: [Force], sources: [Source]) {
        self.forces = forces.sorted { $0.id < $1.id }
        self.sources = sources
        var byID: [String: Area] = [:]
        for area in forces.flatMap(\.areas) { byID[area.id] = byID[area.id] ?? area }
        self.byID = byID
    }

    public static func == (a: PoliceAreas, b: PoliceAreas) -> Bool { a.forces == b.forces && a.sources == b.sources }

    public func area(_ id: String) -> Area? { byID[id] }
    public func force(_ id: String) -> Force? { forces.first { $0.id == id } }
    /// The force of an ONS police force area code.
    public func force(code: String) -> Force? { forces.first { $0.code == code } }
    public var allAreas: [Area] { forces.flatMap(\.areas) }

    /// Reads `data/police-areas.yml` under `root`; nil without a diagnostic when the repository
    /// has no such file (forms then cannot ask for an area), nil with diagnostics when it is wrong.
    public static func load(root: URL, languages: [String], sink: DiagnosticSink) -> PoliceAreas? {
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path),
              let text = SourceText.read(file, in: root, sink: sink) else { return nil }
        return parse(text, file: file, languages: languages, sink: sink)
    }

    /// E23 (England) or W15 (Wales) and six digits.
    static func isCode(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        return bytes.count == 9 && ["E23", "W15"].contains(String(code.prefix(3))) && bytes.dropFirst(3).allSatisfy { (0x30...0x39).contains($0) }
    }

    public static func parse(_ text: String, file: String, languages: [String], sink: DiagnosticSink) -> PoliceAreas? {
        guard let root = YAMLParser.parse(text, file: file, sink: sink),
              let map = StrictMapping(root, what: "police areas file", allowed: ["sources", "forces"], sink: sink) else { return nil }
        let errorsBefore = sink.all.count { $0.severity == .error }
        var sources: [Source] = []
        for node in map.list("sources", required: true, example: "[{title: …, url: …}]") ?? [] {
            guard let s = StrictMapping(node, what: "source", allowed: ["title", "url"], sink: sink),
                  let title = s.text("title", required: true), let url = s.text("url", required: true) else { continue }
            sources.append(Source(title: title, url: url))
        }
        if map.has("sources"), sources.isEmpty {
            sink.error(map.valueLocation("sources"), "the police areas file cites no source", hint: "Say where the areas come from under 'sources:'.")
        }
        var forces: [Force] = []
        var areaAt: [String: SourceLocation] = [:]
        var codeAt: [String: SourceLocation] = [:]
        // Every name and town people can type, lower-cased, with the area it finds.
        var words: [String: (area: String, at: SourceLocation)] = [:]
        if let forcesMap = map.mapping("forces", allowed: map.value("forces").map(Self.keys) ?? [], required: true) {
            for pair in forcesMap.pairs {
                let forceID = pair.key
                if !Identifier.isValid(forceID) {
                    sink.error(pair.keyLocation, "'\(forceID)' is not a force id", hint: "Use the data.police.uk force id, e.g. 'avon-and-somerset'.")
                    continue
                }
                guard let f = StrictMapping(pair.value, what: "police area '\(forceID)'", allowed: ["name", "code", "areas"], sink: sink) else { continue }
                let name = f.localized("name", languages: languages, required: true) ?? LocalizedText(forceID)
                let code = f.text("code", required: true, example: "E23000032") ?? ""
                if !code.isEmpty {
                    if !isCode(code) {
                        sink.error(f.valueLocation("code"), "'\(code)' is not a police force area code",
                            hint: "Codes are E23 (England) or W15 (Wales) and six digits, as in the ONS Postcode Directory's 'pfa' column.")
                    } else if let first = codeAt[code] {
                        sink.error(f.valueLocation("code"), "code '\(code)' is already the code of another force (line \(first.line))")
                    }
                    codeAt[code] = codeAt[code] ?? f.valueLocation("code")
                }
                var areas: [Area] = []
                let areaNodes = f.list("areas", required: true, example: "[{name: …}]")
                for node in areaNodes ?? [] {
                    guard let a = StrictMapping(node, what: "area", allowed: ["name", "also"], sink: sink),
                          let areaName = a.localized("name", languages: languages, required: true) else { continue }
                    let english = areaName.text("en")
                    let id = Identifier.slug(english)
                    guard Identifier.isValid(id) else {
                        sink.error(a.valueLocation("name"), "the area name '\(english)' does not make an id of plain letters",
                            hint: "Write the English name in letters a to z; give other spellings in 'also'.")
                        continue
                    }
                    if let first = areaAt[id] {
                        sink.error(a.valueLocation("name"), "area '\(english)' is listed twice (first at line \(first.line))",
                            hint: "An area belongs to one force: keep it under the force whose police area it is.")
                        continue
                    }
                    areaAt[id] = a.valueLocation("name")
                    let also = a.texts("also") ?? []
                    for (word, at) in areaName.values.values.map({ ($0, a.valueLocation("name")) }) + also {
                        let key = word.lowercased()
                        if let other = words[key], other.area != id {
                            sink.error(at, "'\(word)' already finds another area (line \(other.at.line))",
                                hint: "A town or name must find one area; add the county in brackets, e.g. 'Newport (Shropshire)'.")
                        }
                        words[key] = words[key] ?? (id, at)
                    }
                    areas.append(Area(id: id, name: areaName, also: also.map(\.0), force: forceID))
                }
                if areaNodes?.isEmpty == true {
                    sink.error(f.valueLocation("areas"), "police area '\(forceID)' lists no local authority areas")
                }
                forces.append(Force(id: forceID, name: name, code: code, areas: areas, location: pair.keyLocation))
            }
        }
        guard sink.all.count(where: { $0.severity == .error }) == errorsBefore else { return nil }
        return PoliceAreas(forces: forces, sources: sources)
    }

    /// The keys a mapping has: the forces mapping takes any force id, checked one by one.
    static func keys(_ node: YAMLNode) -> [String] {
        if case .mapping(let pairs) = node.value { return pairs.map(\.key) }
        return []
    }
}
