import Foundation
import Mustache
@testable import SOHBuild
import SOHModel
@testable import SOHTemplates
import Testing

/// soh parses and renders the themes' Mustache itself (`TemplateParser`, `Templates`), with
/// typed values. swift-mustache 2.1, which rendered them before, is kept as the reference:
/// every template here, and every page of the repository (rendered by `SOHBuild`), must come
/// out byte for byte as it renders them.
@Suite("Templates")
struct TemplateTests {
    /// The value as swift-mustache takes it.
    static func reference(_ value: TemplateValue) -> Any {
        switch value {
        case .text(let text): text
        case .bool(let truth): truth
        case .list(let items): items.map(reference)
        case .map(let fields): fields.mapValues(reference)
        }
    }

    /// `main` rendered by both.
    func both(_ templates: [String: String], _ context: TemplateContext, main: String = "main") throws -> (reference: String, ours: String) {
        var library = MustacheLibrary()
        var ours = Templates()
        for (name, text) in templates {
            library.register(try MustacheTemplate(string: text), named: name)
            ours.add(try TemplateParser.parse(text), named: name)
        }
        let expected = try #require(library.render(Self.reference(.map(context)), withTemplate: main))
        let actual = try #require(ours.render(context, withTemplate: main))
        return (expected, actual)
    }

    static let context: TemplateContext = [
        "a": "Tom & \"Jerry\" <'x'>", "yes": true, "no": false, "x": "root x", "blank": "",
        "outer": ["x": "outer x"], "inner": ["x": "inner x", "deeper": ["y": "deep y"]],
        "items": [["name": "One", "current": true], ["name": "Two & more"]], "empty": [],
        "words": ["alpha", "<b>"], "title": "A & B",
        "links": [["url": "/a?x=1&y=2", "name": "A"], ["url": "/b", "name": "B"]],
    ]

    @Test(arguments: [
        // Escaping, triple braces and ampersands, booleans; whitespace inside tags.
        "<p>{{a}} {{{a}}} {{& a}} {{ yes }} {{no}} {{{ a }}}</p>",
        // Dotted names resolve from the first object that has their first part, and no further.
        "{{#inner}}{{x}} {{outer.x}} {{inner.x}} {{missing.x}}{{/inner}}",
        "{{#inner}}{{#deeper}}{{x}}|{{.x}}|{{y}}{{/deeper}}{{/inner}}",
        // Lists: each item pushed; the implicit iterator; empty lists are false, inverted pushes them.
        "{{#items}}<li>{{name}}{{#current}} (here){{/current}}</li>{{/items}}{{^empty}}none{{/empty}}{{#empty}}x{{/empty}}",
        "{{#words}}[{{.}}]{{/words}}",
        // Text (even empty) and maps are true and pushed; false and missing are not.
        "{{#blank}}blank is true{{/blank}}{{#a}}<{{.}}>{{/a}}{{#no}}no{{/no}}{{^no}}not no{{/no}}{{^gone}}gone{{/gone}}",
        // Standalone lines disappear, comments too; indented ones with their indentation.
        "<ul>\n  {{#items}}\n  <li>{{name}}</li>\n  {{/items}}\n</ul>\n{{! a comment }}\nend\n",
        "  {{! indented comment }}  \n\t{{#yes}}\t\nin\n  {{/yes}}\nout {{! inline }} x\n  {{^no}}  y\n{{/no}}z",
        // A section opened standalone and closed inline, and the other way round.
        "{{#yes}}\nx{{/yes}} {{#yes}}\n  y\n{{/yes}}\n  {{#no}}{{/no}}\nend",
        // Set delimiters, standalone and inline.
        "{{=<% %>=}}\n<% a %> {{a}}\n<%={{ }}=%> {{a}}\n",
        // Whitespace and text at the very end, without a line break.
        "a\n  ", "{{a}}  ", "  {{#yes}}  ", "x\n  {{/yes}}",
        // Other Unicode, including line separators.
        "é {{#words}}“{{.}}”{{/words}}\u{2028}{{a}}\r\n{{x}}",
    ])
    func sameAsTheReference(_ text: String) throws {
        if text == "  {{#yes}}  " || text == "x\n  {{/yes}}" {
            // Unbalanced: both refuse.
            #expect(throws: (any Error).self) { try MustacheTemplate(string: text) }
            #expect(throws: TemplateParser.Failure.self) { try TemplateParser.parse(text) }
            return
        }
        let result = try both(["main": text], Self.context)
        #expect(result.ours == result.reference)
    }

    @Test func partialsIndentedInheritanceAndBlocks() throws {
        let templates = [
            "base": "<html>\n  <head>{{$head}}<title>Default</title>{{/head}}</head>\n  <body>\n    {{$main}}\n    <p>default</p>\n    {{/main}}\n    {{> footer}}\n  </body>\n</html>\n",
            "footer": "<footer>\n  {{#links}}\n  <a href=\"{{url}}\">{{name}}</a>\n  {{/links}}\n  {{> small}}\n</footer>\n",
            "small": "<small>\n  {{title}}\n  {{^links}}no links{{/links}}\n</small>\n",
            "middle": "{{<base}}\n{{$head}}<title>{{title}}</title>{{/head}}\n{{/base}}\n",
            "main": "{{<middle}}\n{{$main}}\n<h1>{{title}}</h1>\n  <p>Body</p>\n    <p>deeper</p>\n{{/main}}\n{{/middle}}\n",
            "indented": "  {{<base}}\n    {{$main}}\n      <h1>{{title}}</h1>\n        <p>x</p>\n    {{/main}}\n  {{/base}}\n",
            "inline": "before {{> small}} after {{<middle}}{{$main}}inline{{/main}}{{/middle}}",
        ]
        for main in ["main", "indented", "inline"] {
            let result = try both(templates, Self.context, main: main)
            #expect(result.ours == result.reference, "\(main)")
        }
        // The first line of a section's output is indented, not the second item's.
        let result = try both(templates, Self.context)
        #expect(result.ours.contains("      <a href=\"/a?x=1&amp;y=2\">A</a>\n  <a href=\"/b\">B</a>\n"))
    }

    /// Every page of a few forces of the repository (English, Welsh, with pages of their own),
    /// rendered from the same context by soh and by the reference.
    @Test func repositoryPagesRenderAsTheReferenceDoes() throws {
        let loaded = try SiteLoader.load(root: Self.repositoryRoot)
        let forces = loaded.forces.filter { ["kent", "south-wales", "cumbria", "avon-and-somerset"].contains($0.id) }
        let prepared = try PreparedSite.prepare(loaded, environment: "production", forces: forces)
        var pages = 0
        for force in forces {
            let renderer = ForceRenderer(prepared: prepared, force: force)
            var library = MustacheLibrary()
            for (name, text) in renderer.theme.sources { library.register(try MustacheTemplate(string: text), named: name) }
            let speakers = renderer.speakers(assetURLs: renderer.assets().1)
            for page in renderer.set.pages {
                let (speaker, shared) = try #require(speakers[page.language])
                let context = speaker.context(for: page, shared: shared)
                let expected = try #require(library.render(Self.reference(.map(context)), withTemplate: page.layout))
                #expect(speaker.renderPage(page, shared: shared) == expected, "\(force.id)\(page.urlPath)")
                pages += 1
            }
        }
        #expect(pages > 300)
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Thousands of generated templates, mixing the tags with spaces, tabs and line breaks
    /// where the whitespace rules bite (standalone lines, indentation, inheritance).
    @Test func generatedTemplatesRenderAsTheReferenceDoes() throws {
        var random = SplitMix(seed: 2026)
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        func whitespace() -> String { pick(["", "", " ", "  ", "\t", "\n", "\n  ", "  \n", " \n\t"]) }
        // `p` is included by `main` and includes nothing (a partial that includes itself is refused).
        var partials = true
        func content(_ depth: Int) -> String {
            var out = ""
            for _ in 0..<Int(random.next() % 6) {
                out += whitespace()
                // Blocks and parents at the top only: one inside a block of the same name never
                // ends (both renderers would recurse without end; soh stops, see below).
                switch random.next() % (depth > 2 ? 6 : depth > 0 ? 7 : 10) {
                case 0: out += pick(["x", "é", "<b>", "a b"])
                case 1: out += pick(["{{a}}", "{{{a}}}", "{{& a}}", "{{ x }}", "{{yes}}", "{{missing}}"])
                case 2: out += pick(["{{! note }}", "{{!\nmulti\n}}"])
                case 3: out += partials ? "{{> p}}" : "{{> nothing}}"
                case 4: out += pick(["{{#items}}{{name}}{{/items}}", "{{#words}}{{.}}{{/words}}"])
                case 5: out += "\n"
                case 6:
                    let name = pick(["yes", "no", "items", "empty", "inner", "blank"])
                    out += "{{\(pick(["#", "^"]))\(name)}}" + whitespace() + content(depth + 1) + whitespace() + "{{/\(name)}}"
                case 7: out += "{{$main}}" + whitespace() + content(depth + 1) + whitespace() + "{{/main}}"
                case 8:
                    out += "{{<base}}" + whitespace() + "{{$main}}" + whitespace() + content(depth + 1) + whitespace() + "{{/main}}"
                        + whitespace() + "{{$head}}" + content(depth + 1) + "{{/head}}" + whitespace() + "{{/base}}"
                default: out += "{{=<% %>=}}" + whitespace() + "<% a %>" + whitespace() + "<%={{ }}=%>"
                }
                out += whitespace()
            }
            return out
        }
        var compared = 0
        for _ in 0..<3000 {
            partials = false
            let p = content(2)
            partials = true
            let templates = [
                "main": content(0),
                "p": p,
                "base": "<html>\n  {{$head}}default head{{/head}}\n  <body>\n    {{$main}}\n    default\n    {{/main}}\n  </body>\n</html>",
            ]
            let result = try both(templates, Self.context)
            #expect(result.ours == result.reference, "\(templates)")
            if result.ours != result.reference {
                break
            }
            compared += 1
        }
        #expect(compared == 3000)
    }

    /// Templates that would render for ever are stopped, and circles of partials found at once.
    @Test func endlessTemplatesStop() throws {
        var templates = Templates()
        templates.add(try TemplateParser.parse("<html>{{$main}}{{/main}}</html>"), named: "base")
        templates.add(try TemplateParser.parse("{{<base}}{{$main}}{{$main}}x{{/main}}{{/main}}{{/base}}"), named: "own-block")
        templates.add(try TemplateParser.parse("{{<base}}{{$main}}{{<base}}{{/base}}{{/main}}{{/base}}"), named: "own-parent")
        templates.add(try TemplateParser.parse("{{<base}}{{$main}}fine{{/main}}{{/base}}"), named: "fine")
        #expect(templates.render([:], withTemplate: "own-block") == nil)
        #expect(templates.render([:], withTemplate: "own-parent") == nil)
        #expect(templates.render([:], withTemplate: "fine") == "<html>fine</html>")
        #expect(templates.cycle() == nil)
        templates.add(try TemplateParser.parse("{{#x}}{{> b}}{{/x}}"), named: "a")
        templates.add(try TemplateParser.parse("{{<base}}{{$main}}{{> a}}{{/main}}{{/base}}"), named: "b")
        #expect(templates.cycle() == ["a", "b", "a"])
    }

    /// What a layout depends on, for the build's page keys: every template it reaches, at any
    /// depth and whatever the delimiters, and names not (yet) in the theme.
    @Test func partialsAreFollowedTransitively() throws {
        var templates = Templates()
        let sources = ["page": "{{> base}}", "base": "{{>header}} {{< frame}}{{/frame}}", "header": "{{=<% %>=}}<%> footer %>",
                       "frame": "{{#x}}{{> missing}}{{/x}}", "other": "z"]
        for (name, text) in sources { templates.add(try TemplateParser.parse(text), named: name) }
        #expect(templates.reachable(from: "page") == ["base", "footer", "frame", "header", "missing", "page"])
        #expect(templates.reachable(from: "other") == ["other"])
    }

    @Test(arguments: [
        ("<h1>{{page.title}</h1>", 1, 17, "a tag is not finished"),
        ("{{#a}}\nx\n{{/b}}", 3, 4, "'a' is closed as 'b'"),
        ("x\n{{/b}}", 2, 4, "'b' is closed but was never opened"),
        ("{{#a}}\nx", 2, 2, "'a' is opened but never closed"),
        ("{{{a}}", 1, 7, "a tag opened with three braces is not closed with three"),
        ("{{! never closed", 1, 17, "a comment is not closed"),
        ("{{=<% =}}", 1, 7, "a set-delimiter tag should read {{=<open> <close>=}}"),
        ("{{uppercased(a)}}", 1, 13, "transforms such as 'uppercased(x)' are not supported: give the template the value it shows"),
        ("{{>*dynamic}}", 1, 4, "dynamic partials ({{>*name}}) are not supported"),
        ("{{%CONTENT_TYPE:TEXT}}", 1, 3, "pragmas ({{% … }}) are not supported"),
        ("{{<base}}\n{{a}}\n{{/base}}", 3, 10, "inside {{<base}} only blocks ({{$name}}…{{/name}}) may stand"),
        ("end {{", 1, 7, "a tag is not finished"),
    ])
    func mistakesAreNamedWithTheirPlace(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        #expect(throws: TemplateParser.Failure(line: line, column: column, message: message)) { try TemplateParser.parse(text) }
    }
}

/// A small, seeded pseudo-random generator (SplitMix64), so generated tests repeat exactly.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
