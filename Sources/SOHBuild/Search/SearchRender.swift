import Foundation
import SOHModel

extension ForceRenderer {
    /// The force's search index in each language it publishes a search page in: the national
    /// part (the same files on every site), its own part and its manifest (docs/search.md).
    func searchFiles() -> [OutputFile] {
        var files: [OutputFile] = []
        for language in force.languages where set.page(key: SearchIndex.pageKey, language: language) != nil {
            guard let national = prepared.search[language] else { continue }
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
            // A local file with the same bytes as a national one has its name too: write it once.
            let nationalPaths = Set(national.files.map(\.path))
            files += national.files + local.files.filter { !nationalPaths.contains($0.path) }
            files.append(OutputFile(path: "search/\(language).json", data: SearchIndex.manifest(national: national, local: local, hidden: hidden, values: values)))
        }
        return files
    }
}
