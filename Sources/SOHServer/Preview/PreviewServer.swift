import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SOHModel

/// One force as the preview index lists it.
public struct PreviewForce: Sendable {
    public var id: String
    public var name: String
    public var primary: String
    public init(id: String, name: String, primary: String) {
        self.id = id
        self.name = name
        self.primary = primary
    }
}

/// The state of the preview: which build is being served and the last build error, with the
/// open browser tabs (Server-Sent Events) to tell when either changes.
public actor PreviewState {
    public private(set) var generation = 0
    public private(set) var error: String?
    var listeners: [UUID: AsyncStream<String>.Continuation] = [:]

    public init() {}

    /// A build succeeded: open tabs reload.
    public func built() {
        generation += 1
        error = nil
        broadcast("event: reload\ndata: \(generation)\n\n")
    }

    /// A build failed: tabs show the error over the last good site, which keeps being served.
    public func failed(_ message: String) {
        error = message
        let data = message.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)" }.joined(separator: "\n")
        broadcast("event: build-error\n\(data)\n\n")
    }

    func broadcast(_ event: String) {
        for continuation in listeners.values { continuation.yield(event) }
    }

    func listen() -> (UUID, AsyncStream<String>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(8))
        listeners[id] = continuation
        if let error { continuation.yield("event: build-error\n" + error.split(separator: "\n").map { "data: \($0)" }.joined(separator: "\n") + "\n\n") }
        return (id, stream)
    }

    /// Ends every open event stream, so the server can shut down.
    public func closeAll() {
        for continuation in listeners.values { continuation.finish() }
        listeners.removeAll()
    }

    func stop(_ id: UUID) {
        listeners[id]?.finish()
        listeners[id] = nil
    }
}

/// Serves every force's preview site as it will be published, each at the root of its own host
/// (`kent.localhost:8080`), an index of the forces at `localhost:8080`, and the live-reload
/// channel. Files come from the last successful preview build.
public struct PreviewServer: Sendable {
    let publicDir: URL
    let forces: [PreviewForce]
    let state: PreviewState
    let port: Int

    public init(publicDir: URL, forces: [PreviewForce], state: PreviewState, port: Int) {
        self.publicDir = publicDir
        self.forces = forces
        self.state = state
        self.port = port
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { request, _ in await self.handle(request) }
        router.get("/**") { request, _ in await self.handle(request) }
        return router
    }

    /// The force a request is for, from its host: `kent.localhost` → kent.
    func force(of request: Request) -> String? {
        guard let host = request.head.authority?.split(separator: ":").first else { return nil }
        let parts = host.split(separator: ".")
        guard parts.count >= 2, parts.last == "localhost" else { return nil }
        let id = String(parts[0])
        return forces.contains { $0.id == id } ? id : nil
    }

    func handle(_ request: Request) async -> Response {
        let path = request.uri.path
        if path == "/_soh/live.js" { return Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: Self.liveScript))) }
        if path == "/_soh/events" { return await events() }
        guard let force = force(of: request) else { return index() }
        return file(force: force, path: path)
    }

    func events() async -> Response {
        let (id, stream) = await state.listen()
        let state = self.state
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                        body: .init { writer in
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            do {
                for await event in stream { try await writer.write(ByteBuffer(string: event)) }
            } catch {}
            await state.stop(id)
            try await writer.finish(nil)
        })
    }

    static let types: [String: String] = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "json": "application/json", "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "xml": "application/xml",
        "txt": "text/plain; charset=utf-8", "pdf": "application/pdf", "ico": "image/x-icon", "woff2": "font/woff2",
    ]

    func file(force: String, path: String) -> Response {
        let decoded = path.removingPercentEncoding ?? path
        let segments = decoded.split(separator: "/")
        guard !segments.contains(where: { $0 == ".." || $0.hasPrefix(".") }) else { return Response(status: .notFound) }
        let root = publicDir.appendingPathComponent(force)
        var url = root.appendingPathComponent(segments.joined(separator: "/"))
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            if !decoded.hasSuffix("/") { return Response(status: .movedPermanently, headers: [.location: decoded + "/"]) }
            url.appendPathComponent("index.html")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            // The nearest 404.html up the path (`/cy/404.html` for Welsh addresses), as static hosts do.
            var notFound = Data("Not found".utf8)
            for depth in stride(from: segments.count - 1, through: 0, by: -1) {
                let candidate = root.appendingPathComponent((segments.prefix(depth).map(String.init) + ["404.html"]).joined(separator: "/"))
                if let data = FileManager.default.contents(atPath: candidate.path) { notFound = data; break }
            }
            return Response(status: .notFound, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: notFound)))
        }
        let type = Self.types[url.pathExtension.lowercased()] ?? "application/octet-stream"
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func index() -> Response {
        var items = ""
        for force in forces {
            let base = "http://\(force.id).localhost:\(port)"
            let svg = "<svg xmlns='http://www.w3.org/2000/svg' width='40' height='40'><rect width='40' height='40' fill='\(force.primary)'/></svg>"
                .replacingOccurrences(of: "#", with: "%23")
            items += "<li><img src=\"data:image/svg+xml,\(Escape.html(svg))\" alt=\"\" width=\"40\" height=\"40\"> "
            let assets = publicDir.appendingPathComponent("\(force.id)/assets")
            if let logo = ((try? FileManager.default.contentsOfDirectory(atPath: assets.path)) ?? []).sorted().first(where: { $0.hasPrefix("logo.") }) {
                items += "<img src=\"\(base)/assets/\(Escape.html(logo))\" alt=\"\" width=\"40\" height=\"40\"> "
            }
            items += "<a href=\"\(base)/\">\(Escape.html(force.name))</a> · <a href=\"\(base)/_soh/branding/\">branding for \(Escape.html(force.name))</a></li>\n"
        }
        let html = """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Preview: \(forces.count) force sites</title></head>
            <body><main>
            <h1>Preview: \(forces.count) force sites</h1>
            <p>Each site is served at its own address, as it will be published. Pages reload when you save a file.</p>
            <ul>
            \(items)</ul>
            </main>
            <script type="module" src="/_soh/live.js"></script>
            </body></html>

            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Reloads the page after each successful build; shows build errors over the page.
    static let liveScript = """
        // Injected in preview builds only (soh serve).
        const source = new EventSource("/_soh/events");
        // Says when the page listens, for whoever waits on it (the preview's tests).
        source.addEventListener("open", () => { document.documentElement.dataset.sohLive = "listening"; });
        let shown = null;
        source.addEventListener("reload", () => location.reload());
        source.addEventListener("build-error", (event) => {
          if (!shown) {
            shown = document.createElement("div");
            shown.setAttribute("role", "alert");
            shown.className = "soh-build-error";
            document.body.prepend(shown);
          }
          shown.textContent = "";
          const title = document.createElement("strong");
          title.textContent = "The build failed. This is the last good version of the site.";
          const pre = document.createElement("pre");
          pre.textContent = event.data;
          shown.append(title, pre);
        });

        """
}
