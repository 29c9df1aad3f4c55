import Foundation
import SOHModel
import SOHTemplates

/// What `soh serve` adds to a force's site: the live-reload script on every page and a branding
/// page (`/_soh/branding/`) for communications teams to sign off colours, logo and components.
enum Preview {
    static let brandingURL = "/_soh/branding/"
    static let script = "<script type=\"module\" src=\"/_soh/live.js\"></script>\n</body>"

    static func decorate(_ files: [OutputFile], prepared: PreparedSite, force: ForceIdentity) -> [OutputFile] {
        var files = files.map { file -> OutputFile in
            guard file.path.hasSuffix(".html") else { return file }
            var decorated = file
            decorated.sha256 = nil
            decorated.data = withScript(file.data, at: lastBodyEnd(file.data))
            return decorated
        }
        files.append(OutputFile(path: PageFile.path(for: brandingURL), data: Data(brandingPage(prepared: prepared, force: force).utf8)))
        return files.sorted { $0.path < $1.path }
    }

    static func brandingPage(prepared: PreparedSite, force: ForceIdentity) -> String {
        let renderer = ForceRenderer(prepared: prepared, force: force)
        guard var page = renderer.set.page(at: "/") ?? renderer.set.pages.first else { return "" }
        page.kind = .content
        page.title = SlottedText(literal: "Branding: \(force.name)")
        page.description = SlottedText(literal: "Colours with their measured contrast, the logo at the sizes the theme uses, and every component in this force's colours.")
        page.key = brandingURL
        page.urlPath = brandingURL
        page.layout = "page"
        page.front.quickExit = false
        page.body = SlottedText(literal: body(renderer))
        let (_, urls) = renderer.assets()
        let html = MarkedText.unmarked(renderer.renderPage(page, shared: renderer.sharedContext(assetURLs: urls)) ?? "").data
        return String(decoding: withScript(html, at: lastBodyEnd(html)), as: UTF8.self)
    }

    static let bodyEnd = Array("</body>".utf8)

    /// Where the page's last `</body>` is, in bytes.
    static func lastBodyEnd(_ data: Data) -> Int? {
        data.withUnsafeBytes { bytes -> Int? in
            guard bytes.count >= bodyEnd.count else { return nil }
            var i = bytes.count - bodyEnd.count
            while i >= 0 {
                if bytes[i] == 0x3C, bytes[i..<(i + bodyEnd.count)].elementsEqual(bodyEnd) { return i }
                i -= 1
            }
            return nil
        }
    }

    /// The page with the live-reload script just before its last `</body>` (the document's own;
    /// an earlier one could only be text in the body), which is at `at`.
    static func withScript(_ data: Data, at: Int?) -> Data {
        guard let at else { return data }
        let base = data.startIndex
        var out = Data(data[..<(base + at)])
        out.append(contentsOf: script.utf8)
        out.append(data[(base + at + bodyEnd.count)...])
        return out
    }

    static func body(_ r: ForceRenderer) -> String {
        let p = r.palette
        let configured = r.force.colours
        func swatch(_ c: Colour) -> String {
            let svg = "<svg xmlns='http://www.w3.org/2000/svg' width='48' height='32'><rect width='48' height='32' fill='\(c)' stroke='%230b0c0c'/></svg>"
            return "<img class=\"swatch\" alt=\"\" width=\"48\" height=\"32\" src=\"data:image/svg+xml,\(svg.replacingOccurrences(of: "#", with: "%23").replacingOccurrences(of: "%23%23", with: "%23"))\">"
        }
        func row(_ what: String, _ fg: Colour, _ bg: Colour, _ needed: Double) -> String {
            let ratio = fg.contrast(with: bg)
            let verdict = ratio >= needed ? "<strong class=\"pass\">Pass</strong>" : "<strong class=\"fail\">Fail</strong>"
            return "<tr><th scope=\"row\">\(Escape.html(what))</th><td>\(swatch(fg)) \(fg) on \(swatch(bg)) \(bg)</td><td>\(String(format: "%.2f", ratio)):1</td><td>\(String(format: "%.1f", needed)):1</td><td>\(verdict)</td></tr>\n"
        }
        var html = "<h2 id=\"colours\">Colours and contrast</h2>\n"
        html += "<p>Measured with the WCAG 2.2 formula. Where a colour in the force file fails, the build uses a corrected one and says so.</p>\n"
        html += "<table>\n<thead><tr><th scope=\"col\">Use</th><th scope=\"col\">Colours</th><th scope=\"col\">Contrast</th><th scope=\"col\">Needed</th><th scope=\"col\">Result</th></tr></thead>\n<tbody>\n"
        html += row("Header text on primary", p.onPrimary, p.primary, 4.5)
        html += row("Text on secondary (accent)", p.onSecondary, p.secondary, 4.5)
        html += row("Links on the page (as configured)", configured.link, .white, 4.5)
        html += row("Links on the page (as published)", p.link, .white, 4.5)
        html += row("Focused text on the focus colour", p.onFocus, p.focus, 4.5)
        html += row("Primary against the page (non-text)", p.primary, .white, 3)
        html += "</tbody>\n</table>\n"
        html += "<h2 id=\"logo\">Logo</h2>\n"
        if case .text(let logo)? = r.sharedContext(assetURLs: r.assets().1)["force"]?["logo"] {
            html += "<p>At 32, 48 (the header) and 96 pixels:</p>\n<p>"
            for size in [32, 48, 96] { html += "<img src=\"\(Escape.html(logo))\" alt=\"\(Escape.html(r.force.name)) logo at \(size) pixels\" width=\"\(size)\" height=\"\(size)\"> " }
            html += "</p>\n"
        } else {
            html += "<p>This force has no logo: set <code>logo:</code> in its force file.</p>\n"
        }
        html += "<h2 id=\"components\">Components</h2>\n"
        html += "<p><a href=\"/\">A link</a>. Press Tab to move through the page and see the focus style on each component.</p>\n"
        html += "<p><a class=\"button\" href=\"/report/\">Button</a> <a class=\"button button--secondary\" href=\"/report/\">Secondary button</a> "
        html += "<a class=\"button button--start\" href=\"/report/\">Start now</a></p>\n"
        html += "<div class=\"inset\"><p>Inset text, used for local notes.</p></div>\n"
        if let (_, form) = r.prepared.forms.sorted(by: { $0.key < $1.key }).first(where: { $0.value.html[r.config.defaultLanguage] != nil }),
           let fragment = form.html[r.config.defaultLanguage] {
            html += "<h3>Form components</h3>\n<p>The \(Escape.html(form.definition.title.text("en"))) form as a browser without JavaScript shows it. It does not send anything from this page.</p>\n"
            html += fragment.fill { _ in "#" }
        }
        return html
    }
}
