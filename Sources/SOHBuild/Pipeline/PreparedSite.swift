import Foundation
import SOHForms
import SOHModel

/// Everything computed once for all forces: pages rendered to slotted HTML, the parsed theme
/// (and each force's layered theme), palettes, base URLs and each force's page set.
struct PreparedSite: Sendable {
    var loaded: LoadedSite
    var config: SiteConfig { loaded.config }
    var environment: SiteConfig.Environment
    var theme: Theme
    var forceThemes: [String: Theme]
    var national: [PreparedPage]
    var pageSets: [String: ForcePageSet]
    var palettes: [String: BrandPalette]
    var baseURLs: [String: String]
    /// Files under `content/` that are not pages (images, PDFs), copied as they are.
    var contentFiles: [String: Data]
    /// Each force's logo, read and checked once.
    var logos: [String: Data]
    var forms: [String: PreparedForm]
    /// Published theme assets by theme owner: `""` for the national theme, else a force id.
    var themeAssets: [String: ThemeAssets]
    /// The build's time, which decides which items are published and which have closed.
    var now: Date
    /// How long the items stay as they are at `now`: a later build inside it makes the same sites.
    var newsWindow: NewsWindow
    /// The national part of every site's search index, by language.
    var search: [String: SearchIndex.Part]
    /// Images of live items, fingerprinted, by the file they were read from.
    var newsImages: [String: OutputFile]
    var warnings: [Diagnostic]

    func themeFor(_ force: String) -> Theme { forceThemes[force] ?? theme }

    static func prepare(
        _ loaded: LoadedSite, environment name: String, forces: [ForceIdentity], apiOverride: String? = nil, now: Date = Date()
    ) throws(DiagnosticsError) -> PreparedSite {
        let sink = DiagnosticSink()
        let config = loaded.config
        guard var environment = config.environments[name] else {
            throw DiagnosticsError([.general(.error, "unknown environment '\(name)' given to --env",
                hint: Suggestion.hint(for: name, allowed: config.environments.keys.sorted(), noun: "environments"))])
        }

        if let api = apiOverride {
            guard let url = URL(string: api), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw DiagnosticsError([.general(.error, "--api '\(api)' is not an http:// or https:// address",
                    hint: "Give the submission API's base URL, like http://127.0.0.1:8081.")])
            }
            environment.api = api.hasSuffix("/") ? String(api.dropLast()) : api
        }
        guard let theme = Theme.load(root: loaded.root, name: config.theme, languages: config.languages, sink: sink) else {
            throw DiagnosticsError(sink.sorted)
        }
        var forceThemes: [String: Theme] = [:]
        for force in forces {
            let relative = "\(force.folder)/theme"
            if FileManager.default.fileExists(atPath: loaded.root.appendingPathComponent(relative).path) {
                forceThemes[force.id] = theme.layered(root: loaded.root, forceTheme: relative, sink: sink)
            }
        }

        // Markdown is rendered here, once per page, whatever the number of forces.
        let layouts = theme.layouts
        var national = Parallel.map(loaded.pages, sink: sink) { page, sink in
            PagePreparer.prepare(page, layouts: layouts, allowRawHTML: config.allowRawHTML, site: config, sink: sink)
        }.compactMap { $0.published(at: now, strings: theme.strings) }
        let forms = PreparedForm.loadAll(root: loaded.root, config: config, areas: loaded.areas, theme: theme, pages: loaded.pages, sink: sink)
        national += PreparedForm.pages(forms, config: config, national: national)
        // Each force's pages, palette and base URL, and the checks on them, on every core.
        let nationalPages = national
        let themes = forceThemes
        let environmentNow = environment
        let perForce = Parallel.map(forces, sink: sink) { force, sink -> (ForcePageSet, BrandPalette, String?, Data?, [UnsetPlaceholder]) in
            let forceTheme = themes[force.id] ?? theme
            let local = (loaded.localPages[force.id] ?? []).compactMap {
                PagePreparer.prepare($0, layouts: forceTheme.layouts, allowRawHTML: config.allowRawHTML, site: config, sink: sink)
                    .published(at: now, strings: forceTheme.strings)
            }
            for page in local where !force.languages.contains(page.language) {
                sink.warning(.start(of: page.file), "force '\(force.id)' does not publish '\(page.language)' pages, so this page is left out",
                    hint: "Add '\(page.language)' to 'languages' in \(force.file), or remove the page.")
            }
            let set = ForcePageSet(force: force, site: config, national: nationalPages, local: local, areas: loaded.areas, strings: forceTheme.strings)
            for language in force.languages where set.page(key: PageSource.newsKey, language: language) == nil {
                if let item = set.pages.first(where: { $0.language == language && $0.front.news != nil }) {
                    sink.error(.start(of: item.file), "force '\(force.id)' publishes items in '\(language)' but has no news page to list them",
                        hint: "Add content/news/index\(language == config.defaultLanguage ? "" : ".\(language)").md: the page items are listed on.")
                }
            }
            let palette = BrandPalette(force)
            sink.add(contentsOf: palette.warnings)
            let baseURL = config.baseURL(for: force, in: environmentNow)
            if baseURL == nil {
                sink.error(.start(of: force.file), "force '\(force.id)' has no 'baseURL', and environment '\(name)' sets no base URL pattern",
                    hint: "Add 'baseURL: https://…' (the force's own site) to the force file.")
            }
            let unset = unsetPlaceholders(set, force: force, site: config)
            checkAliases(set, site: config, sink: sink)
            // Pages the build makes (notices, forms) need layouts of their own.
            for layout in Set(set.pages.map(\.layout)).subtracting(forceTheme.layouts).subtracting(forceTheme.templateFiles).sorted() {
                sink.error(.start(of: "themes/\(config.theme)/layouts"), "the theme has no '\(layout)' layout, needed by pages of force '\(force.id)'",
                    hint: "Add themes/\(config.theme)/layouts/\(layout).mustache.")
            }
            let logo = force.logo.flatMap { name -> Data? in
                let file = "\(force.folder)/\(name)"
                guard let data = RepositoryFile.read(file, in: loaded.root, sink: sink), SVGSafety.check(data, file: file, sink: sink) else { return nil }
                return data
            }
            return (set, palette, baseURL, logo, unset)
        }
        var pageSets: [String: ForcePageSet] = [:]
        var palettes: [String: BrandPalette] = [:]
        var baseURLs: [String: String] = [:]
        var logos: [String: Data] = [:]
        var unset: [UnsetPlaceholder] = []
        for (force, (set, palette, baseURL, logo, missing)) in zip(forces, perForce) {
            pageSets[force.id] = set
            palettes[force.id] = palette
            baseURLs[force.id] = baseURL
            logos[force.id] = logo
            unset += missing
        }
        reportUnset(unset, sink: sink)
        checkServices(config, national: national, sink: sink)

        var contentFiles: [String: Data] = [:]
        for file in loaded.contentFiles {
            if let data = RepositoryFile.read("content/\(file)", in: loaded.root, sink: sink), SVGSafety.check(data, file: "content/\(file)", sink: sink) {
                contentFiles[file] = data
            }
        }

        // The images of the items that are live on some site, read once.
        var newsImages: [String: OutputFile] = [:]
        for set in pageSets.values {
            for page in set.pages {
                guard let item = page.newsItem, let image = item.image else { continue }
                let file = NewsItems.imageFile(item: page.file, image)
                guard newsImages[file] == nil, let data = RepositoryFile.read(file, in: loaded.root, sink: sink),
                      SVGSafety.check(data, file: file, sink: sink) else { continue }
                newsImages[file] = OutputFile(path: ThemeAssets.fingerprinted("news/\(image)", data), data: data)
            }
        }
        let items = (loaded.pages + forces.flatMap { loaded.localPages[$0.id] ?? [] }).compactMap(\.front.news)

        if sink.hasErrors { throw DiagnosticsError(sink.sorted) }
        return PreparedSite(
            loaded: loaded, environment: environment, theme: theme, forceThemes: forceThemes, national: national,
            pageSets: pageSets, palettes: palettes, baseURLs: baseURLs, contentFiles: contentFiles, logos: logos, forms: forms,
            themeAssets: forceThemes.mapValues(ThemeAssets.init).merging(["": ThemeAssets(theme)]) { a, _ in a },
            now: now, newsWindow: NewsWindow(items: items, now: now),
            search: SearchIndex.nationalParts(national, languages: config.languages), newsImages: newsImages,
            warnings: loaded.warnings + sink.sorted)
    }

    /// Every service in the catalogue needs a national landing page at its `page` path.
    static func checkServices(_ config: SiteConfig, national: [PreparedPage], sink: DiagnosticSink) {
        let keys = Set(national.filter { $0.language == config.defaultLanguage }.map(\.key))
        for service in config.services where !keys.contains(service.page) {
            let file = service.page == "/" ? "content/index.md" : "content\(service.page.dropLast()).md"
            sink.error(service.location, "service '\(service.id)' has no landing page at '\(service.page)'",
                hint: "Add \(file) with 'service: \(service.id)' in its front matter.")
        }
    }

    /// A placeholder used where a force's file leaves its field out.
    struct UnsetPlaceholder: Sendable {
        var at: SourceLocation
        var name: String
        var force: ForceIdentity
    }

    /// A placeholder whose field a force leaves out cannot be filled on that force's site.
    static func unsetPlaceholders(_ set: ForcePageSet, force: ForceIdentity, site: SiteConfig) -> [UnsetPlaceholder] {
        var unset: [UnsetPlaceholder] = []
        for page in set.pages {
            for (name, at) in page.placeholderUses.sorted(by: { $0.key < $1.key })
            where Placeholder.value(name, force: force, site: site, baseURL: "") == nil {
                unset.append(UnsetPlaceholder(at: at, name: name, force: force))
            }
        }
        return unset
    }

    /// One error for each use of a placeholder, naming every force that leaves it unset.
    static func reportUnset(_ unset: [UnsetPlaceholder], sink: DiagnosticSink) {
        var order: [String] = []
        var groups: [String: [UnsetPlaceholder]] = [:]
        for u in unset {
            let key = "\(u.at.file):\(u.at.line):\(u.at.column)|\(u.name)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(u)
        }
        for key in order {
            guard let group = groups[key], let first = group.first else { continue }
            let field = first.name.split(separator: ".").dropFirst().joined(separator: ".")
            if group.count == 1 {
                sink.error(first.at, "'{{\(first.name)}}' has no value for force '\(first.force.id)': \(first.force.file) does not set '\(field)'",
                    hint: "Set '\(field)' in \(first.force.file), or use a field every force sets.")
            } else {
                sink.error(first.at, "'{{\(first.name)}}' has no value \(ForceList.text(group.map(\.force.id))): their force files do not set '\(field)'",
                    hint: "Set '\(field)' in each of those force files, or use a field every force sets.")
            }
        }
    }

    /// An alias (normalised when read) writes a redirect at its address, so it must not be any
    /// page's address (forms and their confirmations included), a locked path or another
    /// page's alias, compared without regard to case.
    static func checkAliases(_ set: ForcePageSet, site: SiteConfig, sink: DiagnosticSink) {
        let pages = Set(set.pages.map { $0.urlPath.lowercased() })
        var seen: [String: String] = [:]
        for page in set.pages {
            for (alias, at) in page.front.aliases {
                let key = alias.lowercased()
                if pages.contains(key) {
                    sink.error(at, "alias '\(alias)' is the address of a page", hint: "Remove the alias; that address already shows a page.")
                } else if site.isLocked(alias) {
                    sink.error(at, "alias '\(alias)' is a path site.yml locks", hint: "Remove the alias: locked paths are the national pages'.")
                } else if let other = seen[key], other != page.file {
                    sink.error(at, "alias '\(alias)' is also an alias of \(other)", hint: "An old address can redirect to one page only.")
                }
                seen[key] = page.file
            }
        }
    }
}

