import Foundation
import SOHModel
import Testing

@Suite("Source text and byte search")
struct TextTests {
    @Test func windowsLineEndingsBecomeNewlines() throws {
        let text = try #require(SourceText.decode(Data("title: a\r\nbody\r\n".utf8), as: "content/a.md", sink: DiagnosticSink()))
        #expect(text == "title: a\nbody\n")
    }

    @Test func byteSearchFindsWhatFoundationFinds() {
        let text = "Café {{force.name}} and {{ force.shortName }} — “{{x}}”"
        for needle in ["{{", "}}", "force", "“", "missing", "é {"] {
            let bytes = text.utf8Range(of: needle)
            let foundation = text.range(of: needle)
            #expect(bytes == foundation, "\(needle)")
        }
        let second = text.utf8Range(of: "{{", from: text.utf8Range(of: "{{")?.upperBound)
        #expect(second.map { String(text[$0.lowerBound...].prefix(4)) } == "{{ f")
        #expect(text.containsBytes("shortName") && !text.containsBytes("longName"))
        #expect("".utf8Range(of: "x") == nil && "abc".utf8Range(of: "") == nil)
    }

    @Test func placeholdersAreFoundWithTheirLineAndColumn() {
        let text = "Héllo {{force.name}}\nCall {{ force.contacts.nonEmergency }} or {{{{force.shortName}}\n{{not a name}}"
        let found = Placeholder.scan(text, start: SourceLocation(file: "content/a.md", line: 5, column: 3), sink: nil)
        #expect(found.map(\.name) == ["force.name", "force.contacts.nonEmergency", "force.shortName"])
        #expect(found.map(\.location.line) == [5, 6, 6])
        #expect(found.map(\.location.column) == [9, 6, 45])
    }
}

@Suite("Naming forces in messages")
struct ForceListTests {
    @Test func fewForcesAreAllNamedAndManyAreCounted() {
        #expect(ForceList.text(["kent"]) == "on kent")
        #expect(ForceList.text(["a", "b", "c", "d"]) == "on 4 forces: a, b, c, d")
        #expect(ForceList.text((1...43).map { "f\($0)" }) == "on 43 forces: f1, f2, f3 and 40 more")
    }

    @Test func diagnosticsWithoutAPlaceHaveNone() {
        #expect(Diagnostic.general(.error, "unknown force 'x'").description == "error: unknown force 'x'")
        #expect(Diagnostic.general(.error, "missing", file: "site.yml").description == "site.yml: error: missing")
    }
}

@Suite("Message templates")
struct MessageTemplateTests {
    @Test func gapsAreFilledOnceWhateverTheValues() {
        #expect(MessageTemplate.fill("Enter {name} ({max} max)", ["name": "the {max} field", "max": "5"]) == "Enter the {max} field (5 max)")
        #expect(MessageTemplate.fill("{a}{b}", ["a": "{b}", "b": "{a}"]) == "{b}{a}")
        #expect(MessageTemplate.fill("No gaps", ["x": "y"]) == "No gaps")
        #expect(MessageTemplate.fill("{unknown} and { and {x", ["x": "y"]) == "{unknown} and { and {x")
        #expect(MessageTemplate.fill("https://{force}.example/{force}/", ["force": "kent"]) == "https://kent.example/kent/")
        #expect(MessageTemplate.fill("Dewiswch “{option}”", ["option": "Ie"]) == "Dewiswch “Ie”")
    }
}
