import Foundation
import SOHModel
import SOHTemplates

/// The theme: Mustache layouts and partials, assets and interface strings, parsed once.
///
/// Lookup is layered: a force's `forces/<id>/theme/` is searched before `themes/<name>/`, so a
/// force overrides one template or asset without copying the rest.
struct Theme: Sendable {
    /// Layout names (files in `layouts/`), for choosing and checking `layout:`.
    var layouts: Set<String>
    var templates = Templates()
    /// Assets by path below `assets/`, with their bytes.
    var assets: [String: Data]
    /// Interface strings by language, then key.
    var strings: [String: [String: String]]
    /// Which template and asset names this layer replaced (for a force's theme).
    var overridden: Set<String> = []
    /// Every template file found, including those that failed to parse (their error is reported once).
    var templateFiles: Set<String> = []
    /// Template source text by name, for the build cache's dependency keys.
    var sources: [String: String] = [:]
    /// Renders the template `name` with `context`; nil when the theme has no such template.
    func render(_ context: TemplateContext, withTemplate name: String) -> String? {
        templates.render(context, withTemplate: name)
    }

    static let templateFolders = ["layouts", "partials"]

    /// Loads `themes/<name>/` under `root`, collecting template and string errors.
    static func load(root: URL, name: String, languages: [String], sink: DiagnosticSink) -> Theme? {
        let relative = "themes/\(name)"
        let dir = root.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: dir.path) else {
            sink.error(.start(of: "site.yml"), "theme folder '\(relative)/' does not exist",
                hint: "Set 'theme:' in site.yml to a folder under themes/.")
            return nil
        }
        var theme = Theme(layouts: [], assets: [:], strings: [:])
        theme.addTemplates(root: root, relative: relative, sink: sink)
        theme.addAssets(root: root, relative: relative, sink: sink)
        for required in ["page", "base"] where theme.templates[required] == nil
            && !FileManager.default.fileExists(atPath: dir.appendingPathComponent(required == "base" ? "partials/base.mustache" : "layouts/page.mustache").path) {
            sink.error(.start(of: relative), "the theme has no '\(required)' template",
                hint: "Add \(relative)/\(required == "base" ? "partials" : "layouts")/\(required).mustache.")
        }
        theme.strings = InterfaceStrings.load(root: root, relative: "\(relative)/i18n", languages: languages, sink: sink)
        theme.refuseCycles(relative, sink: sink)
        return theme
    }

    /// The theme as seen by one force: its own templates and assets first.
    func layered(root: URL, forceTheme relative: String, sink: DiagnosticSink) -> Theme {
        let dir = root.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: dir.path) else { return self }
        var theme = self
        theme.addTemplates(root: root, relative: relative, sink: sink)
        theme.addAssets(root: root, relative: relative, sink: sink)
        for key in SiteLoader.listDirectory(dir, within: root, sink: sink) where !["layouts", "partials", "assets"].contains(key) {
            sink.error(.start(of: "\(relative)/\(key)"), "a force theme may only hold layouts/, partials/ and assets/",
                hint: "Interface strings are national; move or remove '\(key)'.")
        }
        theme.refuseCycles(relative, sink: sink)
        return theme
    }

    /// A partial that includes itself, directly or through others, would render for ever.
    func refuseCycles(_ relative: String, sink: DiagnosticSink) {
        guard let cycle = templates.cycle() else { return }
        sink.error(.start(of: relative), "the templates include each other in a circle: \(cycle.joined(separator: " → "))",
            hint: "A partial cannot include itself, directly or through other partials.")
    }

    mutating func addTemplates(root: URL, relative: String, sink: DiagnosticSink) {
        let dir = root.appendingPathComponent(relative)
        for folder in Self.templateFolders {
            for file in SiteLoader.walk(dir.appendingPathComponent(folder), within: root, sink: sink) where file.hasSuffix(".mustache") {
                let name = String(file.dropLast(".mustache".count))
                let path = "\(relative)/\(folder)/\(file)"
                templateFiles.insert(name)
                let other = folder == "layouts" ? "partials" : "layouts"
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(other)/\(file)").path) {
                    sink.error(.start(of: path), "'\(name)' is both a layout and a partial",
                        hint: "Rename one of them; layouts and partials share one set of names.")
                    continue
                }
                guard let text = SourceText.read(path, in: root, sink: sink) else { continue }
                do throws(TemplateParser.Failure) {
                    templates.add(try TemplateParser.parse(text), named: name)
                    sources[name] = text
                    if folder == "layouts" { layouts.insert(name) }
                    overridden.insert(name)
                } catch {
                    sink.error(SourceLocation(file: path, line: error.line, column: error.column), "template syntax error: \(error.message)",
                        hint: "Check that every {{#section}} has a matching {{/section}} and every tag is closed with '}}'.")
                }
            }
        }
    }

    mutating func addAssets(root: URL, relative: String, sink: DiagnosticSink) {
        let folder = "\(relative)/assets"
        for file in SiteLoader.walk(root.appendingPathComponent(folder), within: root, sink: sink) {
            guard let data = RepositoryFile.read("\(folder)/\(file)", in: root, sink: sink),
                  SVGSafety.check(data, file: "\(folder)/\(file)", sink: sink) else { continue }
            assets[file] = data
            overridden.insert("assets/\(file)")
        }
    }
}
