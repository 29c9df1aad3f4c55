import Foundation
import SOHDelivery
import SOHForms
import SOHModel

/// What the submission API knows about the sites: forces and their origins, the forms of each
/// service and where each form's confirmation page is. Loaded from the same repository as the
/// build, so the API validates with exactly the definitions the sites were built from.
public struct APICatalog: Sendable {
    public struct Force: Sendable {
        public var id: String
        public var code: String
        /// `https://www.example.police.uk` (no trailing slash), for redirects and CORS.
        public var baseURL: String
        public var origin: String
        public var languages: [String]
        /// Services the force switched off or sends elsewhere: their forms are refused.
        public var unavailableForms: Set<String>
        /// The force's name in each language it has one in.
        public var names: [String: String] = [:]
        /// Its numbers, for confirmation messages (docs/messages.md).
        public var contacts = ForceIdentity.Contacts(emergency: "999", nonEmergency: "101")
    }

    /// The theme's interface strings, language → key → text: confirmation messages are worded
    /// with them (docs/messages.md).
    public var strings: [String: [String: String]] = [:]

    public var forces: [String: Force]
    public var forms: [String: FormDefinition]
    /// form id → confirmation path per language (`/report/crime/form/confirmation/`).
    public var confirmationPaths: [String: [String: String]]
    /// Extra origins allowed to post (local previews).
    public var previewOrigins: Set<String>
    /// Which force's area each area answer is in: the API decides routing from it.
    public var areas: PoliceAreas?
    /// Which force's area each postcode is in (`soh areas import`), when the server has the index.
    public var postcodes: PostcodeIndex?
    /// The national site (the `national` address of the environment's pattern), for "find your force".
    public var nationalURL: String?
    /// service id → its landing page per language (`/report/crime/`), for sending people to a force's service.
    public var servicePages: [String: [String: String]] = [:]
    /// service id → its form, when it has one.
    public var serviceForms: [String: String] = [:]

    public init(forces: [String: Force], forms: [String: FormDefinition], confirmationPaths: [String: [String: String]], previewOrigins: Set<String> = [],
                areas: PoliceAreas? = nil) {
        self.areas = areas
        self.forces = forces
        self.forms = forms
        self.confirmationPaths = confirmationPaths
        self.previewOrigins = previewOrigins
    }

    /// Loads the repository at `root` for `environment`; throws every problem found.
    /// The postcode index at `url`, refused when it names a force that has no site here: a
    /// postcode must lead somewhere, and the two lookups (`/v1/postcodes`, `/v1/find-force`)
    /// must agree.
    public static func postcodes(at url: URL, forces: [String: Force]) throws -> PostcodeIndex {
        let index = try PostcodeIndex(contentsOf: url)
        let unknown = index.forces.filter { forces[$0] == nil }
        guard unknown.isEmpty else { throw UnknownForces(forces: unknown) }
        return index
    }

    /// A postcode index naming forces this site does not have.
    public struct UnknownForces: Error, CustomStringConvertible {
        public var forces: [String]
        public var description: String {
            "the postcode index names \(forces.count == 1 ? "a force" : "forces") with no force file here: "
                + forces.map { "'\(Escape.line($0, limit: 60))'" }.joined(separator: ", ")
        }
    }

    public static func load(root: URL, environment: String = "production") throws(DiagnosticsError) -> APICatalog {
        let site = try SiteLoader.load(root: root)
        let config = site.config
        guard let env = config.environments[environment] else {
            throw DiagnosticsError([.general(.error, "unknown environment '\(environment)' given to --env",
                hint: Suggestion.hint(for: environment, allowed: config.environments.keys.sorted(), noun: "environments"))])
        }
        let sink = DiagnosticSink()
        // Each service's landing page in each language (a translation may have its own slug).
        var servicePages: [String: [String: String]] = [:]
        for service in config.services {
            servicePages[service.id] = Dictionary(uniqueKeysWithValues: config.languages.map { language in
                (language, site.pages.first { $0.key == service.page && $0.language == language }?.urlPath
                    ?? (language == config.defaultLanguage ? "" : "/\(language)") + service.page)
            })
        }
        var forms: [String: FormDefinition] = [:]
        var confirmations: [String: [String: String]] = [:]
        for service in config.services {
            guard let id = service.form, forms[id] == nil else { continue }
            let file = "content/forms/\(id).yml"
            guard let text = SourceText.read(file, in: root, sink: sink),
                  let form = FormLoader.load(text, file: file, expectedID: id, languages: config.languages, areas: site.areas, sink: sink) else { continue }
            forms[id] = form
            confirmations[id] = servicePages[service.id]?.mapValues { $0 + "form/confirmation/" }
        }
        // The national site takes no reports: it sends people to their force's forms.
        let codes = ForceCodes.assign(site.policeForces.map(\.id))
        var forces: [String: Force] = [:]
        for force in site.policeForces {
            guard let base = config.baseURL(for: force, in: env) else { continue }
            let unavailable = Set(config.services.compactMap { service -> String? in
                guard let form = service.form else { return nil }
                if case .enabled = force.setting(for: service.id) { return nil }
                return form
            })
            forces[force.id] = Force(id: force.id, code: codes[force.id] ?? "SOH", baseURL: base, origin: Self.origin(of: base),
                                     languages: force.languages, unavailableForms: unavailable,
                                     names: Dictionary(uniqueKeysWithValues: force.languages.map { ($0, force.name(in: $0)) }),
                                     contacts: force.contacts)
        }
        var postcodes: PostcodeIndex?
        let index = root.appendingPathComponent("data/postcodes.idx")
        if FileManager.default.fileExists(atPath: index.path) {
            do { postcodes = try Self.postcodes(at: index, forces: forces) } catch {
                sink.error(.whole("data/postcodes.idx"), "\(error)", hint: "Make it again with 'soh areas import FILE', or remove it.")
            }
        }
        let strings = InterfaceStrings.load(root: root, relative: "themes/\(config.theme)/i18n", languages: config.languages, sink: sink)
        if sink.hasErrors { throw DiagnosticsError(sink.sorted) }
        var catalog = APICatalog(forces: forces, forms: forms, confirmationPaths: confirmations, areas: site.areas)
        catalog.postcodes = postcodes
        catalog.strings = strings
        catalog.nationalURL = site.force(ForceIdentity.nationalID).flatMap { config.baseURL(for: $0, in: env) }
        catalog.servicePages = servicePages
        catalog.serviceForms = Dictionary(uniqueKeysWithValues: config.services.compactMap { s in s.form.map { (s.id, $0) } })
        return catalog
    }

    /// `https://host[:port]` of a URL.
    public static func origin(of url: String) -> String {
        guard let u = URL(string: url), let scheme = u.scheme, let host = u.host else { return url }
        return "\(scheme)://\(host)" + (u.port.map { ":\($0)" } ?? "")
    }

    /// How confirmation messages are worded for these forces and forms (docs/messages.md).
    public var confirmation: Confirmation {
        Confirmation(forces: forces.mapValues { force in
            Confirmation.Force(names: force.names, emergency: force.contacts.emergency, nonEmergency: force.contacts.nonEmergency,
                               textphone: force.contacts.textphone, site: force.baseURL + "/")
        }, strings: strings, forms: forms)
    }

    public func allowsOrigin(_ origin: String, for force: String) -> Bool {
        forces[force]?.origin == origin || previewOrigins.contains(origin)
    }
}

/// Short force codes that start each reference (`KEN-…`): three letters, unique, stable.
public enum ForceCodes {
    public static func assign(_ ids: [String]) -> [String: String] {
        var used = Set<String>()
        var codes: [String: String] = [:]
        for id in ids.sorted() {
            let words = id.split(separator: "-").filter { !["and", "of"].contains($0) }.map { Array($0.uppercased()) }
            var candidates: [String] = []
            if words.count >= 3 { candidates.append(String(words.prefix(3).map { $0[0] })) }
            if words.count == 2 { candidates.append(String([words[0][0], words[1][0], words[1].count > 1 ? words[1][1] : "X"])) }
            if let first = words.first, first.count >= 3 { candidates.append(String(first.prefix(3))) }
            let letters = words.flatMap { $0 }.filter(\.isLetter)
            for i in 1..<max(letters.count, 2) where letters.count > 2 {
                for j in (i + 1)..<letters.count { candidates.append(String([letters[0], letters[i], letters[j]])) }
            }
            let code = candidates.first { !used.contains($0) } ?? "F\(used.count)"
            used.insert(code)
            codes[id] = code
        }
        return codes
    }
}
