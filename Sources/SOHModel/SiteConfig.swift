import Foundation

/// The national settings in `site.yml`.
public struct SiteConfig: Sendable {
    public var name: String
    public var languages: [String]
    public var defaultLanguage: String
    public var theme: String
    public var environments: [String: Environment]
    public var services: [Service]
    public var menus: [String: [MenuItem]]
    /// URL path prefixes that forces may not override, e.g. `/report/`.
    public var locked: [String]
    public var allowRawHTML: Bool
    public var jobs: Int?
    /// Page weight budgets in bytes (HTML + CSS + JS) by layout; `default` for the others.
    public var budgets: [String: Int] = ["default": 200_000]
    /// The national site's identity as written (`national:`), read by `ForceIdentity.loadNational`.
    public var national: YAMLNode?

    public struct Environment: Sendable {
        public var name: String
        /// Pattern with `{force}`, e.g. `https://{force}.staging.example.uk`; nil uses each force's own base URL.
        public var baseURL: String?
        /// Base URL of the submission API, e.g. `https://api.example.uk`.
        public var api: String
    }

    /// One entry of the national service catalogue.
    public struct Service: Sendable {
        public var id: String
        public var title: LocalizedText
        public var summary: LocalizedText
        /// URL path of the service's landing page, e.g. `/report/crime/`.
        public var page: String
        public var form: String?
        /// A national service run elsewhere (Action Fraud, the anti-terrorism hotline).
        public var external: String?
        public var location: SourceLocation
    }

    public struct MenuItem: Sendable {
        public var title: LocalizedText
        public var url: String
        public var location: SourceLocation
    }

    public func service(_ id: String) -> Service? { services.first { $0.id == id } }

    /// A force's site address in an environment: in production the force's own `baseURL` wins;
    /// other environments use their pattern for every force, so nothing points at live sites.
    public func baseURL(for force: ForceIdentity, in environment: Environment) -> String? {
        if environment.name == "production", let own = force.baseURL { return own }
        if let pattern = environment.baseURL { return MessageTemplate.fill(pattern, ["force": force.id]) }
        return force.baseURL
    }

    public func isLocked(_ urlPath: String) -> Bool {
        locked.contains { urlPath == $0 || urlPath.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

    static let keys = ["name", "languages", "defaultLanguage", "theme", "environments", "services", "menus", "locked", "markdown", "build", "budgets", "national"]
    static let knownLanguages = ["en", "cy"]

    public static func load(_ text: String, file: String = "site.yml", sink: DiagnosticSink) -> SiteConfig? {
        let parsed = YAMLParser.parse(text, file: file, sink: sink)
        guard let root = parsed, let map = StrictMapping(root, what: "site.yml", allowed: keys, sink: sink) else { return nil }

        let name = map.text("name", required: true, example: "Single Online Home") ?? ""
        var languages = ["en"]
        if let list = map.texts("languages") {
            languages = list.map(\.0)
            for (language, at) in list where !knownLanguages.contains(language) {
                sink.error(at, "unknown language '\(language)'", hint: Suggestion.hint(for: language, allowed: knownLanguages, noun: "languages"))
            }
            if !languages.contains("en") { sink.error(map.valueLocation("languages"), "'languages' must include 'en'") }
        }
        let defaultLanguage = map.text("defaultLanguage") ?? "en"
        if !languages.contains(defaultLanguage) {
            sink.error(map.valueLocation("defaultLanguage"), "default language '\(defaultLanguage)' is not in 'languages'",
                hint: "Use one of: \(languages.joined(separator: ", ")).")
        }
        let theme = map.text("theme") ?? "national"

        var environments: [String: Environment] = [:]
        if let envs = map.value("environments") {
            if case .mapping(let pairs) = envs.value {
                for pair in pairs {
                    guard let env = StrictMapping(pair.value, what: "environment '\(pair.key)'", allowed: ["baseURL", "api"], sink: sink) else { continue }
                    let api = env.text("api", required: true, example: "https://api.example.police.uk") ?? ""
                    if !api.isEmpty { URLRules.checkHTTPS(api, key: "api", at: env.valueLocation("api"), sink: sink) }
                    let baseURL = env.text("baseURL")
                    if let baseURL {
                        if !baseURL.contains("{force}") {
                            sink.error(env.valueLocation("baseURL"), "the environment's 'baseURL' must contain '{force}'",
                                hint: "Write a pattern like 'https://{force}.staging.example.uk'; each force's id replaces '{force}'.")
                        }
                        URLRules.checkHTTPS(MessageTemplate.fill(baseURL, ["force": "x"]), key: "baseURL", at: env.valueLocation("baseURL"), sink: sink)
                    }
                    environments[pair.key] = Environment(name: pair.key, baseURL: baseURL, api: api.trimmingTrailingSlash)
                }
            } else {
                sink.error(envs.location, "'environments' should be a set of keys, found \(envs.kindName)",
                    hint: "Write each environment name as a key, e.g. 'production:' with 'api:' below it.")
            }
        }
        if environments["production"] == nil {
            sink.error(map.keyLocation("environments"), "site.yml defines no 'production' environment",
                hint: "Add 'environments:' with 'production:' and its 'api:' URL.")
        }

        var services: [Service] = []
        for item in map.list("services") ?? [] {
            guard let s = StrictMapping(item, what: "service", allowed: ["id", "title", "summary", "page", "form", "external"], sink: sink) else { continue }
            guard let id = s.text("id", required: true, example: "crime") else { continue }
            if !Identifier.isValid(id) {
                sink.error(s.valueLocation("id"), "service id '\(id)' should be lower-case letters, digits and hyphens")
            }
            if let first = services.first(where: { $0.id == id }) {
                sink.error(s.valueLocation("id"), "duplicate service id '\(id)' (first on line \(first.location.line))")
            }
            let page = s.text("page", required: true, example: "/report/\(id)/") ?? "/"
            if !URLPath.isCanonical(page) {
                sink.error(s.valueLocation("page"), "service page '\(page)' should be a site path that starts and ends with '/'",
                    hint: "Write it like '/report/\(id)/'.")
            }
            let external = s.text("external")
            if let external { URLRules.checkHTTPS(external, key: "external", at: s.valueLocation("external"), sink: sink) }
            services.append(Service(
                id: id,
                title: s.localized("title", languages: languages, required: true) ?? LocalizedText(id),
                summary: s.localized("summary", languages: languages) ?? LocalizedText(""),
                page: page, form: s.text("form"), external: external, location: item.location))
        }

        var menus: [String: [MenuItem]] = [:]
        if let node = map.value("menus") {
            if case .mapping(let pairs) = node.value {
                for pair in pairs {
                    guard case .sequence(let items) = pair.value.value else {
                        sink.error(pair.value.location, "menu '\(pair.key)' should be a list of items with 'title' and 'url'")
                        continue
                    }
                    menus[pair.key] = items.compactMap { item in
                        guard let m = StrictMapping(item, what: "menu item", allowed: ["title", "url"], sink: sink) else { return nil }
                        guard let title = m.localized("title", languages: languages, required: true),
                              let url = m.text("url", required: true, example: "/advice/") else { return nil }
                        if !URLPath.isCanonical(url), !url.hasPrefix("https://") {
                            sink.error(m.valueLocation("url"), "menu link '\(url)' should be a site path like '/advice/' or an https:// address")
                        }
                        return MenuItem(title: title, url: url, location: item.location)
                    }
                }
            } else {
                sink.error(node.location, "'menus' should be a set of named menus, found \(node.kindName)")
            }
        }

        var locked: [String] = []
        for (path, at) in map.texts("locked") ?? [] {
            if !URLPath.isCanonical(path) {
                sink.error(at, "locked path '\(path)' should start and end with '/'", hint: "Write it like '/report/'.")
            }
            locked.append(path)
        }

        var allowRawHTML = false
        if let md = map.mapping("markdown", allowed: ["allowRawHTML"]) { allowRawHTML = md.bool("allowRawHTML") ?? false }
        var jobs: Int?
        if let build = map.mapping("build", allowed: ["jobs"]) { jobs = build.int("jobs", range: 1...256) }

        var config = SiteConfig(
            name: name, languages: languages, defaultLanguage: defaultLanguage, theme: theme,
            environments: environments, services: services, menus: menus, locked: locked,
            allowRawHTML: allowRawHTML, jobs: jobs)
        config.national = map.value("national")
        if let node = map.value("budgets") {
            if case .mapping(let pairs) = node.value {
                for pair in pairs {
                    if let bytes = StrictValue.int(pair.value, key: pair.key, range: 1_000...50_000_000, sink: sink) { config.budgets[pair.key] = bytes }
                }
            } else {
                sink.error(node.location, "'budgets' should be layout names with a number of bytes, like 'form: 180000'")
            }
        }
        return config
    }
}

/// Rules for ids of forces, services and forms.
public enum Identifier {
    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
            && !id.hasPrefix("-") && !id.hasSuffix("-")
    }

    /// GitHub-style anchor: lower case, letters and digits kept, spaces and hyphens to '-'.
    public static func slug(_ text: String) -> String {
        var result = ""
        var pendingHyphen = false
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber {
                if pendingHyphen, !result.isEmpty { result.append("-") }
                pendingHyphen = false
                result.append(ch)
            } else if ch == " " || ch == "-" || ch == "_" {
                pendingHyphen = true
            }
        }
        return result
    }
}

/// Site paths as the build uses them: `/`, `/advice/`, `/cy/advice/burglary/`.
public enum URLPath {
    /// The site path a browser would ask for: `.` and empty segments dropped, `..` applied,
    /// a last `index.html` taken off, and a `/` at each end (`/a/./b//index.html` → `/a/b/`).
    /// Nil for what is not a plain site path: no leading `/`, a `..` above the root, or `?`,
    /// `#`, `%`, `\`, white space or control characters (which could hide any of these).
    /// Compare normalised paths case-insensitively: some hosts and file systems do.
    public static func normalised(_ path: String) -> String? {
        guard path.hasPrefix("/"), !path.unicodeScalars.contains(where: { "?#%\\".unicodeScalars.contains($0) || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": guard segments.popLast() != nil else { return nil }
            default: segments.append(segment)
            }
        }
        if let last = segments.last, ["index.html", "index.htm"].contains(last.lowercased()) { segments.removeLast() }
        return segments.isEmpty ? "/" : "/" + segments.joined(separator: "/") + "/"
    }

    /// Whether `path` is a site path written as `normalised` would write it.
    public static func isCanonical(_ path: String) -> Bool { normalised(path) == path }
}

enum URLRules {
    /// An https:// address; or http:// to this machine (`localhost`, `<name>.localhost`,
    /// `127.0.0.1`), which browsers count as secure, for a local environment.
    static func checkHTTPS(_ url: String, key: String, at: SourceLocation, sink: DiagnosticSink) {
        let local = { (host: String) in host == "localhost" || host.hasSuffix(".localhost") || host == "127.0.0.1" }
        guard let parsed = URL(string: url), let host = parsed.host, parsed.scheme == "https" || (parsed.scheme == "http" && local(host)),
              !url.contains(" ") else {
            sink.error(at, "'\(key)' should be an https:// address, found '\(url)'",
                hint: "Write the full address, like 'https://www.example.police.uk'.")
            return
        }
    }
}

extension String {
    var trimmingTrailingSlash: String {
        var s = self
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
