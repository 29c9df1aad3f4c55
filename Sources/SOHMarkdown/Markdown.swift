import CCmarkGFM
import SOHModel
import Foundation

/// Markdown to HTML through cmark-gfm: CommonMark with GitHub tables, strikethrough, autolinks
/// and task lists. Headings get stable ids; links, images and headings are reported with their
/// source positions so later checks can name the line.
public enum Markdown {
    public struct Options: Sendable {
        /// Raw HTML is omitted unless this is set (and then still passes GitHub's tag filter).
        public var allowRawHTML: Bool
        /// Applied to heading text before making its id; used to drop per-force slots so
        /// anchors are the same on every site.
        public var headingTextFilter: @Sendable (String) -> String

        /// What a task list item's box says to someone who cannot see it, in the page's language.
        public var taskStates: TaskStates

        public init(allowRawHTML: Bool = false, taskStates: TaskStates = .english,
                    headingTextFilter: @escaping @Sendable (String) -> String = { $0 }) {
            self.allowRawHTML = allowRawHTML
            self.taskStates = taskStates
            self.headingTextFilter = headingTextFilter
        }
    }

    /// The words for a task list item's state (`- [x] Done item`).
    public struct TaskStates: Sendable, Equatable {
        public var done: String
        public var toDo: String
        public init(done: String, toDo: String) {
            self.done = done
            self.toDo = toDo
        }
        public static let english = TaskStates(done: "Done", toDo: "To do")
        public static let welsh = TaskStates(done: "Wedi'i wneud", toDo: "I'w wneud")

        /// The words in `language` (`en`, `cy`); English for any other.
        public static func language(_ language: String) -> TaskStates { language == "cy" ? .welsh : .english }
    }

    /// Ids the theme and the form runtime give their own elements (the skip link's target
    /// `main` above all). A heading never takes one: `## Main` gets `main-1`. The theme test
    /// checks that every id the shipped theme writes is here.
    public static let reservedIDs: Set<String> = [
        "main", "soh-keep-draft", "soh-keep-draft-hint", "soh-keep-draft-warning", "report-copy-title", "search-q",
    ]

    public struct Heading: Sendable, Hashable {
        public var level: Int
        public var text: String
        public var id: String
        public var line: Int
        public var column: Int
    }

    public struct Link: Sendable, Hashable {
        public var url: String
        public var text: String
        public var isImage: Bool
        public var line: Int
        public var column: Int
    }

    public struct Rendered: Sendable {
        public var html: String
        public var headings: [Heading]
        public var links: [Link]
        /// Lines (relative to the Markdown text) where raw HTML was left out.
        public var omittedHTMLLines: [Int]
    }

    /// cmark-gfm keeps the characters that start inline syntax in a process-wide table: attaching
    /// an extension to a parser adds `~` or `|`, freeing the parser removes them again. Two
    /// renders at once (parallel tests, a server) could drop strikethrough or tables from each
    /// other, so renders take turns.
    private static let lock = NSLock()

    public static func render(_ text: String, options: Options = Options()) -> Rendered {
        lock.lock()
        defer { lock.unlock() }
        return renderAlone(text, options: options)
    }

    private static func renderAlone(_ text: String, options: Options) -> Rendered {
        _ = registered
        var cmarkOptions = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8
        if options.allowRawHTML { cmarkOptions |= CMARK_OPT_UNSAFE }
        guard let parser = cmark_parser_new(cmarkOptions) else {
            return Rendered(html: "", headings: [], links: [], omittedHTMLLines: [])
        }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "autolink", "tasklist", "tagfilter"] {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        cmark_parser_feed(parser, text, text.utf8.count)
        guard let document = cmark_parser_finish(parser) else {
            return Rendered(html: "", headings: [], links: [], omittedHTMLLines: [])
        }
        defer { cmark_node_free(document) }

        var headings: [Heading] = []
        var links: [Link] = []
        var omitted: [Int] = []
        var usedIDs = Dictionary(uniqueKeysWithValues: reservedIDs.map { ($0, 1) })
        var headingNodes: [OpaquePointer] = []
        var hasTasks = false

        let iterator = cmark_iter_new(document)
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
            let line = Int(cmark_node_get_start_line(node)), column = Int(cmark_node_get_start_column(node))
            switch cmark_node_get_type(node) {
            case CMARK_NODE_HEADING:
                let text = plainText(node)
                var id = Identifier.slug(options.headingTextFilter(text))
                if id.isEmpty { id = "section" }
                if let n = usedIDs[id] {
                    usedIDs[id] = n + 1
                    id += "-\(n)"
                } else {
                    usedIDs[id] = 1
                }
                headings.append(Heading(level: Int(cmark_node_get_heading_level(node)), text: text, id: id, line: line, column: column))
                headingNodes.append(node)
            case CMARK_NODE_LINK, CMARK_NODE_IMAGE:
                let url = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
                links.append(Link(url: url, text: plainText(node), isImage: cmark_node_get_type(node) == CMARK_NODE_IMAGE,
                                  line: line, column: column))
            case CMARK_NODE_ITEM:
                if let type = cmark_node_get_type_string(node), String(cString: type) == "tasklist" { hasTasks = true }
            case CMARK_NODE_HTML_BLOCK, CMARK_NODE_HTML_INLINE:
                if !options.allowRawHTML { omitted.append(line) }
            default:
                break
            }
        }

        // Replace each heading by a custom block carrying its id; done after the walk so the
        // iterator never sees a changing tree.
        for (node, heading) in zip(headingNodes, headings) {
            guard let block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK) else { continue }
            let tag = "h\(heading.level)"
            cmark_node_set_on_enter(block, "<\(tag) id=\"\(heading.id)\">")
            cmark_node_set_on_exit(block, "</\(tag)>")
            while let child = cmark_node_first_child(node) {
                cmark_node_unlink(child)
                cmark_node_append_child(block, child)
            }
            cmark_node_replace(node, block)
            cmark_node_free(node)
        }

        let extensions = cmark_parser_get_syntax_extensions(parser)
        guard let raw = cmark_render_html(document, cmarkOptions, extensions) else {
            return Rendered(html: "", headings: headings, links: links, omittedHTMLLines: omitted)
        }
        defer { free(raw) }
        var html = String(cString: raw)
        if hasTasks {
            // cmark-gfm's task boxes are unlabelled form controls (axe: 'label', WCAG 4.1.2). The
            // state is said in words instead, and the box drawn by the theme.
            let state = { (done: Bool) in
                "<span class=\"task-list-item__state\(done ? " task-list-item__state--done" : "")\"><span class=\"visually-hidden\">"
                    + escape(done ? options.taskStates.done : options.taskStates.toDo) + ": </span></span>"
            }
            html = html.replacingAll("<input type=\"checkbox\" checked=\"\" disabled=\"\" /> ", with: state(true))
            html = html.replacingAll("<input type=\"checkbox\" disabled=\"\" /> ", with: state(false))
        }
        if !headings.isEmpty {
            // cmark puts custom blocks' open and close tags on lines of their own; keep headings on one line.
            for heading in headings {
                html = html.replacingAll("<h\(heading.level) id=\"\(heading.id)\">\n", with: "<h\(heading.level) id=\"\(heading.id)\">")
            }
            for level in Set(headings.map(\.level)) {
                html = html.replacingAll("\n</h\(level)>", with: "</h\(level)>")
            }
        }
        return Rendered(html: html, headings: headings, links: links, omittedHTMLLines: omitted)
    }

    static func escape(_ text: String) -> String {
        text.replacingAll("&", with: "&amp;").replacingAll("<", with: "&lt;").replacingAll(">", with: "&gt;").replacingAll("\"", with: "&quot;")
    }

    /// The text of a node's inline children, as a reader would see it.
    static func plainText(_ node: OpaquePointer) -> String {
        var text = ""
        var child = cmark_node_first_child(node)
        while let current = child {
            switch cmark_node_get_type(current) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE:
                if let literal = cmark_node_get_literal(current) { text += String(cString: literal) }
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
                text += " "
            default:
                text += plainText(current)
            }
            child = cmark_node_next(current)
        }
        return text
    }

    private static let registered: Bool = {
        cmark_gfm_core_extensions_ensure_registered()
        return true
    }()
}
