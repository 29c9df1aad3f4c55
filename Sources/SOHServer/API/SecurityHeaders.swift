import HTTPTypes
import Hummingbird

/// Headers on every response of the API: browsers reach it over HTTPS only from then on
/// (`Strict-Transport-Security`; they ignore it over plain HTTP, as on a laptop), a page of it
/// shares no window with another site's (`Cross-Origin-Opener-Policy`), and nothing is read as
/// another type than it says (`X-Content-Type-Options`).
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    static var fields: HTTPFields {
        [
            HTTPField.Name("Strict-Transport-Security")!: "max-age=31536000",
            HTTPField.Name("Cross-Origin-Opener-Policy")!: "same-origin",
            .xContentTypeOptions: "nosniff",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for field in Self.fields where response.headers[field.name] == nil { response.headers.append(field) }
        return response
    }
}
