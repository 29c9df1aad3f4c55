import Foundation
import SOHMarkdown
import SOHForms
import SOHModel

/// What `soh check` looks at: every force's page set as prepared for the build, with the source
/// file and positions of each page's headings, links and images.
public struct SiteInspection: Sendable {
    public struct Page: Sendable {
        public var file: String
        /// The address without its language (twins share it), e.g. `/advice/burglary/`.
        public var key: String
        public var urlPath: String
        public var language: String
        public var layout: String
        /// Filled for the force.
        public var title: String
        public var description: String?
        public var titleLocation: SourceLocation
        public var headings: [Markdown.Heading]
        public var links: [Markdown.Link]
        /// Pages the build makes (forms, notices) rather than Markdown.
        public var generated: Bool
        /// A national page (not one of a force's own pages).
        public var isNational: Bool
        /// A live dated item's front matter.
        public var item: NewsFront? = nil
    }

    public struct Force: Sendable {
        public var identity: ForceIdentity
        public var pages: [Page]
        public var baseURL: String

        public func page(at urlPath: String) -> Page? { pages.first { $0.urlPath == urlPath } }

        public func page(key: String, language: String) -> Page? { pages.first { $0.key == key && $0.language == language } }
    }

    /// A page written in another language than the default, and the page it translates.
    public struct Translation: Sendable {
        public var file: String
        public var location: SourceLocation
        /// The English page's file and its current `translationHash`; nil when there is none.
        public var sourceFile: String?
        public var sourceHash: String?
        public var translatedFrom: String?
        public var needsReview: Bool
    }

    public var config: SiteConfig
    public var forces: [Force]
    /// Translations by file.
    public var translations: [String: Translation] = [:]
    /// Ids the theme's layouts give every page (skip link target, …).
    public var layoutIDs: Set<String> = Markdown.reservedIDs
    /// The forms of the services, by id, and the police areas (docs/routing.md).
    public var forms: [String: FormDefinition] = [:]
    public var areas: PoliceAreas?
    /// Every force in `forces/`, built or not.
    public var allForces: [ForceIdentity] = []
    /// The build's time: which items are live, and how soon they end.
    public var now = Date()
}

extension Builder {
    /// What a prepared site publishes, page by page, for the checks; and the build's warnings.
    public static func inspect(_ site: Site) -> (SiteInspection, [Diagnostic]) {
        let (loaded, selected, prepared) = (site.loaded, site.forces, site.prepared)
        let forces = selected.map { force -> SiteInspection.Force in
            let renderer = ForceRenderer(prepared: prepared, force: force)
            let pages = renderer.set.pages.map { p -> SiteInspection.Page in
                // The news page's first page is its Markdown file (with the listing below it).
                let generated: Bool = switch p.kind {
                case .content: false
                case .newsListing(let listing): listing.filter != .all || listing.number > 1
                default: true
                }
                let speaker = renderer.speaking(p.language)
                return SiteInspection.Page(
                    file: p.file, key: p.key, urlPath: p.urlPath, language: p.language, layout: p.layout,
                    title: speaker.fillRaw(p.title),
                    description: p.description.map(speaker.fillRaw), titleLocation: p.front.titleLocation,
                    headings: p.headings, links: p.links, generated: generated, isNational: p.origin == .national, item: p.newsItem)
            }
            return SiteInspection.Force(identity: force, pages: pages, baseURL: renderer.baseURL)
        }
        var translations: [String: SiteInspection.Translation] = [:]
        let sources = [loaded.pages] + loaded.localPages.keys.sorted().map { loaded.localPages[$0] ?? [] }
        for pages in sources {
            let english = Dictionary(pages.filter { $0.language == loaded.config.defaultLanguage }.map { ($0.key, $0) }) { a, _ in a }
            for page in pages where page.language != loaded.config.defaultLanguage {
                let source = english[page.key]
                translations[page.file] = SiteInspection.Translation(
                    file: page.file, location: page.front.translatedFromLocation ?? page.front.titleLocation,
                    sourceFile: source?.file, sourceHash: source?.translationHash,
                    translatedFrom: page.front.translatedFrom, needsReview: page.front.needsReview)
            }
        }
        var inspection = SiteInspection(config: loaded.config, forces: forces)
        inspection.translations = translations
        inspection.forms = prepared.forms.mapValues(\.definition)
        inspection.areas = loaded.areas
        inspection.allForces = loaded.policeForces
        inspection.now = prepared.now
        return (inspection, prepared.warnings)
    }
}
