import SOHForms
import SOHModel
import Testing

/// A form's POLE mapping (`entities:` and `fills:`) is checked against the model's table, with
/// every problem at its line and column, all in one run.
@Suite("Form definitions: mapping to POLE entities")
struct POLEMappingTests {
    static let pages = """
        pages:
          - id: about
            title: About
            questions:
              - {id: name, type: text, label: Name, fills: NAME}
              - {id: when, type: date, label: When, fills: WHEN}
          - id: cars
            title: Cars
            repeat: {min: 1, max: 3, itemName: car}
            questions:
              - {id: reg, type: registration, label: Registration, fills: REG}
          - id: send
            kind: declaration
            title: Send
            questions: [{id: confirm, type: declaration, label: I confirm}]

        """

    /// A form whose entities are `entities` (YAML lines) and whose three questions fill what is given.
    func load(entities: String, name: String = "reporter.name", when: String = "incident.incidentStartDateTime",
              reg: String = "car.vehicleRegistrationMark") -> (POLEMapping?, [String]) {
        let text = "id: f\ntitle: F\nversion: 1\nconfirmation: {title: Sent, body: Done.}\nentities:\n" + entities
            + Self.pages.replacingOccurrences(of: "NAME", with: name).replacingOccurrences(of: "WHEN", with: when)
                .replacingOccurrences(of: "REG", with: reg)
        let sink = DiagnosticSink()
        let form = FormLoader.load(text, file: "content/forms/f.yml", expectedID: "f", languages: ["en"], sink: sink)
        return (form?.pole, sink.sorted.map { $0.description.components(separatedBy: "\n")[0] })
    }

    static let good = """
          reporter: {type: person, relationship: personReporting}
          car: {type: vehicle, relationship: vehicleInvolved, each: cars}
          driver: {type: person, of: car, relationship: driver}

        """

    @Test func aSoundMappingIsRead() throws {
        let (mapping, problems) = load(entities: Self.good, reg: "car.vehicleRegistrationMark")
        // `driver` is filled by nothing: that is the one problem.
        #expect(problems == ["content/forms/f.yml:8:3: error: entity 'driver' is filled by no question"])
        let pole = try #require(mapping)
        #expect(pole.entities.map(\.name) == ["reporter", "car", "driver"])
        #expect(pole.entity("driver")?.each == "cars")  // made for each car, as its parent is
        #expect(pole.fills["reg"] == POLEMapping.Target(entity: "car", attribute: "vehicleRegistrationMark"))
        #expect(pole.fills["when"] == POLEMapping.Target(entity: "incident", attribute: "incidentStartDateTime"))
        #expect(pole.fills["confirm"] == nil)
    }

    @Test func theBrowserNeverSeesTheMapping() throws {
        let (mapping, _) = load(entities: "  reporter: {type: person, relationship: personReporting}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n")
        #expect(mapping != nil)
        let sink = DiagnosticSink()
        let text = "id: f\ntitle: F\nversion: 1\nconfirmation: {title: Sent, body: Done.}\nentities:\n  reporter: {type: person, relationship: personReporting}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n"
            + Self.pages.replacingOccurrences(of: "NAME", with: "reporter.name").replacingOccurrences(of: "WHEN", with: "none")
                .replacingOccurrences(of: "REG", with: "car.vehicleRegistrationMark")
        let form = try #require(FormLoader.load(text, file: "f.yml", expectedID: "f", languages: ["en"], sink: sink))
        let json = String(decoding: try FormLoader.json(form), as: UTF8.self)
        #expect(sink.all.isEmpty)
        #expect(!json.contains("fills") && !json.contains("personReporting") && !json.contains("pole"))
    }

    @Test(arguments: [
        ("unknown type", "  reporter: {type: persn, relationship: personReporting}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "reporter.name", "content/forms/f.yml:6:20: error: unknown entity type 'persn'"),
        ("relationship that does not link the types", "  reporter: {type: person, relationship: incidentLocation}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "reporter.name", "content/forms/f.yml:6:42: error: 'incidentLocation' does not link an incident to a person"),
        ("parent declared later", "  reporter: {type: person, of: car, relationship: driver}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "reporter.name", "content/forms/f.yml:6:32: error: entity 'reporter' hangs off 'car', which is not declared above it"),
        ("each on a page that does not repeat", "  reporter: {type: person, relationship: personReporting, each: about}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "reporter.name", "content/forms/f.yml:6:65: error: 'each' names a repeated page, and 'about' is not one"),
        ("reserved name", "  incident: {type: person, relationship: personReporting}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "incident.incidentDescription", "content/forms/f.yml:6:3: error: 'incident' cannot name an entity"),
        ("unknown attribute", "  reporter: {type: person, relationship: personReporting}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "reporter.surnme", "content/forms/f.yml:12:52: error: a person has no attribute 'surnme'"),
        ("attribute of another kind", "  reporter: {type: person, relationship: personReporting}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "reporter.dateOfBirth", "content/forms/f.yml:12:52: error: 'reporter.dateOfBirth' takes 'date' answers, and 'name' is a question of type 'text'"),
        ("not ENTITY.ATTRIBUTE", "  reporter: {type: person, relationship: personReporting}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "reporter", "content/forms/f.yml:12:52: error: 'fills' should be ENTITY.ATTRIBUTE or none, found 'reporter'"),
        ("an entity made per item filled from a page asked once", "  reporter: {type: person, relationship: personReporting, each: cars}\n  car: {type: vehicle, relationship: vehicleInvolved, each: cars}\n",
         "reporter.name", "content/forms/f.yml:12:52: error: 'reporter' is made once per item of 'cars', and 'name' is not asked there"),
    ])
    func badMapping(_ what: String, entities: String, name: String, expected: String) {
        let (_, problems) = load(entities: entities, name: name)
        #expect(problems.contains(expected), "\(what): \(problems)")
    }

    @Test func aQuestionOnARepeatedPageFillsAnEntityMadeForEachItem() {
        let (_, problems) = load(entities: "  reporter: {type: person, relationship: personReporting}\n  car: {type: vehicle, relationship: vehicleInvolved}\n")
        #expect(problems == ["content/forms/f.yml:7:3: error: entity 'car' is filled by no question",
                             "content/forms/f.yml:18:67: error: 'reg' is asked once per item of 'cars', so it fills an entity made for each item"])
    }

    @Test func aMappedFormMapsEveryQuestion() {
        let sink = DiagnosticSink()
        let text = "id: f\ntitle: F\nversion: 1\nconfirmation: {title: Sent, body: Done.}\n"
            + Self.pages.replacingOccurrences(of: ", fills: NAME", with: "").replacingOccurrences(of: "WHEN", with: "incident.incidentStartDateTime")
                .replacingOccurrences(of: "REG", with: "none")
        _ = FormLoader.load(text, file: "content/forms/f.yml", expectedID: "f", languages: ["en"], sink: sink)
        #expect(sink.sorted.map { $0.description.components(separatedBy: "\n")[0] }
            == ["content/forms/f.yml:9:9: error: question 'name' does not say what it fills in the report sent to the force"])
    }

    @Test func twoQuestionsCannotFillOneAttribute() {
        let sink = DiagnosticSink()
        let text = """
            id: f
            title: F
            version: 1
            confirmation: {title: Sent, body: Done.}
            pages:
              - id: a
                title: A
                questions:
                  - {id: what, type: textarea, label: What, fills: incident.incidentDescription}
                  - {id: more, type: textarea, label: More, fills: incident.incidentDescription}

            """
        _ = FormLoader.load(text, file: "content/forms/f.yml", expectedID: "f", languages: ["en"], sink: sink)
        #expect(sink.sorted.map { $0.description.components(separatedBy: "\n")[0] }
            == ["content/forms/f.yml:10:56: error: 'incident.incidentDescription' is already filled by the question on line 9"])
    }

    /// A file question links its files to an entity's `attachments`, any number of them to one
    /// entity, or to the incident without `fills`; `none` would drop nothing, so it is refused.
    @Test func fileQuestionsLinkTheirFilesToAnEntity() throws {
        func load(_ fills: [String]) -> (POLEMapping?, [String]) {
            let questions = fills.enumerated().map { i, f in "      - {id: photos-\(i), type: file, label: Photos, accept: [image/jpeg]\(f.isEmpty ? "" : ", fills: \(f)")}" }
            let text = """
                id: f
                title: F
                version: 1
                confirmation: {title: Sent, body: Done.}
                entities:
                  stolen: {type: property, relationship: stolenProperty}
                pages:
                  - id: a
                    title: A
                    questions:
                      - {id: what, type: textarea, label: What, fills: stolen.propertyDescription}

                """ + questions.joined(separator: "\n") + "\n"
            let sink = DiagnosticSink()
            let form = FormLoader.load(text, file: "content/forms/f.yml", expectedID: "f", languages: ["en"], sink: sink)
            return (form?.pole, sink.sorted.map { $0.description.components(separatedBy: "\n")[0] })
        }
        let (mapping, problems) = load(["stolen.attachments", "stolen.attachments", "", "incident.attachments"])
        #expect(problems == [])
        #expect(mapping?.fills["photos-0"] == POLEMapping.Target(entity: "stolen", attribute: "attachments"))
        #expect(mapping?.fills["photos-1"] == POLEMapping.Target(entity: "stolen", attribute: "attachments"))
        #expect(mapping?.fills["photos-2"] == nil)
        #expect(load(["none"]).1 == ["content/forms/f.yml:12:80: error: a 'file' question's files always reach the force: 'fills' names the entity they are linked to"])
        #expect(load(["stolen.propertyDescription"]).1
            == ["content/forms/f.yml:12:80: error: 'stolen.propertyDescription' takes 'text' or 'textarea' answers, and 'photos-0' is a question of type 'file'"])
    }

    @Test func formsWithoutAMappingAreSkeletonsOnly() {
        let sink = DiagnosticSink()
        let text = "id: f\ntitle: F\nversion: 1\nconfirmation: {title: Sent, body: Done.}\npages:\n  - {id: a, title: A, questions: [{id: q, type: text, label: Q}]}\n"
        let form = FormLoader.load(text, file: "f.yml", expectedID: "f", languages: ["en"], sink: sink)
        #expect(sink.all.isEmpty && form?.pole == nil)
    }

    /// The table, the editors' reference and the published schema say the same: every attribute
    /// and relationship a form can use is documented and allowed by the schema receivers check.
    @Test func docsAndSchemaListTheWholeTable() throws {
        let docs = try String(contentsOf: Self.root.appendingPathComponent("docs/forms.md"), encoding: .utf8)
        let data = try Data(contentsOf: Self.root.appendingPathComponent("docs/schemas/incident.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func dig(_ object: Any?, _ path: [String]) -> [String: Any] {
            path.reduce(object) { ($0 as? [String: Any])?[$1] } as? [String: Any] ?? [:]
        }
        for type in POLE.EntityType.allCases {
            let base: [String] = type == .incident ? ["properties", "data"] : ["$defs", type.rawValue]
            let attributes = dig(schema, base + ["properties", "attributes", "properties"])
            let links = dig(schema, base + ["properties", "relationships", "properties"])
            for (name, value) in POLE.attributes[type] ?? [:] {
                #expect(docs.contains("`\(name)`"), "docs/forms.md does not list \(type).\(name)")
                // Files are sent as links to attachments, not as an attribute.
                if value == .files { #expect(links[name] != nil, "the schema does not allow \(type) → \(name)"); continue }
                let sent = value == .name ? ["fullName", "givenName", "surname"]
                    : value == .address ? ["addressLine1", "addressLine2", "town", "county", "postcode"] : [name]
                for key in sent { #expect(attributes[key] != nil, "the schema does not allow \(type).\(key)") }
            }
            for name in (POLE.relationships[type] ?? [:]).keys {
                #expect(docs.contains("`\(name)`"), "docs/forms.md does not list the relationship \(name)")
                #expect(links[name] != nil, "the schema does not allow \(type) → \(name)")
            }
        }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The national crime and collision forms are mapped, and every question of theirs is.
    @Test(arguments: ["crime", "road-traffic-collision"])
    func nationalFormsAreMappedFully(_ id: String) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("content/forms/\(id).yml"), encoding: .utf8)
        let sink = DiagnosticSink()
        let areas = PoliceAreas.load(root: Self.root, languages: ["en", "cy"], sink: sink)
        let form = try #require(FormLoader.load(text, file: "\(id).yml", expectedID: id, languages: ["en", "cy"], areas: areas, sink: sink))
        #expect(sink.all.isEmpty)
        let pole = try #require(form.pole)
        // Files are linked from the incident when their question's 'fills' names no other entity (docs/evidence.md).
        let kept = form.allQuestions.map(\.question).filter { $0.takesAnswer && $0.type != .declaration && (pole.fills[$0.id] != nil || $0.type != .file) }
        let unmapped = kept.filter { pole.fills[$0.id] == nil }.map(\.id)
        // The 999 question, answered "no" by every report, the area, which the routing record
        // carries, and whether and where to send a confirmation (docs/messages.md).
        #expect(unmapped == [id == "crime" ? "in-danger" : "urgent", "area", "receipt", "receipt-mobile"])
    }
}

import Foundation
