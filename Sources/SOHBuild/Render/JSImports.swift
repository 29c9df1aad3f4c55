import Foundation
import SOHMarkdown

/// Relative imports between theme JavaScript modules (`import … from "./forms-logic.js"`), so
/// fingerprinted names can be written into the modules that import them.
enum JSImports {
    static func hasImports(_ name: String, _ data: Data) -> Bool {
        name.hasSuffix(".js") && String(decoding: data, as: UTF8.self).contains("from \"./")
    }

    /// The sibling modules a module imports (`from "./x.js"` in `js/forms.js` → `js/x.js`).
    static func imported(_ name: String, _ data: Data) -> [String] {
        let folder = name.contains("/") ? String(name[..<name.lastIndex(of: "/")!]) + "/" : ""
        return String(decoding: data, as: UTF8.self).components(separatedBy: "from \"./").dropFirst().compactMap { rest in
            rest.split(separator: "\"", maxSplits: 1).first.map { folder + $0 }
        }
    }

    /// Rewrites `from "./x.js"` to the fingerprinted file name of the sibling module.
    static func rewrite(_ name: String, _ data: Data, renamed: [String: String]) -> Data {
        var text = String(decoding: data, as: UTF8.self)
        let folder = name.contains("/") ? String(name[..<name.lastIndex(of: "/")!]) + "/" : ""
        for (original, path) in renamed where original.hasPrefix(folder) && original.hasSuffix(".js") {
            let sibling = String(original.dropFirst(folder.count))
            let fingerprinted = String(path.split(separator: "/").last ?? "")
            text = text.replacingAll("from \"./\(sibling)\"", with: "from \"./\(fingerprinted)\"")
        }
        return Data(text.utf8)
    }
}
