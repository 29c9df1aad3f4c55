import Foundation
import Mustache
@testable import SOHBuild
import SOHModel
import Testing

/// The compiled renderer must give exactly swift-mustache's output, or decline.
@Suite("Compiled templates")
struct CompiledTemplateTests {
    /// Renders `main` with both renderers; the compiled one must not decline.
    func both(_ templates: [String: String], _ context: [String: Any], main: String = "main") throws -> (mustache: String, compiled: String) {
        var library = MustacheLibrary()
        for (name, text) in templates { library.register(try MustacheTemplate(string: text), named: name) }
        let compiled = try #require(CompiledTemplates(library, names: templates.keys))
        let expected = try #require(library.render(context, withTemplate: main))
        let actual = try #require(compiled.render(context, withTemplate: main))
        return (expected, actual)
    }

    @Test(arguments: [
        // Escaping, triple braces and ampersands, numbers and booleans.
        "<p>{{a}} {{{a}}} {{& a}} {{n}} {{yes}} {{no}}</p>",
        // Dotted names resolve from the first object that has their first part, and no further.
        "{{#inner}}{{x}} {{outer.x}} {{inner.x}} {{missing.x}}{{/inner}}",
        "{{#inner}}{{#deeper}}{{x}}|{{.x}}|{{y}}{{/deeper}}{{/inner}}",
        // Lists: each item pushed; the implicit iterator; empty lists are falsy, inverted pushes them.
        "{{#items}}<li>{{name}}{{#current}} (here){{/current}}</li>{{/items}}{{^empty}}none{{/empty}}{{#empty}}x{{/empty}}",
        "{{#words}}[{{.}}]{{/words}}",
        // Strings (even empty) and maps are truthy and pushed; false and missing are not.
        "{{#blank}}blank is truthy{{/blank}}{{#a}}<{{.}}>{{/a}}{{#no}}no{{/no}}{{^no}}not no{{/no}}{{^gone}}gone{{/gone}}",
        // An optional stored without a value prints "nil" and counts as present.
        "[{{absent}}]{{#absent}}present{{/absent}}{{^absent}}absent{{/absent}}[{{some}}]",
        // Standalone lines disappear; comments too.
        "<ul>\n  {{#items}}\n  <li>{{name}}</li>\n  {{/items}}\n</ul>\n{{! a comment }}\nend\n",
    ])
    func sameAsSwiftMustache(_ text: String) throws {
        let context: [String: Any] = [
            "a": "Tom & \"Jerry\" <'x'>", "n": 3, "yes": true, "no": false, "x": "root x", "blank": "",
            "outer": ["x": "outer x"], "inner": ["x": "inner x", "deeper": ["y": "deep y"]] as [String: Any],
            "items": [["name": "One", "current": true], ["name": "Two & more"]] as [[String: Any]], "empty": [[String: Any]](),
            "words": ["alpha", "<b>"], "absent": String?.none as Any, "some": String?.some("wrapped") as Any,
        ]
        let result = try both(["main": text], context)
        #expect(result.compiled == result.mustache)
    }

    @Test func partialsIndentedInheritanceAndBlocks() throws {
        let templates = [
            "base": "<html>\n  <head>{{$head}}<title>Default</title>{{/head}}</head>\n  <body>\n    {{$main}}\n    <p>default</p>\n    {{/main}}\n    {{> footer}}\n  </body>\n</html>\n",
            "footer": "<footer>\n  {{#links}}\n  <a href=\"{{url}}\">{{name}}</a>\n  {{/links}}\n  {{> small}}\n</footer>\n",
            "small": "<small>\n  {{title}}\n  {{^links}}no links{{/links}}\n</small>\n",
            "middle": "{{<base}}\n{{$head}}<title>{{title}}</title>{{/head}}\n{{/base}}\n",
            "main": "{{<middle}}\n{{$main}}\n<h1>{{title}}</h1>\n<p>Body</p>\n{{/main}}\n{{/middle}}\n",
        ]
        let context: [String: Any] = ["title": "A & B", "links": [["url": "/a?x=1&y=2", "name": "A"], ["url": "/b", "name": "B"]]]
        let result = try both(templates, context)
        #expect(result.compiled == result.mustache)
        // swift-mustache indents the first line of a section's output only; so must this.
        #expect(result.compiled.contains("      <a href=\"/a?x=1&amp;y=2\">A</a>\n  <a href=\"/b\">B</a>\n"))
    }

    @Test func declinesWhatItDoesNotKnow() throws {
        var library = MustacheLibrary()
        library.register(try MustacheTemplate(string: "{{uppercased(name)}}"), named: "main")
        #expect(CompiledTemplates(library, names: ["main"]) == nil)

        library.register(try MustacheTemplate(string: "{{name}}"), named: "main")
        let compiled = try #require(CompiledTemplates(library, names: ["main"]))
        // A value of a type it does not convert (here a Double), or a list printed whole.
        #expect(compiled.render(["name": 1.5], withTemplate: "main") == nil)
        #expect(compiled.render(["name": ["a", "b"]], withTemplate: "main") == nil)
        #expect(compiled.render(["name": "fine"], withTemplate: "main") == "fine")
    }

    /// Every page of a few forces of the repository (English, Welsh, with pages of their own),
    /// rendered by both.
    @Test func repositoryPagesRenderTheSameBothWays() throws {
        let loaded = try SiteLoader.load(root: Fixture.repositoryRoot)
        let forces = loaded.forces.filter { ["kent", "south-wales", "cumbria", "avon-and-somerset"].contains($0.id) }
        let prepared = try PreparedSite.prepare(loaded, environment: "production", forces: forces)
        var slow = prepared
        slow.theme.compiled = nil
        slow.forceThemes = slow.forceThemes.mapValues { var t = $0; t.compiled = nil; return t }
        #expect(prepared.theme.compiled != nil && prepared.forceThemes.values.allSatisfy { $0.compiled != nil },
                "every theme of the repository compiles (a swift-mustache release that changes its parse would stop it)")
        var pages = 0
        for force in forces {
            let before = Theme.fallbacks.load(ordering: .relaxed)
            let fast = ForceRenderer(prepared: prepared, force: force).render()
            // Loud, not silent: a page the compiled renderer declined would be compared with itself.
            #expect(Theme.fallbacks.load(ordering: .relaxed) == before, "\(force.id): the compiled renderer declined a page")
            let reference = ForceRenderer(prepared: slow, force: force).render()
            #expect(fast.map(\.path) == reference.map(\.path))
            for (a, b) in zip(fast, reference) where a.path.hasSuffix(".html") {
                pages += 1
                #expect(a.data == b.data, "\(force.id)/\(a.path)")
            }
        }
        #expect(pages > 300)
    }
}
