import Foundation
import Hummingbird
import NIOCore

/// The API's own description (OpenAPI), made from the route table and the forms.
extension SubmissionAPI {
    func openAPI() -> Response {
        let document: Data
        do { document = try OpenAPIDocument.make(catalog, routes: routes) } catch {
            logger.error("the OpenAPI document could not be written: \(error)")
            return Self.error(.internalServerError, "the OpenAPI document could not be written")
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: document)))
    }
}
