import Foundation
import SOHModel

extension ForceRenderer {
    /// The force's search index in one language: the national part (the same files on every
    /// site), its own part and its manifest (docs/search.md); nil where the force publishes no
    /// search page in that language.
    struct SearchFiles {
        var national: SearchIndex.Part
        var local: SearchIndex.Part
        var manifest: OutputFile

        /// Every file, each path once (a local file with a national one's bytes has its name too).
        var all: [OutputFile] {
            let nationalPaths = Set(national.files.map(\.path))
            return national.files + local.files.filter { !nationalPaths.contains($0.path) } + [manifest]
        }
    }

    func searchFiles(_ language: String) -> SearchFiles? {
        guard set.page(key: SearchIndex.pageKey, language: language) != nil, let national = prepared.search[language] else { return nil }
        let renderer = speaking(language)
        var hidden: [Int] = []
        var shown = Set<String>()
        for (number, (url, file)) in zip(national.urls, national.sources).enumerated() {
            if let page = set.page(at: url), page.kind == .content, page.file == file {
                shown.insert(url)
            } else {
                hidden.append(number)
            }
        }
        let own = set.pages.filter { $0.language == language && SearchIndex.isIndexed($0) && !shown.contains($0.urlPath) }.map { page in
            let title = renderer.fillRaw(page.title), summary = page.description.map(renderer.fillRaw) ?? ""
            return SearchIndex.Document(
                url: page.urlPath, title: title, summary: summary, titleText: title, descriptionText: summary,
                bodyText: SearchIndex.text(ofHTML: renderer.fillHTML(page.body)), file: page.file)
        }
        let local = SearchIndex.part(own, language: language)
        let values = national.placeholders.map { ($0, Placeholder.value($0, force: renderer.force, site: config, baseURL: baseURL) ?? "") }
        let manifest = OutputFile(path: "search/\(language).json", data: SearchIndex.manifest(national: national, local: local, hidden: hidden, values: values))
        return SearchFiles(national: national, local: local, manifest: manifest)
    }

    /// The search index in every language the force publishes a search page in.
    func searchFiles() -> [OutputFile] {
        force.languages.compactMap(searchFiles).flatMap(\.all)
    }
}
