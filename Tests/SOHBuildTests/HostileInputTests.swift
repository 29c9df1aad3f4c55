import Foundation
import SOHBuild
import SOHModel
import Testing

/// Inputs an attacker or a careless editor could commit: each is refused with its file, line
/// and column, and the previous output is left as it was.
@Suite("Hostile inputs")
struct HostileInputTests {
    /// A file outside the fixture's repository, as a secret elsewhere on a CI machine would be.
    static func secret(_ name: String, _ text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("soh-outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    func link(_ site: Fixture, _ path: String, to target: String) throws {
        let url = site.root.appendingPathComponent(path)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    /// The build's errors, after checking that the output of the last good build is untouched.
    func refused(_ site: Fixture, _ change: (Fixture) throws -> Void) async throws -> [String] {
        try await site.build()
        let before = Fixture.tree(site.out)
        try change(site)
        let diagnostics = await site.failures()
        #expect(Fixture.tree(site.out) == before, "a failed build must leave the previous output untouched")
        return diagnostics.map(\.description)
    }

    @Test func aPageLinkedFromOutsideIsRefused() async throws {
        let secret = try Self.secret("leak.md", "---\ntitle: Leak\n---\n\nAWS_SECRET=hunter2\n")
        let site = try Fixture()
        let real = try #require(RepositoryFile.realPath(secret.path))
        let errors = try await refused(site) { try link($0, "content/advice/leak.md", to: secret.path) }
        #expect(errors == ["content/advice/leak.md:1:1: error: 'content/advice/leak.md' points outside the repository (to \(real))\n  hint: Copy the file into the repository, or link to a file inside it: nothing outside the repository is published."])
    }

    @Test func linksOutsideAreRefusedEverywhere() async throws {
        let outside = try Self.secret("x.svg", Fixture.logo)
        let folder = outside.deletingLastPathComponent()
        let site = try Fixture()
        // Found while loading: a force file, a whole folder.
        var errors = try await refused(site) { site in
            try link(site, "forces/beta.yml", to: outside.path)
            try link(site, "content/secrets", to: folder.path)
        }
        #expect(errors.map { String($0.prefix { $0 != ":" }) } == ["content/secrets", "forces/beta.yml"], "\(errors)")
        #expect(errors.allSatisfy { $0.contains("points outside the repository") }, "\(errors)")
        // Found while preparing: a logo, a template, an asset.
        let other = try Fixture()
        errors = try await refused(other) { site in
            try link(site, "forces/alpha/logo.svg", to: outside.path)
            try link(site, "themes/national/partials/footer.mustache", to: outside.path)
            try link(site, "themes/national/assets/extra.css", to: outside.path)
        }
        #expect(errors.map { String($0.prefix { $0 != ":" }) } == ["forces/alpha/logo.svg", "themes/national/assets/extra.css",
                                                                   "themes/national/partials/footer.mustache"], "\(errors)")
        #expect(errors.allSatisfy { $0.contains("points outside the repository") })
    }

    @Test func linksInsideTheRepositoryStillWorkAndLoopsAreNotFollowed() async throws {
        let site = try Fixture()
        try link(site, "content/advice/contact-us.md", to: "../contact.md")
        try link(site, "content/advice/again", to: "..")          // a loop back to content/
        let report = try await site.build()
        #expect(report.summary.forces == 3)
        let copy = site.read("public/alpha/advice/contact-us/index.html") ?? ""
        #expect(copy.contains("Textphone: 18001 101"))
        #expect(!FileManager.default.fileExists(atPath: site.out.appendingPathComponent("alpha/advice/again/advice").path))
    }

    @Test func aBrokenLinkIsNamed() async throws {
        let site = try Fixture()
        let errors = try await refused(site) { try link($0, "content/gone.md", to: "nowhere.md") }
        #expect(errors == ["content/gone.md:1:1: error: cannot read the file: No such file or directory\n  hint: It is a link to a file that does not exist: copy the file in, or mend the link."])
    }

    @Test(arguments: [
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "1:41: error: SVG has a <script> element"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect/></svg>", "1:41: error: SVG has an event handler 'onload'"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\">\n<foreignObject><p>x</p></foreignObject></svg>", "2:1: error: SVG has a <foreignObject> element"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:x=\"http://www.w3.org/1999/xlink\"><use x:href=\"https://evil.example/a.svg#b\"/></svg>",
         "1:85: error: SVG refers to 'https://evil.example/a.svg#b' in 'x:href' (only '#…' inside the file is allowed)"),
        ("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<svg xmlns=\"http://www.w3.org/2000/svg\">&x;</svg>",
         "2:1: error: SVG has a document type or entity declaration"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><a href=\"#x\"><rect/></a></svg>", "1:41: error: SVG has a <a> element"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect style=\"fill:url(https://t.example/p)\"/></svg>",
         "1:47: error: SVG refers to another file with url(…) in 'style'"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><style>@import url(https://t.example/s.css);</style></svg>",
         "1:48: error: SVG imports a style sheet"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect fill=\"&#106;avascript:x\" onclick=\"x\"/></svg>",
         "1:47: error: SVG has a script address in 'fill'"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:h=\"http://www.w3.org/1999/xhtml\"><h:script>x</h:script></svg>",
         "1:41: error: SVG declares the namespace 'http://www.w3.org/1999/xhtml'"),
    ])
    func aLogoThatCouldRunCodeIsRefused(_ svg: String, _ expected: String) async throws {
        let site = try Fixture()
        let errors = try await refused(site) { try $0.write("forces/alpha/logo.svg", svg) }
        #expect(errors.first?.hasPrefix("forces/alpha/logo.svg:" + expected) == true, "\(errors)")
        #expect(errors.first?.contains("it could run code or fetch from elsewhere on the force's site") == true)
    }

    @Test func plainLogosFromDrawingProgramsPass() async throws {
        let site = try Fixture()
        // As Inkscape saves them: editor namespaces, metadata, gradients with local references, a style element.
        try site.write("forces/alpha/logo.svg", """
            <?xml version="1.0" encoding="UTF-8" standalone="no"?>
            <!-- Created with Inkscape -->
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
               xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
               viewBox="0 0 10 10" inkscape:version="1.2" role="img" aria-label="Alpha &amp; Co">
              <sodipodi:namedview id="base" inkscape:zoom="1"/>
              <style>.a { fill: url(#g); }</style>
              <defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient></defs>
              <title>Alpha &amp; Co</title>
              <rect class="a" width="10" height="10" style="fill: url('#g')"/>
              <use xlink:href="#g"/>
            </svg>
            """)
        try await site.build()
        #expect(try FileManager.default.contentsOfDirectory(atPath: site.out.appendingPathComponent("alpha/assets").path).contains { $0.hasPrefix("logo.") })
    }

    @Test func svgsAreServedWithTheirOwnPolicy() async throws {
        let site = try Fixture()
        try await site.build()
        let headers = site.read("public/alpha/_headers") ?? ""
        #expect(headers.contains("/*.svg\n  Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox\n"))
    }

    @Test func contentFilesThatCouldRunAreRefused() async throws {
        let site = try Fixture()
        var errors = try await refused(site) { site in
            try site.write("content/advice/page.html", "<script>alert(1)</script>")
            try site.write("content/advice/leaflet.pdf", "%PDF-1.4")
        }
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("content/advice/page.html:1:1: error: 'page.html' is not a kind of file the sites publish as it is") == true)
        let other = try Fixture()
        errors = try await refused(other) { site in
            try site.write("content/advice/map.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x</script></svg>")
            try site.write("content/advice/leaflet.pdf", "%PDF-1.4")
        }
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("content/advice/map.svg:1:41: error: SVG has a <script> element") == true)
    }

    @Test(arguments: [
        ("content/contact.md", "---\ntitle: Contact\n---\n\nCall \u{E000}0&\u{E001} now.\n", "content/contact.md:5:6"),
        ("content/contact.md", "---\ntitle: \"A \u{E001}\"\n---\n\nText.\n", "content/contact.md:2:11"),
        ("forces/beta.yml", "id: beta\nname: \"Beta \u{E000}+&\u{E001}\"\n", "forces/beta.yml:2:13"),
        ("themes/national/i18n/en.yml", "skipLink: \"Skip \u{E000}\"\n", "themes/national/i18n/en.yml:1:17"),
        ("content/forms/crime.yml", "id: crime\ntitle: \"\u{E000}\"\n", "content/forms/crime.yml:2:9"),
    ])
    func theBuildsMarkerCharactersAreRefusedInEveryInput(_ file: String, _ text: String, _ at: String) async throws {
        let site = try Fixture()
        let errors = try await refused(site) { try $0.write(file, text) }
        #expect(errors == ["\(at): error: the text holds U+E000 or U+E001, private-use characters the build keeps for its own markers\n  hint: Delete the character (it shows as a box or nothing in most editors); it often comes from copying out of a PDF or a symbol font."])
    }

    @Test(arguments: [
        ("/./", "alias '/' is the address of a page"),
        ("//", "alias '/' is the address of a page"),
        ("/contact/../", "alias '/' is the address of a page"),
        ("/index.html", "alias '/' is the address of a page"),
        ("/Contact/", "alias '/Contact/' is the address of a page"),
        ("/events/./index.html", "alias '/events/' is the address of a page"),
        ("/report/crime/form/", "alias '/report/crime/form/' is the address of a page"),
        ("/report/old/", "alias '/report/old/' is a path site.yml locks"),
        ("/CRIME/", "alias '/crime/' is also an alias of content/advice.md"),
        ("/../", "alias '/../' is not a site path"),
        ("/a%2e%2e/", "alias '/a%2e%2e/' is not a site path"),
    ])
    func anAliasNeverReplacesAnotherPage(_ alias: String, _ message: String) async throws {
        let site = try Fixture()
        let errors = try await refused(site) { try $0.write("content/advice.md", "---\ntitle: Advice\naliases: [\"\(alias)\"]\n---\n\nText.\n") }
        // The second of two pages with one alias is the one named (crime.md's own alias is '/crime/').
        #expect(errors.count >= 1 && errors.allSatisfy { $0.hasPrefix("content/advice.md:3:") || $0.hasPrefix("content/report/crime.md:4:") }, "\(errors)")
        #expect(errors.contains { $0.contains("error: \(message)") }, "\(errors)")
    }
}

@Suite("Writing through links")
struct WriterLinkTests {
    @Test func aLinkInTheOutputFolderIsNotWrittenThrough() async throws {
        let site = try Fixture()
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("soh-target-\(UUID().uuidString)")
        // A dangling link where the build will write a new page: the build must not create the target.
        let page = site.out.appendingPathComponent("alpha/contact/index.html")
        try FileManager.default.createDirectory(at: page.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: page.path, withDestinationPath: target.path)
        try await site.build()
        #expect(!FileManager.default.fileExists(atPath: target.path))
        // A link to an existing file is replaced, the file it pointed to left alone.
        try Data("keep".utf8).write(to: target)
        try? FileManager.default.removeItem(at: page)
        try FileManager.default.createSymbolicLink(atPath: page.path, withDestinationPath: target.path)
        try await site.build()
        #expect(try String(contentsOf: target, encoding: .utf8) == "keep")
        #expect(site.read("public/alpha/contact/index.html")?.contains("Contact Alpha Police") == true)
    }
}
