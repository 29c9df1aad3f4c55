import Foundation
import SOHBuild
import SOHModel
import Testing

/// A small site written into a fresh temporary folder by the test that uses it.
struct Fixture {
    let root: URL

    init(_ files: [String: String] = Fixture.baseFiles) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("soh-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for (path, text) in files { try write(path, text) }
        // The real national theme, so the tests exercise what ships.
        let theme = Fixture.repositoryRoot.appendingPathComponent("themes/national")
        try FileManager.default.copyItem(at: theme, to: root.appendingPathComponent("themes/national"))
    }

    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Replaces `old` with `new` in the file at `path`; `old` must be there.
    func edit(_ path: String, _ old: String, _ new: String) throws {
        let text = try #require(read(path), "\(path) is not in the fixture")
        #expect(text.contains(old), "\(path) has no '\(old)'")
        try write(path, text.replacingOccurrences(of: old, with: new))
    }

    func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func remove(_ path: String) throws { try FileManager.default.removeItem(at: root.appendingPathComponent(path)) }

    func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: root.appendingPathComponent(path).path).map { String(decoding: $0, as: UTF8.self) }
    }

    var out: URL { root.appendingPathComponent("public") }

    @discardableResult
    func build(out: URL? = nil, forces: [String] = [], jobs: Int? = nil, env: String = "production", now: Date? = nil) async throws -> Builder.Report {
        var options = Builder.Options(root: root, out: out ?? self.out, forces: forces, jobs: jobs, environment: env)
        options.now = now
        return try await Builder.build(options)
    }

    /// The errors of a build that must fail (warnings left out).
    func failures(forces: [String] = []) async -> [Diagnostic] {
        do {
            _ = try await Builder.build(.init(root: root, forces: forces))
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }
        }
    }

    /// Every file below a folder with its bytes, for comparing whole trees.
    static func tree(_ dir: URL) -> [String: Data] {
        var result: [String: Data] = [:]
        for file in SiteLoader.walk(dir, within: dir) {
            result[file] = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path)
        }
        return result
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let logo = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Logo</title><rect width="10" height="10"/></svg>

        """

    /// Three forces (one Welsh), two services, national and local pages.
    static let baseFiles: [String: String] = [
        "site.yml": """
            name: Test Home
            languages: [en, cy]
            environments:
              production:
                baseURL: "https://{force}.test.example"
                api: https://api.test.example
              staging:
                baseURL: "https://{force}.staging.test.example"
                api: https://api.staging.test.example
            locked: [/report/]
            services:
              - id: crime
                title: {en: Report a crime, cy: Rhoi gwybod am drosedd}
                summary: Tell us about a crime.
                page: /report/crime/
                form: crime
              - id: events
                title: Tell us about an event
                page: /events/
            menus:
              main:
                - title: {en: Report, cy: Rhoi gwybod}
                  url: /report/
                - title: Events
                  url: /events/
              footer:
                - title: Contact
                  url: /contact/

            """,
        "content/index.md": """
            ---
            title: "{{force.name}}"
            description: Welcome.
            ---

            Call {{force.contacts.nonEmergency}} when it is not an emergency.

            """,
        "content/index.cy.md": """
            ---
            title: "{{force.name}}"
            ---

            Ffoniwch {{force.contacts.nonEmergency}}.

            """,
        "content/report/index.md": """
            ---
            title: Report
            ---

            Choose a service.

            """,
        "content/report/crime.md": """
            ---
            title: Report a crime
            service: crime
            aliases: [/crime/]
            ---

            ## What you need

            | Item | Why |
            |---|---|
            | Dates | To find records |

            Contact [us](/contact/) or ~~write~~ call.

            """,
        "content/forms/crime.yml": """
            id: crime
            title: {en: Report a crime, cy: Rhoi gwybod am drosedd}
            version: 3
            confirmation:
              title: Report sent
              body: Keep your reference.
            pages:
              - id: danger
                title: Danger
                questions:
                  - {id: in-danger, type: yes-no, label: Is anyone in danger?, name: whether anyone is in danger}
              - id: call-999
                kind: exit
                title: Call 999
                when: {question: in-danger, equals: "yes"}
                body: Call **999** now.
              - id: details
                title: Details
                questions:
                  - {id: what, type: textarea, label: What happened?, hint: Tell us everything., maxLength: 100}
                  - {id: when, type: date, label: When?, past: true}
              - id: people
                title: People
                repeat: {min: 0, max: 2, itemName: person}
                questions:
                  - {id: person-name, type: text, label: Name}

            """,
        "content/events.md": """
            ---
            title: Events
            service: events
            ---

            Tell {{force.shortName}} about events.

            """,
        "content/contact.md": """
            ---
            title: Contact {{force.name}}
            description: How to reach {{force.shortName}}.
            ---

            ## Call {{force.name}}

            Textphone: {{force.contacts.textphone}}.

            """,
        "forces/alpha.yml": """
            id: alpha
            name: Alpha Police
            shortName: Alpha
            baseURL: https://www.alpha.example
            logo: logo.svg
            colours:
              primary: "#1d3f6e"
              secondary: "#ffdd00"
              link: "#1d4f91"
              focus: "#ffdd00"
            contacts:
              textphone: "18001 101"

            """,
        "forces/alpha/logo.svg": logo,
        "forces/beta.yml": """
            id: beta
            name: Beta Constabulary
            baseURL: https://www.beta.example
            colours:
              primary: "#f0f0f0"
              secondary: "#005ea5"
              link: "#9999ff"
              focus: "#ffdd00"
            contacts:
              textphone: "18001 101"
            services:
              events: {disabled: "Tell the council instead."}

            """,
        "forces/beta/content/contact.md": """
            ---
            title: Contact Beta locally
            ---

            Our own contact page.

            """,
        "forces/beta/content/about.md": """
            ---
            title: About Beta
            ---

            Local page.

            """,
        "forces/cymru.yml": """
            id: cymru
            name: Heddlu Cymru
            baseURL: https://www.cymru.example
            languages: [en, cy]
            colours:
              primary: "#00703c"
              secondary: "#ffdd00"
              link: "#005a30"
              focus: "#ffdd00"
            contacts:
              textphone: "18001 101"
            services:
              crime: {note: "Welsh or English, whichever you prefer."}

            """,
    ]
}
