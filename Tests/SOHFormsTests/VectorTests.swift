import Foundation
import SOHForms
import SOHModel
import Testing

/// The shared vectors (Tests/vectors): the same definitions and answers must give the same
/// verdicts here and in `forms-logic.js` (run by `node --test`).
@Suite("Form validation vectors")
struct VectorTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("vectors")

    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        var name: String
        var form: String
        var today: String
        var language: String
        var answers: [String: Answer]
        var errors: [Expected]
        var messages: [String]?
        var testDescription: String { "\(form): \(name)" }
        struct Expected: Decodable, Equatable, Sendable {
            var question: String
            var code: String
        }
    }

    struct File: Decodable { var cases: [Case] }

    static let cases: [Case] = {
        guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent("cases.json").path),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    /// The vector forms, loaded once from their YAML. The committed JSON must be exactly what the
    /// loader emits (regenerate on purpose with SOH_UPDATE_VECTORS=1).
    static let forms: [String: FormDefinition] = {
        var forms: [String: FormDefinition] = [:]
        for id in ["types", "required", "conditions"] {
            guard let yaml = try? String(contentsOf: dir.appendingPathComponent("forms/\(id).yml"), encoding: .utf8) else { continue }
            let sink = DiagnosticSink()
            guard let form = FormLoader.load(yaml, file: "Tests/vectors/forms/\(id).yml", expectedID: id, languages: ["en", "cy"], sink: sink),
                  sink.all.isEmpty else { continue }
            if ProcessInfo.processInfo.environment["SOH_UPDATE_VECTORS"] == "1" {
                try? FormLoader.json(form).write(to: dir.appendingPathComponent("forms/\(id).json"))
            }
            forms[id] = form
        }
        return forms
    }()

    @Test(arguments: ["types", "required", "conditions"])
    func committedJSONMatchesTheLoader(_ id: String) throws {
        let form = try #require(Self.forms[id], "forms/\(id).yml does not load")
        let committed = FileManager.default.contents(atPath: Self.dir.appendingPathComponent("forms/\(id).json").path)
        #expect(try committed == FormLoader.json(form), "forms/\(id).json is out of date: SOH_UPDATE_VECTORS=1 swift test")
    }

    @Test func thereAreEnoughVectors() {
        #expect(Self.cases.count >= 150)
        #expect(Set(Self.cases.map(\.form)) == ["types", "required", "conditions"])
    }

    @Test(arguments: cases)
    func vector(_ c: Case) throws {
        let form = try #require(Self.forms[c.form])
        let today = try #require(CalendarDate(iso: c.today))
        let errors = FormValidator.validate(form, answers: c.answers, options: .init(today: today, language: c.language))
        #expect(errors.map { Case.Expected(question: $0.question, code: $0.code) } == c.errors)
        if let messages = c.messages {
            #expect(errors.map(\.message) == messages)
        }
        #expect(errors.allSatisfy { !$0.message.isEmpty })
    }
}
