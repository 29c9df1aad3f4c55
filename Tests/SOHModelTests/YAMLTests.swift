import SOHModel
import Testing

@Suite("YAML node layer over libyaml")
struct YAMLTests {
    func parse(_ text: String, lineOffset: Int = 0) -> (YAMLNode?, [String]) {
        let sink = DiagnosticSink()
        let node = YAMLParser.parse(text, file: "t.yml", lineOffset: lineOffset, sink: sink)
        return (node, sink.all.map(\.description))
    }

    @Test func keepsLineAndColumnOnKeysAndValues() throws {
        let (node, errors) = parse("name: Kent\ncolours:\n  primary: \"#123456\"\nlist:\n  - a\n  - b\n")
        #expect(errors.isEmpty)
        guard case .mapping(let pairs) = try #require(node).value else { Issue.record("not a mapping"); return }
        #expect(pairs.map(\.key) == ["name", "colours", "list"])
        #expect(pairs[0].keyLocation.line == 1 && pairs[0].keyLocation.column == 1)
        #expect(pairs[0].value.location.column == 7)
        guard case .mapping(let inner) = pairs[1].value.value else { Issue.record("not a mapping"); return }
        #expect(inner[0].value.location.line == 3)
        #expect(inner[0].value.location.column == 12)
        guard case .scalar(let text, let plain) = inner[0].value.value else { Issue.record("not a scalar"); return }
        #expect(text == "#123456" && !plain)
    }

    @Test func lineOffsetShiftsFrontMatterLines() {
        let (_, errors) = parse("a: 1\na: 2\n", lineOffset: 1)
        #expect(errors == ["t.yml:3:1: error: duplicate key 'a' (first used on line 2)\n  hint: Keep one 'a:' and remove the other."])
    }

    @Test(arguments: [
        ("a: &x 1\nb: 2\n", "t.yml:1:4: error: YAML anchors (&name) are not allowed"),
        ("a: 1\nb: *x\n", "t.yml:2:4: error: YAML aliases (*name) are not allowed"),
        ("a: !!int 1\n", "t.yml:1:4: error: YAML tag 'tag:yaml.org,2002:int' is not allowed"),
        ("a: 1\n---\nb: 2\n", "t.yml:2:1: error: more than one YAML document in this file"),
        ("a: [1, 2\n", "t.yml:2:1: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)"),
        ("? [a, b]\n: c\n", "t.yml:1:3: error: a key must be a single word or text, not a list"),
    ])
    func refusesWhatItShould(_ text: String, _ expected: String) {
        let (node, errors) = parse(text)
        #expect(node == nil)
        #expect(errors.first?.components(separatedBy: "\n").first == expected)
    }

    @Test func aliasBombIsRefusedAtTheFirstAnchor() {
        let bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"
        let (node, errors) = parse(bomb)
        #expect(node == nil)
        #expect(errors.count == 1)
    }

    @Test func emptyDocumentIsAnEmptyMapping() throws {
        let (node, errors) = parse("")
        #expect(errors.isEmpty)
        guard case .mapping(let pairs) = try #require(node).value else { Issue.record("not a mapping"); return }
        #expect(pairs.isEmpty)
    }
}

@Suite("Colours and contrast")
struct ColourTests {
    @Test func parsesOnlyHashRRGGBB() {
        #expect(Colour(hex: "#1d3F6e") == Colour(red: 0x1d, green: 0x3f, blue: 0x6e))
        for bad in ["1d3f6e", "#fff", "#1d3f6g", "#1d3f6e0", "", "#-12345"] { #expect(Colour(hex: bad) == nil, "\(bad)") }
    }

    @Test func contrastMatchesWCAG() {
        #expect(abs(Colour.black.contrast(with: .white) - 21) < 0.001)
        #expect(abs(Colour(hex: "#767676")!.contrast(with: .white) - 4.54) < 0.01)
        #expect(Colour(hex: "#ffdd00")!.textOn == .ink)
        #expect(Colour(hex: "#1d3f6e")!.textOn == .white)
    }

    @Test func nearestPassingColourReachesTheRatio() throws {
        let fixed = try #require(Colour(hex: "#9999ff")!.nearestPassing(against: .white, ratio: 4.5))
        #expect(fixed.contrast(with: .white) >= 4.5)
        #expect(fixed.contrast(with: .white) < 5.0, "the nearest, not the darkest")
    }
}

@Suite("Suggestions")
struct SuggestionTests {
    @Test func suggestsTheClosestKey() {
        #expect(Suggestion.closest(to: "colour", in: ["colours", "contacts"]) == "colours")
        #expect(Suggestion.closest(to: "xyz", in: ["colours", "contacts"]) == nil)
    }
}
