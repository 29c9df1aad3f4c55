import Crypto
import Foundation
import SOHForms
import SOHModel
import SOHTemplates

/// Renders one force's whole site from the prepared site: a pure function of (prepared, force).
struct ForceRenderer {
    let prepared: PreparedSite
    var force: ForceIdentity
    let theme: Theme
    let set: ForcePageSet
    var baseURL: String
    let palette: BrandPalette
    var config: SiteConfig { prepared.config }

    init(prepared: PreparedSite, force: ForceIdentity) {
        self.prepared = prepared
        self.force = force
        self.theme = prepared.themeFor(force.id)
        self.set = prepared.pageSets[force.id] ?? ForcePageSet(force: force, site: prepared.config, national: [], local: [])
        self.baseURL = prepared.baseURLs[force.id] ?? ""
        self.palette = prepared.palettes[force.id] ?? BrandPalette(force)
    }

    /// This renderer with the force's name (and short name) in `language`, for that language's pages.
    func speaking(_ language: String) -> ForceRenderer {
        guard language != config.defaultLanguage else { return self }
        var renderer = self
        renderer.force.name = force.name(in: language)
        renderer.force.shortName = force.shortName(in: language)
        return renderer
    }

    /// For each language the force publishes: the renderer speaking it and its shared context
    /// (pages in another language see the force's name in that language).
    func speakers(assetURLs: [String: String]) -> [String: (ForceRenderer, TemplateContext)] {
        var result: [String: (ForceRenderer, TemplateContext)] = [:]
        for language in force.languages {
            let renderer = speaking(language)
            result[language] = (renderer, renderer.sharedContext(assetURLs: assetURLs))
        }
        return result
    }

    /// Every file of the force's site. A page in `shared` (rendered once for this force's
    /// class) is filled with this force's values instead of being rendered; every other page is
    /// rendered. Whether a file changed is the writer's to find, by comparing bytes.
    func render(shared: SharedPages? = nil) -> [OutputFile] {
        var files: [OutputFile] = []
        let (assetFiles, assetURLs) = assets()
        files += assetFiles
        var filler = Filler(values: shared.map { SharedRender.values(for: force, baseURL: baseURL, assetURLs: assetURLs, names: $0.names) } ?? [])
        let speakers = speakers(assetURLs: assetURLs)
        let sharedContext = speakers[config.defaultLanguage]?.1 ?? sharedContext(assetURLs: assetURLs)

        for page in set.pages {
            let path = PageFile.path(for: page.urlPath)
            if let text = shared?.pages[page.urlPath] {
                let (data, unfilled) = text.filled(&filler)
                files.append(OutputFile(path: path, data: data, isPage: true, problem: unfilled > 0 ? unfilledProblem(page.file, path) : nil))
            } else {
                let (renderer, context) = speakers[page.language] ?? (self, sharedContext)
                guard let html = renderer.renderPage(page, shared: context) else {
                    files.append(OutputFile(path: path, data: Data(), problem: endlessProblem(page.file, layout: page.layout)))
                    continue
                }
                let (data, unfilled) = MarkedText.unmarked(html)
                files.append(OutputFile(path: path, data: data, isPage: true, problem: unfilled > 0 ? unfilledProblem(page.file, path) : nil))
            }
            for (alias, _) in page.front.aliases {
                files.append(OutputFile(path: PageFile.path(for: alias), data: Data(redirectPage(to: page.urlPath, language: page.language).utf8)))
            }
        }
        // Not-found pages, one per language.
        let others = speakers.keys.filter { $0 != config.defaultLanguage }.sorted()
        for language in [config.defaultLanguage] + others {
            let path = language == config.defaultLanguage ? "404.html" : "\(language)/404.html"
            if let (renderer, context) = language == config.defaultLanguage ? (self, sharedContext) : speakers[language] {
                if let html = renderer.renderNotFound(language: language, shared: context) {
                    files.append(OutputFile(path: path, data: Data(html.utf8), isPage: true))
                } else {
                    files.append(OutputFile(path: path, data: Data(), problem: endlessProblem("site.yml", layout: notFoundLayout)))
                }
            }
        }
        if !others.isEmpty {
            // Hosts that read Netlify's `_redirects` serve the Welsh not-found page under /cy/.
            let rules = others.map { "/\($0)/*  /\($0)/404.html  404\n" }.joined()
            files.append(OutputFile(path: "_redirects", data: Data(rules.utf8)))
        }
        for (file, data) in prepared.contentFiles {
            files.append(OutputFile(path: file, data: data))
        }
        var images = Set<String>()
        for page in set.pages {
            if let file = image(of: page), images.insert(file.path).inserted { files.append(file) }
        }
        files += feeds()
        files += searchFiles()
        files.append(OutputFile(path: "sitemap.xml", data: Data(sitemap().utf8)))
        files.append(OutputFile(path: "robots.txt", data: Data("User-agent: *\nAllow: /\n\nSitemap: \(baseURL)/sitemap.xml\n".utf8)))
        files.append(OutputFile(path: "_headers", data: Data(securityPolicy.headersFile.utf8)))
        return files.sorted { $0.path < $1.path }
    }


    // MARK: Assets

    /// Theme assets (fingerprinted once per theme), the forms' JSON, the brand stylesheet and the logo.
    func assets() -> ([OutputFile], [String: String]) {
        let shared = prepared.themeAssets[force.id] ?? prepared.themeAssets[""] ?? ThemeAssets(theme)
        var files = shared.files
        var urls = shared.urls
        for (id, form) in prepared.forms.sorted(by: { $0.key < $1.key }) where set.pages.contains(where: { $0.kind == .form(id) }) {
            files.append(OutputFile(path: form.jsonPath, data: form.json, sha256: form.jsonSHA256))
        }
        func add(_ name: String, _ data: Data) {
            let path = ThemeAssets.fingerprinted(name, data)
            files.append(OutputFile(path: path, data: data))
            urls[Self.assetKey(name)] = "/" + path
        }
        add("brand.css", Data(palette.css.utf8))
        if let logo = prepared.logos[force.id] {
            add("logo" + (force.logoSuffix ?? ""), logo)
        }
        return (files, urls)
    }

    /// `site.css` → `site_css`, `js/quick-exit.js` → `js_quick_exit_js`: names Mustache can look up.
    static func assetKey(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    // MARK: Contexts

    func sharedContext(assetURLs: [String: String]) -> TemplateContext {
        // The force's values from their one table (`contacts.email` is `force.contacts.email`);
        // an absent optional value is left out, so templates can test for it.
        var forceContext: TemplateContext = [
            "baseURL": .text(baseURL),
            "social": .list(force.social.map { ["name": .text($0.name), "url": .text($0.url)] }),
            "hasSocial": .bool(!force.social.isEmpty),
        ]
        var groups: [String: TemplateContext] = [:]
        for value in ForceIdentity.values {
            guard let text = value.read(force) else { continue }
            let parts = value.name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                groups[parts[0], default: [:]][parts[1]] = .text(text)
            } else {
                forceContext[value.name] = .text(text)
            }
        }
        for (name, group) in groups { forceContext[name] = .map(group) }
        forceContext["logo"] = assetURLs.first { $0.key.hasPrefix("logo_") }.map { .text($0.value) }
        return [
            "site": ["name": .text(config.name)],
            "force": .map(forceContext),
            "assets": .map(assetURLs.mapValues(TemplateValue.text)),
            "api": .text(prepared.environment.api),
            "csp": .text(securityPolicy.metaPolicy),
        ]
    }

    func fillRaw(_ text: SlottedText) -> String {
        text.fill { Placeholder.value($0, force: force, site: config, baseURL: baseURL) ?? "" }
    }

    func fillHTML(_ text: SlottedText) -> String {
        text.fill { Escape.html(Placeholder.value($0, force: force, site: config, baseURL: baseURL) ?? "") }
    }

    func strings(_ language: String) -> [String: String] { theme.strings[language] ?? theme.strings["en"] ?? [:] }

    /// A site path in `language`: the twin's address where this force publishes one.
    func localized(_ url: String, _ language: String) -> String {
        guard language != config.defaultLanguage, url.hasPrefix("/") else { return url }
        let parts = url.split(separator: "#", maxSplits: 1)
        let path = String(parts.first ?? "")
        let fragment = parts.count > 1 ? "#" + parts[1] : ""
        guard let twin = set.page(key: path, language: language) else { return url }
        return twin.urlPath + fragment
    }

    func pageContext(_ page: PreparedPage) -> TemplateContext {
        let language = page.language
        var context: TemplateContext = [
            "title": .text(fillRaw(page.title)),
            "url": .text(page.urlPath),
            "canonical": .text(baseURL + page.urlPath),
            "content": .text(fillHTML(page.body)),
            "quickExit": .bool(page.front.quickExit),
            "isHome": .bool(page.key == "/"),
            "layout": .text(page.layout),
        ]
        context["description"] = page.description.map { .text(fillRaw($0)) }

        var crumbs: [TemplateValue] = []
        var key = page.parentKey
        while let k = key {
            if let parent = set.page(key: k, language: language) {
                crumbs.insert(["title": .text(fillRaw(parent.title)), "url": .text(parent.urlPath)], at: 0)
            }
            key = k == "/" ? nil : PreparedPage.parentKey(of: k)
        }
        context["breadcrumbs"] = .list(crumbs)
        context["hasBreadcrumbs"] = .bool(!crumbs.isEmpty)

        var alternates: [TemplateValue] = []
        for other in force.languages where other != language {
            if let twin = set.twin(of: page, in: other, site: config) {
                alternates.append([
                    "lang": .text(other), "url": .text(twin.urlPath), "href": .text(baseURL + twin.urlPath),
                    "label": .text(strings(other)["languageName"] ?? other),
                ])
            }
        }
        context["alternates"] = .list(alternates)
        context["hasAlternates"] = .bool(!alternates.isEmpty)

        let children = (page.isSectionIndex ? set.children(of: page) : [])
            .sorted { ($0.front.order, fillRaw($0.title)) < ($1.front.order, fillRaw($1.title)) }
            .map { child -> TemplateValue in
                var item: TemplateContext = ["title": .text(fillRaw(child.title)), "url": .text(child.urlPath)]
                item["description"] = child.description.map { .text(fillRaw($0)) }
                return .map(item)
            }
        context["children"] = .list(children)
        context["hasChildren"] = .bool(!children.isEmpty)

        if case .serviceNotice(let id, let setting) = page.kind {
            var notice: TemplateContext = ["service": .text(config.service(id)?.title.text(language) ?? id)]
            switch setting {
            case .disabled(let reason): notice["disabled"] = true; notice["reason"] = reason.map(TemplateValue.text)
            case .external(let url): notice["external"] = .text(url)
            case .enabled: break
            }
            context["notice"] = .map(notice)
        }
        if let id = page.service, case .enabled(let note?) = force.setting(for: id) {
            context["localNote"] = .text(note)
        }
        if let id = page.service, let formID = config.service(id)?.form, page.kind == .content,
           let formPage = set.page(at: page.urlPath + "form/"), formPage.kind == .form(formID) {
            context["formURL"] = .text(formPage.urlPath)
        }
        if force.isNational, page.kind == .content {
            let national = NationalPages(renderer: self)
            if let id = page.service, config.service(id)?.form != nil {
                context["finder"] = .text(national.finders(service: id, language: page.language))
            }
            if page.layout == "find-force" {
                context["finder"] = .text(national.finders(service: nil, language: page.language))
                context["directory"] = .text(national.directory(language: page.language))
            }
        }
        context["share"] = .map(shareContext(page))
        switch page.kind {
        case .content:
            context["item"] = itemContext(page).map(TemplateValue.map)
        case .newsListing(let listing):
            let listingContext = listingContext(page, listing)
            context["listing"] = .map(listingContext)
            context["pageOf"] = listingContext["pageOf"]
        case .newsClosed:
            context["noindex"] = true
            context["listURL"] = set.page(key: PageSource.newsKey, language: language).map { .text($0.urlPath) }
        case .form(let id):
            let action = "\(prepared.environment.api)/v1/forces/\(force.id)/forms/\(id)/submissions"
            let html = prepared.forms[id]?.html[language]?.fill { $0 == "form.action" ? Escape.html(action) : "" } ?? ""
            context["form"] = ["html": .text(html), "strings": .text(runtimeStrings(language))]
        case .formConfirmation(let id):
            context["confirmation"] = [
                "body": .text(prepared.forms[id]?.definition.confirmation.body.text(language) ?? ""),
                "elsewhere": .list(elsewhereNotes(prepared.forms[id]?.definition, language: language)),
            ]
        default:
            break
        }
        return context
    }

    func menus(_ language: String, current: String) -> TemplateContext {
        var out: TemplateContext = [:]
        for (name, items) in config.menus {
            out[name] = .list(items.compactMap { item -> TemplateValue? in
                let url = localized(item.url, language)
                if url.hasPrefix("/") {
                    // Leave out links to pages this force does not publish or has switched off.
                    guard let target = set.page(at: url), case .content = target.kind else { return nil }
                }
                return ["title": .text(item.title.text(language)), "url": .text(url), "current": .bool(url == current)]
            })
        }
        return out
    }

    /// The services this force offers in `language`, with the service's id.
    func services(_ language: String) -> [(id: String, item: TemplateValue)] {
        config.services.compactMap { service -> (id: String, item: TemplateValue)? in
            var item: TemplateContext = [
                "id": .text(service.id), "title": .text(service.title.text(language)), "summary": .text(service.summary.text(language)),
            ]
            switch force.setting(for: service.id) {
            case .disabled: return nil
            case .external(let url): item["url"] = .text(url); item["external"] = true
            case .enabled: item["url"] = .text(localized(service.page, language))
            }
            return (service.id, .map(item))
        }
    }

    /// Services grouped by the section their landing page sits in (`/report/`, `/apply/` …),
    /// each group titled by that section's page.
    func serviceGroups(_ language: String) -> [TemplateValue] {
        var order: [String] = []
        var groups: [String: [TemplateValue]] = [:]
        for (id, item) in services(language) {
            guard let service = config.service(id) else { continue }
            let section = service.page.split(separator: "/").first.map { "/\($0)/" } ?? "/"
            if groups[section] == nil { order.append(section) }
            groups[section, default: []].append(item)
        }
        return order.compactMap { section in
            let url = localized(section, language)
            guard let page = set.page(at: url) else { return nil }
            var group: TemplateContext = ["title": .text(fillRaw(page.title)), "url": .text(url), "services": .list(groups[section] ?? [])]
            group["description"] = page.description.map { .text(fillRaw($0)) }
            return .map(group)
        }
    }

    /// Every page in a language, grouped by top-level section, for the sitemap page.
    func sitemapSections(_ language: String) -> [TemplateValue] {
        let pages = set.pages.filter { $0.language == language }
        var sections: [TemplateValue] = []
        for top in pages where top.parentKey == "/" || top.key == "/" {
            let members = pages.filter { $0.key != top.key && $0.key.hasPrefix(top.key) && top.key != "/" }
                .sorted { ($0.key, $0.front.order) < ($1.key, $1.front.order) }
                .map { ["title": .text(fillRaw($0.title)), "url": .text($0.urlPath)] as TemplateValue }
            sections.append([
                "title": .text(fillRaw(top.title)), "url": .text(top.urlPath), "pages": .list(members), "hasPages": .bool(!members.isEmpty),
            ])
        }
        return sections
    }

    /// For a form that asks where it happened, a note per other force, each shown only when the
    /// address ends `#area-force-<id>` (CSS `:target`, so it works without JavaScript): the API
    /// sends the person there when the report is about that force's area (docs/routing.md).
    func elsewhereNotes(_ form: FormDefinition?, language: String) -> [TemplateValue] {
        guard let form, let routing = form.whenElsewhere, let areas = prepared.loaded.areas else { return [] }
        let template = strings(language)[routing == .notify ? "confirmationNotified" : "confirmationDealtWith"] ?? ""
        // Every force, this one too: the page is shared by forces (SharedRender), and the runtime
        // and the API only ever send the person to another force's note.
        return areas.forces.map { other in
            let name = prepared.loaded.force(other.id)?.name(in: language) ?? other.name.text(language)
            return ["id": .text(other.id), "text": .text(MessageTemplate.fill(template, ["force": name]))]
        }
    }

    /// The site's policy; the national site's forms may also lead to every force's site.
    var securityPolicy: SecurityPolicy {
        var policy = SecurityPolicy(api: prepared.environment.api)
        if force.isNational {
            policy.formTargets = prepared.loaded.policeForces.compactMap { config.baseURL(for: $0, in: prepared.environment) }
        }
        return policy
    }

    /// The interface strings the form runtime needs, as JSON for a data attribute.
    func runtimeStrings(_ language: String) -> String {
        let keys = ["formContinue", "formBack", "formChange", "formSend", "formSending", "formRetrying", "formRetryNow",
                    "formDraftRestored", "formServerError", "errorPrefix", "characterCountRemaining", "characterCountOver",
                    "checkAnswersTitle", "checkAnswersNotAnswered", "repeatAdd", "repeatRemove", "yes", "no", "formStartAgain", "monthNames",
                    "formKeepLabel", "formKeepHint", "formKeepWarning", "areaPickerHelp", "areaPickerResults", "areaPickerNoResults",
                    "areaPickerInArea", "areaPickerOption", "areaElsewhereTransfer", "areaElsewhereNotify",
                    "fileUploading", "fileUploadingNow", "fileUploaded", "fileRemoved", "fileUploadingShort", "fileDone"]
        let t = strings(language)
        return "{" + keys.map { "\"\($0)\":\"\(Escape.json(t[$0] ?? $0))\"" }.joined(separator: ",") + "}"
    }

    /// The page's HTML (with markers where a shared render stands in for force values).
    /// Nil when the layout's partials nest without end (`Templates.maximumDepth`).
    func renderPage(_ page: PreparedPage, shared: TemplateContext) -> String? {
        theme.render(context(for: page, shared: shared), withTemplate: page.layout)
    }

    /// Everything the page's layout can show.
    func context(for page: PreparedPage, shared: TemplateContext) -> TemplateContext {
        var context = shared
        context["lang"] = .text(page.language)
        context["t"] = .map(strings(page.language).mapValues(TemplateValue.text))
        context["homeURL"] = .text(localized("/", page.language))
        context["reportURL"] = .text(localized("/report/", page.language))
        context["searchURL"] = set.page(key: SearchIndex.pageKey, language: page.language).map { .text($0.urlPath) }
        context["sitemapURL"] = .text(localized("/sitemap/", page.language))
        context["page"] = .map(pageContext(page))
        context["menus"] = .map(menus(page.language, current: page.urlPath))
        context["services"] = .list(services(page.language).map(\.item))
        if page.key == "/" {
            context["serviceGroups"] = .list(serviceGroups(page.language))
            context["adviceURL"] = .text(localized("/advice/", page.language))
        }
        if page.layout == "sitemap" { context["sitemap"] = .list(sitemapSections(page.language)) }
        if page.key == "/" { context["news"] = homeNews(page.language).map(TemplateValue.map) }
        return context
    }

    /// A marker left in a page would show one force's placeholder, or another's value.
    func unfilledProblem(_ source: String, _ path: String) -> Diagnostic {
        .error(.start(of: source), "the page '\(path)' of force '\(force.id)' has a value the build could not fill, so the force's site was not written",
            hint: "This is a fault in soh, not in the page: report it with this page and force.")
    }

    func endlessProblem(_ source: String, layout: String) -> Diagnostic {
        .error(.start(of: source), "the layout '\(layout)' nests partials and blocks more than \(Templates.maximumDepth) deep, so the force's site was not written",
            hint: "A block's content probably includes its own parent ({{<…}}) or a block of its own name, which never ends.")
    }

    var notFoundLayout: String { theme.layouts.contains("404") ? "404" : "page" }

    /// The page for addresses that do not exist, in `language`: `404.html`, and for each other
    /// language the force publishes `<language>/404.html` (static hosts serve the nearest one).
    func renderNotFound(language: String, shared: TemplateContext) -> String? {
        let t = strings(language)
        var context = shared
        context["lang"] = .text(language)
        context["t"] = .map(t.mapValues(TemplateValue.text))
        context["homeURL"] = .text(localized("/", language))
        context["reportURL"] = .text(localized("/report/", language))
        context["searchURL"] = set.page(key: SearchIndex.pageKey, language: language).map { .text($0.urlPath) }
        let url = language == config.defaultLanguage ? "/404.html" : "/\(language)/404.html"
        context["page"] = ["title": .text(t["notFoundTitle"] ?? "Page not found"), "url": .text(url), "breadcrumbs": [], "alternates": []]
        context["menus"] = .map(menus(language, current: ""))
        context["services"] = .list(services(language).map(\.item))
        return theme.render(context, withTemplate: notFoundLayout)
    }

    func redirectPage(to target: String, language: String) -> String {
        let url = Escape.html(target)
        let title = Escape.html(strings(language)["redirectTitle"] ?? "This page has moved")
        return """
        <!DOCTYPE html>
        <html lang="\(Escape.html(language))">
        <head>
        <meta charset="utf-8">
        <title>\(title)</title>
        <meta name="robots" content="noindex">
        <link rel="canonical" href="\(Escape.html(baseURL))\(url)">
        <meta http-equiv="refresh" content="0; url=\(url)">
        </head>
        <body>
        <main><h1>\(title)</h1><p><a href="\(url)">\(url)</a></p></main>
        </body>
        </html>

        """
    }

    func sitemap() -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n"
        for page in set.pages where !page.isConfirmation && !page.isClosedItem {
            xml += "  <url>\n    <loc>\(Escape.xml(baseURL + page.urlPath))</loc>\n"
            for other in force.languages where other != page.language {
                if let twin = set.twin(of: page, in: other, site: config) {
                    xml += "    <xhtml:link rel=\"alternate\" hreflang=\"\(other)\" href=\"\(Escape.xml(baseURL + twin.urlPath))\"/>\n"
                }
            }
            xml += "  </url>\n"
        }
        return xml + "</urlset>\n"
    }
}

extension PreparedPage {
    /// `/advice/home/going-away/` → `/advice/home/`; `/advice/` → `/`; `/` → nil.
    static func parentKey(of key: String) -> String? {
        guard key != "/" else { return nil }
        let utf8 = key.utf8
        // The slash before the last part: skip the trailing slash, then search back.
        var i = utf8.index(before: utf8.endIndex)
        while i > utf8.startIndex {
            i = utf8.index(before: i)
            if utf8[i] == UInt8(ascii: "/") { return String(key[...i]) }
        }
        return "/"
    }
}
