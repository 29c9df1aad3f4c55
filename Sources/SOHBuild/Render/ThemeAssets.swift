import Crypto
import Foundation
import SOHModel

/// A theme's assets under their published names (CSS and JS fingerprinted, imports between
/// modules rewritten to the fingerprinted names), made once per theme rather than per force.
struct ThemeAssets: Sendable {
    var files: [OutputFile] = []
    /// Asset key (`site_css`) → published address (`/assets/site.1a2b3c4d5e.css`).
    var urls: [String: String] = [:]

    init(_ theme: Theme) {
        // Modules that import others are fingerprinted after them, with the imports rewritten.
        let sorted = theme.assets.sorted(by: { $0.key < $1.key })
        var renamed: [String: String] = [:]
        for (name, data) in sorted where !JSImports.hasImports(name, data) {
            renamed[name] = add(name, data)
        }
        // A module is fingerprinted once every module it imports has its name (forms.js imports
        // area-picker.js, which imports forms-logic.js); modules importing each other in a circle
        // cannot all be, and go last with the names known by then.
        var waiting = sorted.filter { JSImports.hasImports($0.key, $0.value) }
        while !waiting.isEmpty {
            let ready = waiting.filter { module in
                JSImports.imported(module.key, module.value).allSatisfy { renamed[$0] != nil || theme.assets[$0] == nil }
            }
            for (name, data) in ready.isEmpty ? waiting : ready {
                renamed[name] = add(name, JSImports.rewrite(name, data, renamed: renamed))
            }
            let done = Set((ready.isEmpty ? waiting : ready).map(\.key))
            waiting.removeAll { done.contains($0.key) }
        }
    }

    @discardableResult
    private mutating func add(_ name: String, _ data: Data) -> String {
        let sha = Fingerprint.sha256(data)
        let path = name.hasSuffix(".css") || name.hasSuffix(".js") ? Self.fingerprinted(name, sha256: sha) : "assets/\(name)"
        files.append(OutputFile(path: path, data: data, sha256: sha))
        urls[ForceRenderer.assetKey(name)] = "/" + path
        return path
    }

    /// `site.css` → `assets/site.<10 hex digits of its SHA-256>.css`.
    static func fingerprinted(_ name: String, _ data: Data) -> String {
        fingerprinted(name, sha256: Fingerprint.sha256(data))
    }

    static func fingerprinted(_ name: String, sha256: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return "assets/\(name)" }
        return "assets/\(name[..<dot]).\(sha256.prefix(10))\(name[dot...])"
    }
}
