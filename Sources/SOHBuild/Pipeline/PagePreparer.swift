import SOHMarkdown
import SOHModel

/// Preparing pages: placeholders checked and marked, Markdown rendered once, layout chosen.
enum PagePreparer {
    static func prepare(
        _ page: PageSource, layouts: Set<String>, allowRawHTML: Bool, site: SiteConfig, sink: DiagnosticSink
    ) -> PreparedPage {
        var uses: [String: SourceLocation] = [:]

        let titleOccurrences = Placeholder.scan(page.front.title, start: page.front.titleLocation, sink: sink)
        let title = SlottedText.fromPlaceholders(page.front.title, occurrences: titleOccurrences)
        for o in titleOccurrences where uses[o.name] == nil { uses[o.name] = o.location }
        var description: SlottedText?
        if let text = page.front.description {
            let occurrences = Placeholder.scan(text, start: page.front.titleLocation, sink: sink)
            description = SlottedText.fromPlaceholders(text, occurrences: occurrences)
            for o in occurrences where uses[o.name] == nil { uses[o.name] = o.location }
        }

        let body = prepareBody(page.body, file: page.file, firstLine: page.bodyFirstLine, language: page.language, allowRawHTML: allowRawHTML, sink: sink)
        for (name, at) in body.placeholderUses where uses[name] == nil { uses[name] = at }

        let layout = chooseLayout(page, layouts: layouts, site: site, sink: sink)
        return PreparedPage(.init(
            file: page.file, key: page.key, language: page.language, urlPath: page.urlPath, layout: layout,
            title: title, description: description, body: body.html, headings: body.headings, links: body.links, front: page.front,
            origin: page.origin, isSectionIndex: page.isSectionIndex, placeholderUses: uses, bodyFirstLine: page.bodyFirstLine))
    }

    struct Body {
        var html: SlottedText
        var headings: [Markdown.Heading]
        var links: [Markdown.Link]
        /// First place each placeholder is used in the body.
        var placeholderUses: [String: SourceLocation]
    }

    /// A page's Markdown body as HTML with slots for force values.
    static func prepareBody(_ markdown: String, file: String, firstLine: Int, language: String, allowRawHTML: Bool, sink: DiagnosticSink) -> Body {
        let start = SourceLocation(file: file, line: firstLine, column: 1)
        let occurrences = Placeholder.scan(markdown, start: start, sink: sink)
        var uses: [String: SourceLocation] = [:]
        for o in occurrences where uses[o.name] == nil { uses[o.name] = o.location }
        let markers = SlotMarkers(avoiding: markdown)
        let marked = markers.mark(markdown, occurrences)
        let rendered = Markdown.render(marked, options: .init(
            allowRawHTML: allowRawHTML, taskStates: .language(language), headingTextFilter: { markers.strip($0) }))
        let html = markers.slots(in: rendered.html, names: occurrences.map(\.name))
        let lineShift = firstLine - 1
        for line in Set(rendered.omittedHTMLLines).sorted() {
            sink.warning(SourceLocation(file: file, line: line + lineShift, column: 1), "raw HTML is left out of the page",
                hint: "Write it in Markdown instead, or set 'markdown: {allowRawHTML: true}' in site.yml.")
        }
        let headings = rendered.headings.map { h -> Markdown.Heading in
            var h = h
            h.line += lineShift
            h.text = markers.strip(h.text)
            return h
        }
        let links = rendered.links.map { l -> Markdown.Link in
            var l = l
            l.line += lineShift
            return l
        }
        return Body(html: html, headings: headings, links: links, placeholderUses: uses)
    }

    /// Front matter `layout`, else `news-item` for a dated item, `home` for `/`, a layout named after the section, `service`
    /// for a service's landing page, `section` for section index pages, else `page`.
    static func chooseLayout(_ page: PageSource, layouts: Set<String>, site: SiteConfig, sink: DiagnosticSink) -> String {
        if let layout = page.front.layout {
            if layouts.contains(layout) { return layout }
            sink.error(page.front.layoutLocation ?? .start(of: page.file), "unknown layout '\(layout)'",
                hint: Suggestion.hint(for: layout, allowed: layouts.sorted(), noun: "layouts"))
            return "page"
        }
        var candidates: [String] = []
        if page.front.news != nil { candidates.append("news-item") }
        if page.key == "/" { candidates.append("home") }
        if let service = page.front.service, site.service(service)?.page == page.key { candidates.append("service") }
        if page.isSectionIndex { candidates.append("section") }
        if !page.section.isEmpty { candidates.append(page.section) }
        return candidates.first(where: layouts.contains) ?? "page"
    }
}
