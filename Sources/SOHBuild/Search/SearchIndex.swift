import Foundation
import SOHModel

/// A site's search index in one language, made from the text the build renders
/// (docs/search.md): an inverted index split into chunks by term, each file named by its
/// content's hash, and the documents' addresses, titles and summaries in small files of their
/// own, so that a query fetches only the chunks of its words and the documents it shows.
///
/// An index has two parts: the national pages, indexed once per language for every force
/// (the same files on every site), and the force's own pages. Each force's manifest
/// (`search/<language>.json`) names both parts' files and which national pages the force does
/// not publish.
enum SearchIndex {
    /// A page as the index sees it.
    struct Document: Sendable {
        var url: String
        /// Shown in results: the national part keeps placeholders as `{{name}}`, filled from the
        /// manifest's `values` by the script.
        var title: String
        var summary: String
        /// Indexed, in order of weight.
        var titleText: String
        var descriptionText: String
        var bodyText: String
        /// The file it was made from: a force publishes a national document only as that file.
        var file: String
    }

    /// One part's files.
    struct Part: Sendable {
        /// Each chunk's first term and its file, in term order.
        var chunks: [(first: String, file: OutputFile)]
        /// The documents, `documentsPerFile` to a file.
        var documents: [OutputFile]
        var files: [OutputFile] { chunks.map(\.file) + documents }
        /// The documents' addresses and source files, by number.
        var urls: [String]
        var sources: [String]
        /// Placeholders the documents' titles and summaries keep, for the manifest's values.
        var placeholders: [String] = []
    }

    /// The address of the search page; a site without one has no index.
    static let pageKey = "/search/"

    /// Pages worth finding: content (live items too) and notices, but not the page that lists
    /// every page, nor the search page itself.
    static func isIndexed(_ page: PreparedPage) -> Bool {
        switch page.kind {
        case .content, .serviceNotice: !["sitemap", "search"].contains(page.layout)
        default: false
        }
    }

    /// A national page as every force's index holds it: placeholders shown as `{{name}}` and
    /// left out of the indexed text.
    static func national(_ page: PreparedPage) -> Document {
        let shown: (String) -> String = { "{{\($0)}}" }
        let blank: (String) -> String = { _ in "" }
        return Document(
            url: page.urlPath, title: page.title.fill(shown), summary: page.description?.fill(shown) ?? "",
            titleText: page.title.fill(blank), descriptionText: page.description?.fill(blank) ?? "",
            bodyText: text(ofHTML: page.body.fill(blank)), file: page.file)
    }

    /// The national part in each language, made once for every force.
    static func nationalParts(_ pages: [PreparedPage], languages: [String]) -> [String: Part] {
        var parts: [String: Part] = [:]
        for language in languages {
            let indexed = pages.filter { $0.language == language && isIndexed($0) && $0.kind == .content }.sorted { $0.urlPath < $1.urlPath }
            var part = part(indexed.map(national), language: language)
            part.placeholders = Set(indexed.flatMap { $0.title.slotNames.union($0.description?.slotNames ?? []) }).sorted()
            parts[language] = part
        }
        return parts
    }

    static let documentsPerFile = 16
    /// A chunk is closed once its JSON passes this many bytes.
    static let chunkBytes = 6_000
    /// Field weights: a word in the title counts as ten in the text.
    static let weights = (title: 10.0, description: 4.0, body: 1.0)

    static func folder(_ language: String) -> String { "assets/search/\(language)" }

    /// Builds a part from `documents` (in their order, which numbers them).
    static func part(_ documents: [Document], language: String) -> Part {
        // Weighted term counts per document (BM25 with the fields folded in), and the terms of
        // each title: a word of the title earns a bonus, so that the page about a thing comes
        // before the pages that mention it often.
        // Counted on every core: a national part has hundreds of pages.
        let counted = Parallel.map(documents) { document -> (tf: [String: Double], title: Set<String>, length: Double) in
            var tf: [String: Double] = [:]
            var title = Set<String>()
            var length = 0.0
            for (field, text, weight) in [(0, document.titleText, weights.title), (1, document.descriptionText, weights.description), (2, document.bodyText, weights.body)] {
                for term in SearchTerms.terms(text, language: language) {
                    length += weight
                    for form in language == "cy" ? SearchTerms.radicals(term) : [term] {
                        tf[form, default: 0] += weight
                        if field == 0 { title.insert(form) }
                    }
                }
            }
            return (tf, title, length)
        }
        let counts = counted.map(\.tf), titles = counted.map(\.title), lengths = counted.map(\.length)
        let n = Double(max(documents.count, 1))
        let average = max(lengths.reduce(0, +) / n, 1)
        var postings: [String: [(Int, Int)]] = [:]
        var frequency: [String: Int] = [:]
        for tf in counts { for term in tf.keys { frequency[term, default: 0] += 1 } }
        let (k1, b, titleBonus) = (1.2, 0.75, 1.5)
        for (number, tf) in counts.enumerated() {
            for (term, f) in tf {
                let df = Double(frequency[term] ?? 0)
                let idf = log(1 + (n - df + 0.5) / (df + 0.5))
                var score = idf * f * (k1 + 1) / (f + k1 * (1 - b + b * lengths[number] / average))
                if titles[number].contains(term) { score += idf * titleBonus }
                postings[term, default: []].append((number, max(1, Int((score * 100).rounded()))))
            }
        }
        var chunks: [(first: String, file: OutputFile)] = []
        var current = "", first = ""
        func close() {
            guard !current.isEmpty else { return }
            let data = Data(("[" + current + "]\n").utf8)
            chunks.append((first, file(language, data)))
            current = ""
        }
        for term in postings.keys.sorted(by: Self.ordered) {
            let list = (postings[term] ?? []).sorted { $0.0 < $1.0 }.map { "\($0.0),\($0.1)" }.joined(separator: ",")
            if current.isEmpty { first = term } else { current += "," }
            current += "[\"\(Escape.json(term))\",[\(list)]]"
            if current.utf8.count >= chunkBytes { close() }
        }
        close()
        var files: [OutputFile] = []
        for start in stride(from: 0, to: documents.count, by: documentsPerFile) {
            let rows = documents[start..<min(start + documentsPerFile, documents.count)].map {
                "[\"\(Escape.json($0.url))\",\"\(Escape.json($0.title))\",\"\(Escape.json($0.summary))\"]"
            }
            files.append(file(language, Data(("[" + rows.joined(separator: ",\n") + "]\n").utf8)))
        }
        return Part(chunks: chunks, documents: files, urls: documents.map(\.url), sources: documents.map(\.file))
    }

    /// Terms in the order the script compares them: by UTF-16 code units, as JavaScript's `<` does.
    static func ordered(_ a: String, _ b: String) -> Bool { a.utf16.lexicographicallyPrecedes(b.utf16) }

    static func file(_ language: String, _ data: Data) -> OutputFile {
        let sha = Fingerprint.sha256(data)
        return OutputFile(path: "\(folder(language))/\(sha.prefix(16)).json", data: data, sha256: sha)
    }

    /// A force's manifest: both parts' files, the national documents it leaves out, and the
    /// values of the placeholders the national titles and summaries use.
    static func manifest(national: Part, local: Part, hidden: [Int], values: [(String, String)]) -> Data {
        func describe(_ part: Part) -> String {
            let chunks = part.chunks.map { "[\"\(Escape.json($0.first))\",\"/\($0.file.path)\"]" }.joined(separator: ",")
            let documents = part.documents.map { "\"/\($0.path)\"" }.joined(separator: ",")
            return "{\"chunks\":[\(chunks)],\"documents\":[\(documents)],\"count\":\(part.sources.count)}"
        }
        let valueText = values.map { "\"\(Escape.json($0.0))\":\"\(Escape.json($0.1))\"" }.joined(separator: ",")
        let hiddenText = hidden.map(String.init).joined(separator: ",")
        return Data("{\"version\":1,\"perFile\":\(documentsPerFile),\"parts\":[\(describe(national)),\(describe(local))],\"hidden\":[\(hiddenText)],\"values\":{\(valueText)}}\n".utf8)
    }

    /// The words of rendered HTML: tags and character references become spaces.
    static func text(ofHTML html: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(html.utf8.count)
        var inTag = false, inReference = false
        for byte in html.utf8 {
            switch byte {
            case UInt8(ascii: "<"): inTag = true; out.append(0x20)
            case UInt8(ascii: ">") where inTag: inTag = false
            case UInt8(ascii: "&") where !inTag: inReference = true; out.append(0x20)
            case UInt8(ascii: ";") where inReference: inReference = false
            default:
                if inReference, !(byte < 0x80 && (isalnum(Int32(byte)) != 0 || byte == UInt8(ascii: "#"))) { inReference = false }
                if !inTag && !inReference { out.append(byte) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
