import SOHMarkdown
import Testing

@Suite("Markdown through cmark-gfm")
struct MarkdownTests {
    @Test func headingsGetStableUniqueIDs() {
        let r = Markdown.render("# Hello, World!\n\n## Hello world\n\n## Café & Ŵyau\n\n### `code` here\n")
        #expect(r.headings.map(\.id) == ["hello-world", "hello-world-1", "café-ŵyau", "code-here"])
        #expect(r.html.contains("<h1 id=\"hello-world\">Hello, World!</h1>"))
        #expect(r.html.contains("<h2 id=\"hello-world-1\">Hello world</h2>"))
        #expect(r.headings.map(\.line) == [1, 3, 5, 7])
    }

    @Test func githubExtensions() {
        let r = Markdown.render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ and https://www.police.uk\n\n- [x] done\n- [ ] to do\n")
        #expect(r.html.contains("<table>"))
        #expect(r.html.contains("<th>a</th>"))
        #expect(r.html.contains("<del>gone</del>"))
        #expect(r.html.contains("<a href=\"https://www.police.uk\">https://www.police.uk</a>"))
        // Task boxes are not unlabelled form controls: the state is said in words.
        #expect(!r.html.contains("<input"))
        #expect(r.html.contains("<li><span class=\"task-list-item__state task-list-item__state--done\"><span class=\"visually-hidden\">Done: </span></span>done</li>"))
        #expect(r.html.contains("<li><span class=\"task-list-item__state\"><span class=\"visually-hidden\">To do: </span></span>to do</li>"))
    }

    @Test func taskStatesInThePagesLanguage() {
        let welsh = Markdown.TaskStates(done: "Wedi'i wneud", toDo: "I'w wneud <&>")
        let r = Markdown.render("1. [x] un\n\n   mwy\n2. [ ] dau\n", options: .init(taskStates: welsh))
        #expect(!r.html.contains("<input"))
        // In a loose list the state comes before the item's first paragraph.
        #expect(r.html.contains("Wedi'i wneud: </span></span>\n<p>un</p>"), "\(r.html)")
        #expect(r.html.contains("I'w wneud &lt;&amp;&gt;: </span></span>\n<p>dau</p>"), "\(r.html)")
    }

    @Test func headingsNeverTakeTheThemesIDs() {
        let r = Markdown.render("## Main\n\n## Main\n\n## Soh keep draft\n")
        #expect(r.headings.map(\.id) == ["main-1", "main-2", "soh-keep-draft-1"])
    }

    @Test func rawHTMLIsOmittedUnlessAllowed() {
        let source = "Hello <span class=x>there</span>\n\n<script>alert(1)</script>\n"
        let safe = Markdown.render(source)
        #expect(!safe.html.contains("<span"))
        #expect(!safe.html.contains("<script"))
        #expect(safe.omittedHTMLLines == [1, 1, 3])
        let allowed = Markdown.render(source, options: .init(allowRawHTML: true))
        #expect(allowed.html.contains("<span class=x>there</span>"))
        // GitHub's tag filter still disarms script tags.
        #expect(allowed.html.contains("&lt;script>"))
    }

    @Test func dangerousLinksAreDropped() {
        let r = Markdown.render("[x](javascript:alert(1)) [y](/ok/)\n")
        #expect(!r.html.contains("javascript:"))
        #expect(r.html.contains("href=\"/ok/\""))
        #expect(r.links.map(\.url) == ["javascript:alert(1)", "/ok/"])
    }

    @Test func linksAndImagesAreReportedWithPositions() {
        let r = Markdown.render("Intro\n\nSee [advice](/advice/) and ![a bike](/img/bike.png).\n")
        #expect(r.links.count == 2)
        #expect(r.links[0].url == "/advice/")
        #expect(r.links[0].text == "advice")
        #expect(r.links[0].line == 3)
        #expect(r.links[0].column == 5)
        #expect(r.links[1].isImage)
        #expect(r.links[1].text == "a bike")
    }

    @Test func headingTextFilterShapesIDsOnly() {
        let r = Markdown.render("## Call XYZ now\n", options: .init(headingTextFilter: { $0.replacingOccurrences(of: "XYZ", with: "") }))
        #expect(r.headings.first?.id == "call-now")
        #expect(r.html.contains(">Call XYZ now</h2>"))
    }

    /// cmark-gfm's table of inline special characters is shared by the whole process; renders
    /// running at once must not lose strikethrough or tables (a flaky build once showed it).
    @Test func concurrentRendersGiveTheSameHTML() async {
        let text = "Call or ~~write~~.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"
        let expected = Markdown.render(text).html
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<300).allSatisfy { _ in Markdown.render(text).html == expected } }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
        #expect(expected.contains("<del>write</del>"))
    }
}
