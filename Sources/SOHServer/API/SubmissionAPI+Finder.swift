import Foundation
import Hummingbird
import SOHModel

/// Finding a force from a place (docs/routing.md).
extension SubmissionAPI {

    /// `GET /v1/postcodes/{postcode}`: the force whose area a postcode is in, from the index
    /// `soh areas import` made. Public data (the ONS Postcode Directory), so any origin may ask.
    func postcode(_ request: Request, _ context: APIContext) async -> Response {
        let raw = context.parameters.get("postcode") ?? ""
        let asked = raw.removingPercentEncoding ?? raw
        guard let postcodes = catalog.postcodes else {
            return Self.error(.notFound, "postcode lookup is not set up on this server (soh areas import)")
        }
        guard let normalised = PostcodeIndex.normalised(asked) else {
            return Self.error(.badRequest, "that is not a postcode (for example CF10 1AA)")
        }
        guard let force = postcodes.force(for: normalised) else {
            return Self.error(.notFound, "no police area in England and Wales has this postcode")
        }
        // As find-force answers (an index naming an unknown force is refused at start).
        guard let known = catalog.forces[force] else {
            return Self.error(.notFound, "the force for that postcode has no site here")
        }
        let body = ["postcode": PostcodeIndex.display(normalised), "force": force, "name": known.names["en"] ?? force, "site": known.baseURL]
        return Self.encode(.ok, body)
    }

    /// `GET /v1/find-force?area=…|postcode=…[&service=…][&language=cy]`: the national site's
    /// finders send the person here, with or without JavaScript, and are sent on (303) to the
    /// force for that place: to its form of the service (or the service's page, when the force
    /// does not take it online), or without a service to its entry on "find your force".
    func findForce(_ request: Request, _ context: APIContext) async -> Response {
        // As a browser sends a form by GET: a space is a '+'.
        let parameters = request.uri.queryParameters
        var query: [String: String] = [:]
        for key in ["area", "postcode", "service", "language"] {
            query[key] = parameters[Substring(key)].map { String($0).replacingOccurrences(of: "+", with: " ") }
        }
        let language = query["language"] == "cy" ? "cy" : "en"
        let service = query["service"]
        let national = (catalog.nationalURL ?? "") + (language == "cy" ? "/cy" : "") + "/find-your-force/"
        var force: String?
        if let area = query["area"], !area.isEmpty {
            force = catalog.areas?.area(area)?.force
            guard force != nil else { return Self.error(.badRequest, "'\(String(area.prefix(60)))' is not an area of data/police-areas.yml") }
        } else if let asked = query["postcode"], !asked.allSatisfy(\.isWhitespace) {
            force = PostcodeIndex.normalised(asked).flatMap { catalog.postcodes?.force(for: $0) }
            // Back to the finder, which says so (its #postcode-not-found note).
            guard force != nil else { return Response(status: .seeOther, headers: [.location: national + "#postcode-not-found"]) }
        } else {
            // Sent with nothing chosen: back to the finder, whose #area-not-chosen note says what to do.
            return Response(status: .seeOther, headers: [.location: national + "#area-not-chosen"])
        }
        guard let id = force, let site = catalog.forces[id] else {
            return Self.error(.notFound, "the force for that area has no site here")
        }
        guard let service else {
            return Response(status: .seeOther, headers: [.location: national + "#force-\(id)"])
        }
        guard let pages = catalog.servicePages[service] else { return Self.error(.badRequest, "unknown service '\(String(service.prefix(60)))'") }
        // The force's page in the person's language when it publishes one, else in English.
        let page = site.languages.contains(language) ? pages[language] ?? pages["en"] ?? "/" : pages["en"] ?? "/"
        let takesIt = catalog.serviceForms[service].map { !site.unavailableForms.contains($0) } ?? false
        return Response(status: .seeOther, headers: [.location: site.baseURL + page + (takesIt ? "form/" : "")])
    }
}
