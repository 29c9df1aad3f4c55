import Foundation

/// One force's identity, from `forces/<id>.yml`.
public struct ForceIdentity: Sendable {
    public var id: String
    public var name: String
    public var shortName: String
    /// The name in other languages (`name: {en: South Wales Police, cy: Heddlu De Cymru}`).
    public var localizedNames: [String: String] = [:]
    public var localizedShortNames: [String: String] = [:]
    /// The force's own site, e.g. `https://www.example.police.uk` (no trailing slash).
    public var baseURL: String?
    public var languages: [String]
    /// File name of the logo inside `forces/<id>/`.
    public var logo: String?
    public var logoLocation: SourceLocation?
    public var colours: Colours
    public var contacts: Contacts
    public var social: [SocialLink]
    public var services: [String: ServiceSetting]
    public var analytics: Analytics?
    /// Whether national news (`content/news/`) is published on its site too (`nationalNews: false`
    /// leaves it out; docs/news.md).
    public var nationalNews = true
    public var file: String
    /// Where its logo, theme and own pages are: `forces/<id>`, or `national` for the national site.
    public var folder: String = ""

    /// The id of the national site's identity (`national:` in site.yml).
    public static let nationalID = "national"
    /// The national site (police.uk's role), built like a force site from `national:` in site.yml.
    /// A flag, not a test of the id: a shared render's stand-in has markers for its values.
    public var isNational = false

    public struct Colours: Sendable {
        public var primary: Colour
        public var secondary: Colour
        public var link: Colour
        public var focus: Colour
        /// Where each colour was written, for contrast diagnostics.
        public var locations: [String: SourceLocation]
    }

    public struct Contacts: Sendable {
        public var emergency: String
        public var nonEmergency: String
        public var textphone: String?
        public var email: String?
        public var address: String?
        public var openingHours: String?

        public init(emergency: String, nonEmergency: String, textphone: String? = nil, email: String? = nil, address: String? = nil,
                    openingHours: String? = nil) {
            (self.emergency, self.nonEmergency, self.textphone, self.email, self.address, self.openingHours)
                = (emergency, nonEmergency, textphone, email, address, openingHours)
        }
    }

    public struct SocialLink: Sendable {
        public var name: String
        public var url: String
    }

    public enum ServiceSetting: Sendable, Equatable {
        case enabled(note: String?)
        case disabled(reason: String?)
        case external(url: String)
    }

    public struct Analytics: Sendable {
        public var enabled: Bool
        public var provider: String
        public var siteID: String
    }

    public func setting(for service: String) -> ServiceSetting { services[service] ?? .enabled(note: nil) }

    public var speaksWelsh: Bool { languages.contains("cy") }

    /// The logo file's extension with its dot (`.svg`), checked when the force file was loaded.
    public var logoSuffix: String? {
        guard let logo, let dot = logo.lastIndex(of: ".") else { return nil }
        return String(logo[dot...])
    }

    /// The force's name in `language`, or its name in the default language.
    public func name(in language: String) -> String { localizedNames[language] ?? name }

    /// The short name in `language`; without one, the full name in that language if there is one.
    public func shortName(in language: String) -> String { localizedShortNames[language] ?? localizedNames[language] ?? shortName }

    static let keys = ["id", "name", "shortName", "baseURL", "languages", "logo", "colours", "contacts", "social", "services", "analytics", "nationalNews"]
    static let colourKeys = ["primary", "secondary", "link", "focus"]
    static let contactKeys = ["emergency", "nonEmergency", "textphone", "email", "address", "openingHours"]

    /// Loads and checks one force file. `forceDirectory` is `forces/<id>/` for the logo check.
    public static func load(
        _ text: String, file: String, expectedID: String, site: SiteConfig?, forceDirectory: URL, sink: DiagnosticSink
    ) -> ForceIdentity? {
        let parsed = YAMLParser.parse(text, file: file, sink: sink)
        guard let root = parsed, var force = load(root, what: "force file", file: file, expectedID: expectedID, site: site,
                                                  forceDirectory: forceDirectory, sink: sink) else { return nil }
        force.folder = "forces/\(force.id)"
        return force
    }

    /// The national site's identity: `national:` in site.yml, with the keys of a force file;
    /// its logo and own pages are in `national/`.
    public static func loadNational(_ node: YAMLNode, site: SiteConfig, root: URL, sink: DiagnosticSink) -> ForceIdentity? {
        guard var national = load(node, what: "'national'", file: "site.yml", expectedID: nationalID, site: site,
                                  forceDirectory: root.appendingPathComponent(nationalID), sink: sink) else { return nil }
        national.folder = nationalID
        national.isNational = true
        return national
    }

    static func load(
        _ root: YAMLNode, what: String, file: String, expectedID: String, site: SiteConfig?, forceDirectory: URL, sink: DiagnosticSink
    ) -> ForceIdentity? {
        guard let map = StrictMapping(root, what: what, allowed: keys, sink: sink) else { return nil }
        let folder = expectedID == nationalID ? nationalID : "forces/\(expectedID)"

        let id = map.text("id", required: true, example: expectedID) ?? expectedID
        if id != expectedID {
            sink.error(map.valueLocation("id"), "force id '\(id)' does not match the file name '\(expectedID).yml'",
                hint: "Set 'id: \(expectedID)' or rename the file to '\(id).yml'; the id is the data.police.uk force id.")
        }
        let languagesForNames = site?.languages ?? ["en", "cy"]
        let defaultLanguage = site?.defaultLanguage ?? "en"
        var localizedName: LocalizedText?
        if map.value("name") == nil {
            _ = map.text("name", required: true, example: "Example Police")
        } else {
            localizedName = map.localized("name", languages: languagesForNames)
        }
        let name = localizedName.map { $0.text(defaultLanguage) } ?? id
        let localizedShort = map.localized("shortName", languages: languagesForNames)
        let shortName = localizedShort.map { $0.text(defaultLanguage) } ?? name
        var baseURL = map.text("baseURL")
        if let url = baseURL {
            URLRules.checkHTTPS(url, key: "baseURL", at: map.valueLocation("baseURL"), sink: sink)
            baseURL = url.trimmingTrailingSlash
        }

        let siteLanguages = site?.languages ?? ["en", "cy"]
        var languages = ["en"]
        if let list = map.texts("languages") {
            languages = list.map(\.0)
            for (language, at) in list where !siteLanguages.contains(language) {
                sink.error(at, "language '\(language)' is not one of the site's languages",
                    hint: Suggestion.hint(for: language, allowed: siteLanguages, noun: "languages"))
            }
            if !languages.contains("en") { sink.error(map.valueLocation("languages"), "'languages' must include 'en'") }
        }

        let logo = map.text("logo")
        if let logo {
            if logo.contains("/") || logo.hasPrefix(".") {
                sink.error(map.valueLocation("logo"), "'logo' should be a file name inside \(folder)/, found '\(logo)'")
            } else if !FileManager.default.fileExists(atPath: forceDirectory.appendingPathComponent(logo).path) {
                sink.error(map.valueLocation("logo"), "logo file '\(folder)/\(logo)' does not exist",
                    hint: "Add the file, or correct the name in 'logo:'.")
            } else if !logo.hasSuffix(".svg"), !logo.hasSuffix(".png") {
                sink.error(map.valueLocation("logo"), "logo should be an .svg or .png file", hint: "SVG is best: it stays sharp at every size.")
            }
        }

        var colours = Colours(primary: Colour(red: 0x1d, green: 0x3f, blue: 0x6e), secondary: Colour(red: 0xff, green: 0xdd, blue: 0x00),
                              link: Colour(red: 0x1d, green: 0x4f, blue: 0x91), focus: Colour(red: 0xff, green: 0xdd, blue: 0x00), locations: [:])
        if let c = map.mapping("colours", allowed: colourKeys, required: true) {
            func colour(_ key: String) -> Colour? {
                guard let hex = c.text(key, required: true, example: "\"#1d3f6e\"") else { return nil }
                colours.locations[key] = c.valueLocation(key)
                guard let colour = Colour(hex: hex) else {
                    sink.error(c.valueLocation(key), "colour '\(hex)' is not written as #rrggbb",
                        hint: "Write six hex digits after '#', in quotes: \(key): \"#1d3f6e\".")
                    return nil
                }
                return colour
            }
            if let v = colour("primary") { colours.primary = v }
            if let v = colour("secondary") { colours.secondary = v }
            if let v = colour("link") { colours.link = v }
            if let v = colour("focus") { colours.focus = v }
        }

        var contacts = Contacts(emergency: "999", nonEmergency: "101")
        if let c = map.mapping("contacts", allowed: contactKeys) {
            contacts.emergency = c.text("emergency") ?? "999"
            contacts.nonEmergency = c.text("nonEmergency") ?? "101"
            contacts.textphone = c.text("textphone")
            contacts.email = c.text("email")
            if let email = contacts.email, !(email.contains("@") && !email.contains(" ")) {
                sink.error(c.valueLocation("email"), "'\(email)' is not an email address")
            }
            contacts.address = c.text("address")
            contacts.openingHours = c.text("openingHours")
        }

        var social: [SocialLink] = []
        for item in map.list("social") ?? [] {
            guard let s = StrictMapping(item, what: "social link", allowed: ["name", "url"], sink: sink),
                  let name = s.text("name", required: true, example: "Facebook"),
                  let url = s.text("url", required: true, example: "https://…") else { continue }
            URLRules.checkHTTPS(url, key: "url", at: s.valueLocation("url"), sink: sink)
            social.append(SocialLink(name: name, url: url))
        }

        var services: [String: ServiceSetting] = [:]
        if let node = map.value("services") {
            if case .mapping(let pairs) = node.value {
                let known = site?.services.map(\.id) ?? []
                for pair in pairs {
                    if site != nil, !known.contains(pair.key) {
                        sink.error(pair.keyLocation, "unknown service id '\(pair.key)'",
                            hint: Suggestion.hint(for: pair.key, allowed: known, noun: "service ids (from site.yml)"))
                        continue
                    }
                    if let setting = serviceSetting(pair.value, key: pair.key, sink: sink) { services[pair.key] = setting }
                }
            } else {
                sink.error(node.location, "'services' should be a set of service ids, found \(node.kindName)")
            }
        }

        var analytics: Analytics?
        if let a = map.mapping("analytics", allowed: ["enabled", "provider", "siteId"]) {
            let enabled = a.bool("enabled") ?? false
            analytics = Analytics(enabled: enabled, provider: a.text("provider", required: enabled) ?? "", siteID: a.text("siteId", required: enabled) ?? "")
        }

        var force = ForceIdentity(
            id: id, name: name, shortName: shortName, baseURL: baseURL, languages: languages, logo: logo,
            logoLocation: logo == nil ? nil : map.valueLocation("logo"), colours: colours, contacts: contacts,
            social: social, services: services, analytics: analytics, file: file)
        force.localizedNames = (localizedName?.values ?? [:]).filter { $0.key != defaultLanguage }
        force.localizedShortNames = (localizedShort?.values ?? [:]).filter { $0.key != defaultLanguage }
        force.nationalNews = map.bool("nationalNews") ?? true
        return force
    }

    static func serviceSetting(_ node: YAMLNode, key: String, sink: DiagnosticSink) -> ServiceSetting? {
        if case .scalar(let word, _) = node.value {
            switch word {
            case "enabled": return .enabled(note: nil)
            case "disabled": return .disabled(reason: nil)
            default:
                sink.error(node.location, "service '\(key)' should be 'enabled', 'disabled', or a set of keys",
                    hint: "Write '\(key): enabled', '\(key): disabled', '\(key): {disabled: reason}', '\(key): {external: https://…}' or '\(key): {note: local text}'.")
                return nil
            }
        }
        guard let m = StrictMapping(node, what: "service '\(key)'", allowed: ["disabled", "external", "note"], sink: sink) else { return nil }
        let set = ["disabled", "external", "note"].filter { m.has($0) }
        if set.count != 1 {
            sink.error(node.location, "service '\(key)' should have exactly one of 'disabled', 'external' or 'note'")
            return nil
        }
        if let reason = m.text("disabled") { return .disabled(reason: reason) }
        if let url = m.text("external") {
            URLRules.checkHTTPS(url, key: "external", at: m.valueLocation("external"), sink: sink)
            return .external(url: url)
        }
        return .enabled(note: m.text("note"))
    }
}
