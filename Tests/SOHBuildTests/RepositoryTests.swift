import Foundation
import SOHBuild
import SOHMarkdown
import SOHModel
import Testing

/// The repository's own sites: 43 forces, every service, every internal link.
@Suite("The default repository", .serialized)
struct RepositoryTests {
    static let root = Fixture.repositoryRoot

    /// One build of the real repository into a temporary folder, shared by the tests below.
    static let built: Task<(URL, Builder.Report), any Error> = Task {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("soh-repo-\(UUID().uuidString)")
        let report = try await Builder.build(.init(root: root, out: out))
        return (out, report)
    }

    @Test func everyForceBuilds() async throws {
        let (out, report) = try await Self.built.value
        let list = try String(contentsOf: Self.root.appendingPathComponent("data/forces.csv"), encoding: .utf8)
        let ids = ForceScaffold.readForcesList(list).map(\.id)
        #expect(ids.count == 43)
        // The 43 forces and the national site (docs/routing.md).
        #expect(report.summary.forces == 44)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("national/find-your-force/index.html").path))
        for id in ids {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(id)/index.html").path), "\(id)")
        }
        #expect(report.warnings.isEmpty, "\(report.warnings.map(\.description))")
    }

    /// Pages rendered once per class of forces and filled in are the pages rendered per force.
    @Test func sharedRendersEqualDirectRenders() async throws {
        let (out, _) = try await Self.built.value
        let direct = FileManager.default.temporaryDirectory.appendingPathComponent("soh-repo-direct-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: direct) }
        var options = Builder.Options(root: Self.root, out: direct)
        options.shareRenders = false
        _ = try await Builder.build(options)
        let shared = Fixture.tree(out)
        let each = Fixture.tree(direct)
        #expect(shared.count == each.count)
        let differing = Set(shared.keys).union(each.keys).filter { shared[$0] != each[$0] }.sorted()
        #expect(differing.isEmpty, "\(differing.prefix(5))")
    }

    @Test func welshForcesPublishWelshAndOthersDoNot() async throws {
        let (out, _) = try await Self.built.value
        for id in ["dyfed-powys", "gwent", "north-wales", "south-wales"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(id)/cy/index.html").path), "\(id)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("kent/cy/index.html").path))
    }

    @Test func everyServiceHasALandingPageOnEveryForce() async throws {
        let (out, _) = try await Self.built.value
        let text = try String(contentsOf: Self.root.appendingPathComponent("site.yml"), encoding: .utf8)
        let config = try #require(SiteConfig.load(text, sink: DiagnosticSink()))
        #expect(config.services.count >= 12)
        for force in SiteLoader.listDirectory(out) where force != "_manifests" {
            for service in config.services {
                let page = out.appendingPathComponent(force + service.page + "index.html")
                #expect(FileManager.default.fileExists(atPath: page.path), "\(force)\(service.page)")
            }
        }
    }

    /// Every id the shipped theme writes itself is one no heading may take.
    @Test func theThemesOwnIDsAreReserved() throws {
        let theme = Self.root.appendingPathComponent("themes/national")
        var ids = Set<String>()
        for file in SiteLoader.walk(theme, within: Self.root) where file.hasSuffix(".mustache") || file.hasSuffix(".js") {
            let text = try String(contentsOf: theme.appendingPathComponent(file), encoding: .utf8)
            for pattern in [#"id="([a-z0-9-]+)""#, #"\.id = "([a-z0-9-]+)""#] {
                let regex = try NSRegularExpression(pattern: pattern)
                for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    ids.insert((text as NSString).substring(with: match.range(at: 1)))
                }
            }
        }
        #expect(ids.contains("main"))
        #expect(ids.subtracting(Markdown.reservedIDs).isEmpty, "add these to Markdown.reservedIDs: \(ids.subtracting(Markdown.reservedIDs).sorted())")
    }

    @Test func adviceHasAtLeast25Pages() throws {
        let advice = SiteLoader.walk(Self.root.appendingPathComponent("content/advice"), within: Self.root)
            .filter { $0.hasSuffix(".md") && !$0.hasSuffix("index.md") && !$0.contains(".cy.") }
        #expect(advice.count >= 25)
    }

    @Test func everyInternalLinkResolves() async throws {
        let (out, _) = try await Self.built.value
        var broken: [String] = []
        for force in SiteLoader.listDirectory(out) where force != "_manifests" {
            broken += LinkChecker.brokenLinks(in: out.appendingPathComponent(force)).map { "\(force): \($0)" }
        }
        #expect(broken.isEmpty, "\(broken.prefix(20))")
    }

    @Test func theLinkCheckerFindsABrokenLink() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("soh-links-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("a"), withIntermediateDirectories: true)
        try Data("<a href=\"/a/\">ok</a><a href=\"/missing/\">x</a><a href=\"/a/#top\">y</a><a href=\"#here\">z</a><p id=\"here\"></p>".utf8)
            .write(to: dir.appendingPathComponent("index.html"))
        try Data("<h1 id=\"title\">A</h1>".utf8).write(to: dir.appendingPathComponent("a/index.html"))
        #expect(LinkChecker.brokenLinks(in: dir) == ["index.html → /missing/", "index.html → /a/#top"])
    }
}

/// Finds root-relative links and `#anchors` in a built site that point nowhere.
enum LinkChecker {
    static func brokenLinks(in site: URL) -> [String] {
        var broken: [String] = []
        var idsCache: [String: Set<String>] = [:]
        func ids(_ file: String) -> Set<String>? {
            if let cached = idsCache[file] { return cached }
            guard let data = FileManager.default.contents(atPath: site.appendingPathComponent(file).path) else { return nil }
            let found = Set(matches(of: #"\bid="([^"]*)""#, in: String(decoding: data, as: UTF8.self)))
            idsCache[file] = found
            return found
        }
        for file in SiteLoader.walk(site, within: site) where file.hasSuffix(".html") {
            guard let data = FileManager.default.contents(atPath: site.appendingPathComponent(file).path) else { continue }
            let html = String(decoding: data, as: UTF8.self)
            for link in matches(of: #"\b(?:href|src)="([^"]*)""#, in: html) {
                let decoded = link.replacingOccurrences(of: "&amp;", with: "&")
                var target: String
                var fragment: String?
                if decoded.hasPrefix("#") {
                    target = file
                    fragment = String(decoded.dropFirst())
                } else if decoded.hasPrefix("/") {
                    let parts = decoded.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                    var path = String(parts[0].split(separator: "?").first ?? "")
                    if path.hasSuffix("/") { path += "index.html" }
                    target = String(path.dropFirst())
                    fragment = parts.count > 1 ? String(parts[1]) : nil
                } else {
                    continue
                }
                guard let targetIDs = ids(target) ?? (FileManager.default.fileExists(atPath: site.appendingPathComponent(target).path) ? [] : nil) else {
                    broken.append("\(file) → \(decoded)")
                    continue
                }
                if let fragment, !fragment.isEmpty, !targetIDs.contains(fragment) {
                    broken.append("\(file) → \(decoded)")
                }
            }
        }
        return broken
    }

    static func matches(of pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
