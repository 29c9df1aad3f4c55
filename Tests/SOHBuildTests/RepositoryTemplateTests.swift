import Foundation
import Mustache
@testable import SOHBuild
import SOHModel
import SOHTemplates
import Testing

/// The repository's pages rendered by soh's template renderer and by swift-mustache, which
/// rendered them before (`SOHTemplatesTests` compares the two on templates of every kind).
@Suite("Repository templates")
struct RepositoryTemplateTests {
    /// The value as swift-mustache takes it.
    static func reference(_ value: TemplateValue) -> Any {
        switch value {
        case .text(let text): text
        case .bool(let truth): truth
        case .list(let items): items.map(reference)
        case .map(let fields): fields.mapValues(reference)
        }
    }

    /// Every page of a few forces of the repository (English, Welsh, with pages of their own),
    /// rendered from the same context by soh and by the reference.
    @Test func repositoryPagesRenderAsTheReferenceDoes() throws {
        let loaded = try SiteLoader.load(root: Fixture.repositoryRoot)
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
    }}
