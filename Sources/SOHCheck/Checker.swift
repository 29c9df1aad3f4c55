import Foundation
import SOHBuild
import SOHMarkdown
import SOHForms
import SOHModel

/// One problem `soh check` found: a diagnostic at its source, the rule that found it, and the
/// forces whose sites have it.
public struct Finding: Sendable, Equatable {
    public var rule: String
    public var diagnostic: Diagnostic
    public var forces: [String]

    public init(rule: String, diagnostic: Diagnostic, forces: [String]) {
        self.rule = rule
        self.diagnostic = diagnostic
        self.forces = forces
    }
}

/// The quality rules over a site, all forces at once (see docs/checks.md). Each rule has a
/// stable id; a problem that appears on several forces is reported once, naming them.
public enum Checker {
    public static let rules = [
        "link/internal", "link/anchor", "link/text", "content/image-alt", "content/heading-order", "content/title-unique",
        "content/description", "link/asset", "contrast/brand-text", "contrast/link", "contrast/focus", "i18n/welsh-twin", "i18n/stale-translation", "i18n/form-welsh", "i18n/force-name", "budget/page-weight",
        "html/duplicate-id", "routing/area-question", "routing/areas-file",
        "news/expiring",
    ]

    public static func check(_ options: Builder.Options) async throws(DiagnosticsError) -> [Finding] {
        // Loaded and prepared once: inspected here, then rendered for the checks of the output.
        let prepared = try Builder.prepare(options)
        let (site, warnings) = Builder.inspect(prepared)
        var collector = Collector()
        for force in site.forces {
            links(force, site: site, into: &collector)
            content(force, into: &collector)
            contrast(force, into: &collector)
            welsh(force, site: site, into: &collector)
            welshForms(force, root: options.root, into: &collector)
            expiring(force, now: site.now, language: site.config.defaultLanguage, into: &collector)
        }
        routing(site, into: &collector)
        // Page weight needs the real output: build into a temporary folder.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("soh-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        var buildOptions = options
        buildOptions.out = out
        _ = try await Builder.write(prepared, buildOptions)
        for force in site.forces {
            let dir = out.appendingPathComponent(force.identity.id)
            weight(force, out: dir, budgets: site.config.budgets, into: &collector)
            assets(force, out: dir, into: &collector)
            duplicateIDs(force, out: dir, into: &collector)
        }
        // What the build warns about (raw HTML left out, a page in a language the force does not
        // publish) is a finding too, so CI annotations show it; unless a rule reported that place.
        let placed = Set(collector.findings.map { "\($0.diagnostic.file):\($0.diagnostic.line):\($0.diagnostic.column)" })
        for warning in warnings where !placed.contains("\(warning.file):\(warning.line):\(warning.column)") {
            collector.add("build", warning, force: nil)
        }
        return collector.findings
    }

    struct Collector {
        var order: [String] = []
        var byKey: [String: Finding] = [:]

        /// `force` is nil for a problem of the national sources as a whole.
        mutating func add(_ rule: String, _ diagnostic: Diagnostic, force: String?) {
            let key = "\(rule)|\(diagnostic.file)|\(diagnostic.line)|\(diagnostic.column)|\(diagnostic.message)"
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = Finding(rule: rule, diagnostic: diagnostic, forces: [])
            }
            if let force, byKey[key]?.forces.contains(force) == false { byKey[key]?.forces.append(force) }
        }

        var findings: [Finding] {
            order.compactMap { byKey[$0] }.sorted { ($0.diagnostic, $0.rule) < ($1.diagnostic, $1.rule) }
        }
    }

    static func at(_ page: SiteInspection.Page, _ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: page.file, line: line, column: column)
    }

    // MARK: Links

    static func links(_ force: SiteInspection.Force, site: SiteInspection, into c: inout Collector) {
        let id = force.identity.id
        for page in force.pages where !page.generated {
            for link in page.links {
                if link.isImage {
                    if link.text.trimmingCharacters(in: .whitespaces).isEmpty {
                        c.add("content/image-alt", .error(at(page, link.line, link.column), "image '\(link.url)' has no alternative text",
                            hint: "Write what the image shows between the brackets: ![A locked bicycle](\(link.url)). Use a caption-free description, not 'image of'."), force: id)
                    }
                    continue
                }
                let text = link.text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().trimmingCharacters(in: .punctuationCharacters)
                if ["click here", "here", "read more", "more", "this link", "link", "click"].contains(text) {
                    c.add("link/text", .error(at(page, link.line, link.column), "link text '\(link.text)' does not say where the link goes",
                        hint: "Use words that make sense on their own, like 'report a crime' or 'advice on bicycle theft'."), force: id)
                }
                guard link.url.hasPrefix("/") || link.url.hasPrefix("#") else { continue }
                let parts = link.url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let path = parts[0].split(separator: "?").first.map(String.init) ?? ""
                let fragment = parts.count > 1 ? parts[1] : nil
                let target: SiteInspection.Page?
                if path.isEmpty {
                    target = page
                } else {
                    let normalised = path.hasSuffix("/") || path.contains(".") ? path : path + "/"
                    target = force.page(at: normalised)
                    if target == nil, !path.contains(".") {
                        let candidates = force.pages.map(\.urlPath)
                        var hint = "Check the address; pages are published at their path with a trailing '/'."
                        if let near = Suggestion.closest(to: normalised, in: candidates) { hint = "Did you mean '\(near)'?" }
                        if site.forces.contains(where: { $0.page(at: normalised) != nil }) {
                            hint = "This force does not publish '\(normalised)' (it switched the service off or does not have the page). " + hint
                        }
                        c.add("link/internal", .error(at(page, link.line, link.column), "link to '\(link.url)' goes to no page", hint: hint), force: id)
                        continue
                    }
                }
                if let fragment, !fragment.isEmpty, let target {
                    let ids = Set(target.headings.map(\.id)).union(site.layoutIDs)
                    if !ids.contains(fragment) {
                        c.add("link/anchor", .error(at(page, link.line, link.column), "link to '\(link.url)': the page has no heading with the id '\(fragment)'",
                            hint: Suggestion.closest(to: fragment, in: ids).map { "Did you mean '#\($0)'?" } ?? "Link to a heading's id: '## What happens next' has the id 'what-happens-next'."), force: id)
                    }
                }
            }
        }
    }

    // MARK: Content

    static func content(_ force: SiteInspection.Force, into c: inout Collector) {
        let id = force.identity.id
        var titles: [String: SiteInspection.Page] = [:]
        for page in force.pages where !page.generated {
            var previous = 1
            for heading in page.headings {
                if heading.level == 1 {
                    c.add("content/heading-order", .error(at(page, heading.line, heading.column), "a level 1 heading in the page body; the title is the page's only h1",
                        hint: "Start the body's headings at '## ' (level 2)."), force: id)
                } else if heading.level > previous + 1 {
                    c.add("content/heading-order", .error(at(page, heading.line, heading.column), "heading level \(heading.level) follows level \(previous): a level is skipped",
                        hint: "Use level \(previous + 1) ('\(String(repeating: "#", count: previous + 1)) ') here, so screen reader users can follow the structure."), force: id)
                }
                previous = heading.level
            }
            let key = "\(page.language)|\(page.title.lowercased())"
            if let first = titles[key] {
                c.add("content/title-unique", .warning(page.titleLocation, "the title '\(page.title)' is also the title of \(first.file)",
                    hint: "Give each page a title that says what is different about it."), force: id)
            } else {
                titles[key] = page
            }
            let length = page.description?.count ?? 0
            if page.description == nil {
                c.add("content/description", .warning(page.titleLocation, "the page has no description",
                    hint: "Add 'description:' with one sentence for search results (up to 160 characters)."), force: id)
            } else if length > 160 {
                c.add("content/description", .warning(page.titleLocation, "the description is \(length) characters; search results cut it after about 160",
                    hint: "Shorten it to one plain sentence."), force: id)
            }
        }
    }

    // MARK: Contrast

    static func contrast(_ force: SiteInspection.Force, into c: inout Collector) {
        let f = force.identity, colours = f.colours, id = f.id
        func location(_ key: String) -> SourceLocation { colours.locations[key] ?? .start(of: f.file) }
        func ratio(_ r: Double) -> String { String(format: "%.2f:1", r) }
        for key in ["primary", "secondary"] {
            let colour = key == "primary" ? colours.primary : colours.secondary
            let text = colour.textOn
            let r = colour.contrast(with: text)
            if r < 4.5 {
                let fix = colour.nearestPassing(against: text, ratio: 4.5).map { " The nearest that passes is \($0)." } ?? ""
                c.add("contrast/brand-text", .error(location(key), "text on the \(key) colour \(colour) reaches \(ratio(r)) at best, below 4.5:1",
                    hint: "Choose a darker or lighter \(key) colour.\(fix)"), force: id)
            }
        }
        let link = colours.link.contrast(with: .white)
        if link < 4.5 {
            let fix = colours.link.nearestPassing(against: .white, ratio: 4.5).map { "Use \($0), the nearest colour of this hue that reaches 4.5:1." } ?? "Choose a darker colour."
            c.add("contrast/link", .error(location("link"), "the link colour \(colours.link) has \(ratio(link)) contrast on the white page, below 4.5:1", hint: fix), force: id)
        }
        let focusText = colours.focus.contrast(with: .ink)
        if focusText < 4.5 {
            c.add("contrast/focus", .error(location("focus"), "focused text on the focus colour \(colours.focus) has \(ratio(focusText)) contrast, below 4.5:1",
                hint: "Use a light, bright focus colour such as \"#ffdd00\"."), force: id)
        }
    }

    // MARK: News (docs/news.md)

    /// How long before an appeal comes down `soh check` says so.
    static let expiryNotice: TimeInterval = 7 * 86_400

    /// An appeal that comes down within a week: a chance to extend it, or to close it sooner.
    static func expiring(_ force: SiteInspection.Force, now: Date, language: String, into c: inout Collector) {
        for page in force.pages where page.language == language {
            guard let item = page.item, item.kind.isAppeal, let expires = item.expires, let at = item.expiresLocation,
                  expires.timeIntervalSince(now) <= expiryNotice else { continue }
            let day = CalendarDate.today(at: expires.addingTimeInterval(-1))
            let hours = Int(expires.timeIntervalSince(now) / 3600)
            let when = hours < 24 ? "today" : "in \(Int((Double(hours) / 24).rounded(.up))) days"
            c.add("news/expiring", .warning(at, "this appeal comes down at the end of \(day.iso), \(when)",
                hint: "If it should stay up, set a later 'expires'; if it has ended, set 'closed: true'."), force: force.identity.id)
        }
    }

    // MARK: Welsh

    static func welsh(_ force: SiteInspection.Force, site: SiteInspection, into c: inout Collector) {
        guard force.identity.speaksWelsh else { return }
        if force.identity.localizedNames["cy"] == nil {
            c.add("i18n/force-name", .error(.start(of: force.identity.file), "the force publishes Welsh but its file gives no Welsh name",
                hint: "Write 'name: {en: …, cy: …}' (and 'shortName' the same way) so Welsh pages name the force in Welsh."), force: force.identity.id)
        }
        for page in force.pages where !page.generated && page.language == site.config.defaultLanguage {
            if force.page(key: page.key, language: "cy") == nil {
                c.add("i18n/welsh-twin", .error(.start(of: page.file), "no Welsh version of '\(page.urlPath)'",
                    hint: "Add a Welsh twin beside it (\(page.file.replacingOccurrences(of: ".md", with: ".cy.md"))): Welsh forces publish every page in both languages."), force: force.identity.id)
            }
        }
        for page in force.pages where !page.generated && page.language == "cy" {
            guard let t = site.translations[page.file], let sourceFile = t.sourceFile, let hash = t.sourceHash,
                  t.translatedFrom != hash else { continue }
            let message = t.translatedFrom == nil
                ? "the Welsh page does not say which version of \(sourceFile) it translates"
                : "\(sourceFile) has changed since this Welsh page was translated"
            c.add("i18n/stale-translation", .warning(t.location, message,
                hint: "Bring the Welsh text up to date with the English, then set 'translatedFrom: \(hash)' in its front matter."), force: force.identity.id)
        }
    }

    /// Texts of a form that must be written in both languages.
    static let formTextKeys: Set<String> = ["title", "body", "itemName", "label", "hint", "name"]

    /// Every text of a form a Welsh force publishes is written `{en: …, cy: …}`: otherwise the
    /// Welsh form would show English.
    // MARK: Routing (docs/routing.md)

    /// A form that records where it happened (its POLE mapping has an `incidentLocation`) asks
    /// for an area, so the API can send it to the force for that area; and every force in
    /// `forces/` has its police area in the areas file.
    static func routing(_ site: SiteInspection, into c: inout Collector) {
        for (id, form) in site.forms.sorted(by: { $0.key < $1.key }) {
            let hasScene = form.pole?.entities.contains { $0.relationship == "incidentLocation" } ?? false
            if hasScene, form.areaQuestion == nil {
                c.add("routing/area-question", .error(.start(of: "content/forms/\(id).yml"), "form '\(id)' records where it happened but asks no area",
                    hint: "Add a question with 'type: area' (docs/routing.md): without it a report about another force's area stays with the force it was made to."), force: nil)
            }
        }
        guard let areas = site.areas else {
            if site.forms.values.contains(where: { $0.areaQuestion != nil }) {
                c.add("routing/areas-file", .error(.whole(PoliceAreas.file), "\(PoliceAreas.file) is missing", hint: "Add it (docs/routing.md)."), force: nil)
            }
            return
        }
        for force in site.allForces where areas.force(force.id) == nil {
            c.add("routing/areas-file", .error(.start(of: PoliceAreas.file), "force '\(force.id)' (\(force.file)) has no police area in \(PoliceAreas.file)",
                hint: "Add '\(force.id):' under 'forces:' with its code and the local authority areas it covers."), force: force.id)
        }
        // And the other way: a police area whose force has no site sends people nowhere.
        let sites = Set(site.allForces.map(\.id))
        for police in areas.forces where !sites.contains(police.id) {
            c.add("routing/areas-file", .error(police.location ?? .start(of: PoliceAreas.file),
                "police area '\(police.id)' has no force file (forces/\(police.id).yml)",
                hint: "Use the force's id as forces/ names it, or add the force with 'soh new-force'."), force: nil)
        }
    }

    static func welshForms(_ force: SiteInspection.Force, root: URL, into c: inout Collector) {
        guard force.identity.speaksWelsh else { return }
        let files = Set(force.pages.filter { $0.generated && $0.language == "cy" && $0.file.hasPrefix("content/forms/") }.map(\.file))
        for file in files.sorted() {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file).path) else { continue }
            // The build read it already and reported its errors; here only its texts are looked at.
            guard let node = YAMLParser.parse(String(decoding: data, as: UTF8.self), file: file, sink: DiagnosticSink()) else { continue }
            for (location, key) in untranslated(node) {
                c.add("i18n/form-welsh", .error(location, "'\(key)' has no Welsh text",
                    hint: "Write it as {en: …, cy: …} (docs/welsh-glossary.md lists the terms to use)."), force: force.identity.id)
            }
        }
    }

    /// Where a form's texts lack a `cy` value, with the key each belongs to.
    static func untranslated(_ node: YAMLNode) -> [(SourceLocation, String)] {
        var result: [(SourceLocation, String)] = []
        func text(_ node: YAMLNode, _ key: String) {
            switch node.value {
            case .scalar: result.append((node.location, key))
            case .mapping(let pairs) where !pairs.contains(where: { $0.key == "cy" }): result.append((node.location, key))
            default: break
            }
        }
        func visit(_ node: YAMLNode) {
            switch node.value {
            case .scalar: break
            case .sequence(let items): items.forEach(visit)
            case .mapping(let pairs):
                for pair in pairs {
                    if formTextKeys.contains(pair.key) {
                        text(pair.value, pair.key)
                    } else if pair.key == "messages", case .mapping(let messages) = pair.value.value {
                        for m in messages { text(m.value, "messages.\(m.key)") }
                    } else if pair.key == "options", case .sequence(let options) = pair.value.value {
                        for option in options {
                            if case .scalar = option.value { result.append((option.location, "options")) } else { visit(option) }
                        }
                    } else {
                        visit(pair.value)
                    }
                }
            }
        }
        visit(node)
        return result
    }

    // MARK: Assets

    /// Images and files a page links to (`/images/bike.png`, `/leaflets/advice.pdf`) exist in the built site.
    static func assets(_ force: SiteInspection.Force, out: URL, into c: inout Collector) {
        for page in force.pages where !page.generated {
            for link in page.links where link.url.hasPrefix("/") {
                let path = String(link.url.split(separator: "#").first?.split(separator: "?").first ?? "")
                guard let last = path.split(separator: "/").last, last.contains("."), !path.hasSuffix("/") else { continue }
                if !FileManager.default.fileExists(atPath: out.appendingPathComponent(String(path.dropFirst())).path) {
                    c.add("link/asset", .error(at(page, link.line, link.column), "'\(path)' is not a file in the site",
                        hint: "Put the file under content/ at the same path (content\(path)), or correct the address."), force: force.identity.id)
                }
            }
        }
    }

    // MARK: Ids

    /// No id is given twice on a built page: a duplicate breaks anchors, `aria-describedby`
    /// and the skip link (a heading called "Main" must not take `main`).
    static func duplicateIDs(_ force: SiteInspection.Force, out: URL, into c: inout Collector) {
        for page in force.pages {
            let file = out.appendingPathComponent(PageFile.path(for: page.urlPath))
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            var seen = Set<String>(), reported = Set<String>()
            for id in ids(in: data) where !seen.insert(id).inserted && reported.insert(id).inserted {
                c.add("html/duplicate-id", .error(.start(of: page.file), "the page '\(page.urlPath)' has more than one element with the id '\(id)'",
                    hint: "Give headings and elements different names; ids the theme uses (\(Markdown.reservedIDs.sorted().joined(separator: ", "))) are never given to headings."),
                    force: force.identity.id)
            }
        }
    }

    /// The values of every ` id="…"` attribute in an HTML file, in order.
    static func ids(in data: Data) -> [String] {
        let needle = Array(" id=\"".utf8)
        var result: [String] = []
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            let b = bytes.bindMemory(to: UInt8.self)
            var i = 0
            while i + needle.count < b.count {
                guard b[i] == 0x20, b[i + 1] == 0x69, b[i + 2] == 0x64, b[i + 3] == 0x3D, b[i + 4] == 0x22 else { i += 1; continue }
                let start = i + needle.count
                var end = start
                while end < b.count, b[end] != 0x22 { end += 1 }
                result.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self))
                i = end
            }
        }
        return result
    }

    // MARK: Page weight

    static func weight(_ force: SiteInspection.Force, out: URL, budgets: [String: Int], into c: inout Collector) {
        var assetSizes: [String: Int] = [:]
        func size(_ path: String) -> Int {
            if let s = assetSizes[path] { return s }
            let s = (try? FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(String(path.dropFirst())).path)[.size] as? NSNumber)?.intValue ?? 0
            assetSizes[path] = s
            return s
        }
        var reported = Set<String>()
        for page in force.pages {
            let file = out.appendingPathComponent(PageFile.path(for: page.urlPath))
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            let html = String(decoding: data, as: UTF8.self)
            var total = data.count
            var rest = Substring(html)
            while let r = rest.range(of: "=\"/assets/") {
                let after = rest[r.upperBound...]
                guard let end = after.firstIndex(of: "\"") else { break }
                let path = "/assets/" + after[..<end]
                if path.hasSuffix(".css") || path.hasSuffix(".js") { total += size(path) }
                rest = after[end...]
            }
            let budget = budgets[page.layout] ?? budgets["default"] ?? 200_000
            if total > budget, !reported.contains(page.layout) {
                reported.insert(page.layout)
                c.add("budget/page-weight", .error(.start(of: page.file), "a '\(page.layout)' page weighs \(total) bytes (HTML, CSS and JavaScript), over the budget of \(budget)",
                    hint: "Make the page lighter, or raise 'budgets: {\(page.layout): …}' in site.yml on purpose."), force: force.identity.id)
            }
        }
    }
}
