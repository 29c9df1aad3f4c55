import Foundation

/// Checks that tie dated items together once they are loaded: a translation takes its date,
/// kind, expiry, image and places from its English item; a force's items concern its own areas;
/// an image names a file beside its item. Reference: docs/news.md.
public enum NewsItems {
    /// Gives each translated item the shared front matter of its English item (in `pages`, or
    /// for a force's translation of a national item, in `national`), refusing a translation
    /// that says otherwise or has no English item.
    static func link(_ pages: inout [PageSource], national: [PageSource], defaultLanguage: String, sink: DiagnosticSink) {
        var english: [String: PageSource] = [:]
        for page in national + pages where page.front.news != nil && page.language == defaultLanguage { english[page.key] = page }
        for i in pages.indices {
            guard let twin = pages[i].front.news, pages[i].language != defaultLanguage else { continue }
            let file = pages[i].file
            guard let source = english[pages[i].key], let item = source.front.news else {
                sink.error(.start(of: file), "the translated item has no English item at '\(pages[i].key)'",
                    hint: "Add the English item beside it: it gives the date, kind and expiry both share.")
                pages[i].front.news = nil
                continue
            }
            func differs(_ key: String) -> Bool {
                switch key {
                case "date": twin.date != item.date
                case "expires": twin.expires != item.expires
                case "kind": twin.kind != item.kind
                case "image": twin.image != item.image
                case "closed": twin.closed != item.closed
                case "areas": twin.areas.map(\.id) != item.areas.map(\.id)
                default: false
                }
            }
            for key in NewsFront.sharedKeys where twin.given.contains(key) && differs(key) {
                sink.error(.start(of: file), "'\(key)' differs from the English item \(source.file)",
                    hint: "Leave '\(key)' out of the translation: it takes it from the English item, so the two never disagree.")
            }
            if item.image != nil, twin.imageAlt?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
                sink.error(.start(of: file), "the English item has an image, so the translation needs 'imageAlt' in its own language",
                    hint: "Describe the image in the translation's language: 'imageAlt: …'.")
            }
            var linked = item
            linked.summary = twin.summary
            linked.imageAlt = twin.imageAlt
            linked.given = twin.given
            pages[i].front.news = linked
        }
    }

    /// A force's own items: only directly in `forces/<id>/news/`, about places in its own area.
    static func checkLocal(_ pages: [PageSource], force: ForceIdentity, areas: PoliceAreas?, defaultLanguage: String, sink: DiagnosticSink) {
        let own = Set(areas?.force(force.id)?.areas.map(\.id) ?? [])
        for page in pages {
            if page.file.hasPrefix("\(force.folder)/news/"), page.key != PageSource.newsKey, !PageSource.isItemKey(page.key) {
                sink.error(.start(of: page.file), "items sit directly in \(force.folder)/news/, not in a folder below it",
                    hint: "Move it up to \(force.folder)/news/.")
            }
            guard let item = page.front.news, page.language == defaultLanguage else { continue }
            for (id, at) in item.areas where !own.contains(id) {
                sink.error(at, "area '\(id)' is not in the police area of \(force.id)",
                    hint: own.isEmpty ? "Remove 'areas'." : Suggestion.hint(for: id, allowed: own.sorted(), noun: "areas of \(force.id)"))
            }
        }
    }

    /// The image an item names is a file beside it, inside the repository.
    static func checkImages(_ pages: [PageSource], root: URL, defaultLanguage: String, sink: DiagnosticSink) {
        for page in pages where page.language == defaultLanguage {
            guard let item = page.front.news, let image = item.image, let at = item.imageLocation else { continue }
            let file = imageFile(item: page.file, image)
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path) else {
                sink.error(at, "the image '\(image)' is not there: \(file) does not exist",
                    hint: "Put the image beside the item, or correct its name.")
                continue
            }
            _ = RepositoryFile.resolve(file, in: root, sink: sink)
        }
    }

    /// `content/news/a.md` + `b.jpg` → `content/news/b.jpg`.
    public static func imageFile(item file: String, _ image: String) -> String {
        let folder = file.split(separator: "/").dropLast().joined(separator: "/")
        return "\(folder)/\(image)"
    }
}
