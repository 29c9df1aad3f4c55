import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIKit
import SOHDelivery

/// `POST /v1/forces/{force}/messages/status`: GOV.UK Notify's delivery receipt for a
/// confirmation (docs/messages.md), with the bearer token the force's `notify` destination names
/// as its `callbackToken`. Recorded against the report's confirmation; a failure Notify gave up on
/// makes it dead.
extension SubmissionAPI {
    static let notifyStatuses = ["delivered", "permanent-failure", "temporary-failure", "technical-failure"]

    func messageStatus(_ request: Request, _ context: APIContext) async -> Response {
        let force = context.parameters.get("force") ?? ""
        let tokens = (deliveries.destinations[force] ?? []).compactMap { destination -> String? in
            if case .notify(let service) = destination.kind { return service.callbackToken }
            return nil
        }
        guard !tokens.isEmpty else { return Self.error(.notFound, "this force takes no Notify callbacks") }
        let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
        // Compared as digests: the time taken says nothing of the token.
        let digest = Data(SHA256.hash(data: Data(given.utf8)))
        guard tokens.contains(where: { Data(SHA256.hash(data: Data($0.utf8))) == digest }) else {
            return Self.error(.unauthorized, "not the callback token of this force's Notify service")
        }
        guard let body = try? await request.body.collect(upTo: 16 * 1024),
              let receipt = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any],
              let reference = receipt["reference"] as? String, let id = receipt["id"] as? String, let status = receipt["status"] as? String else {
            return Self.error(.badRequest, "a delivery receipt is JSON with id, reference and status")
        }
        guard Self.notifyStatuses.contains(status) else {
            return Self.error(.badRequest, "status should be one of \(Self.notifyStatuses.joined(separator: ", "))")
        }
        do {
            guard try await bounded({ [store] in
                try await store.recordMessageStatus(force: force, reference: reference, notification: id, status: status, now: Date())
            }) else { return Self.error(.notFound, "no confirmation of that reference for this force") }
            log(.info, "confirmation status: \(status)", force, "-", status: 204, reference: reference)
            return Response(status: .noContent)
        } catch {
            return Self.error(.serviceUnavailable, "the receipt could not be recorded; send it again")
        }
    }
}

extension OpenAPIDocument {
    static func messageStatus(_ catalog: APICatalog) -> Described {
        [("/v1/forces/{force}/messages/status", OpenAPI.Operation(
            summary: "GOV.UK Notify's delivery receipt for a confirmation (its callback, with the force's callback token)", operationId: "messageStatus",
            parameters: [force(catalog.forces.keys.sorted())],
            requestBody: .init(content: [.json: .content(.init(schema: .object(properties: [
                "id": .string(description: "Notify's id of the notification"), "reference": .string(description: "The report's reference"),
                "status": .string(allowedValues: SubmissionAPI.notifyStatuses.map(AnyCodable.init)),
                "to": .string(required: false), "notification_type": .string(required: false), "created_at": .string(required: false),
                "completed_at": .string(required: false), "sent_at": .string(required: false),
            ])))], required: true),
            responses: [204: .response(description: "Recorded against the report's confirmation"),
                        400: error("Not a delivery receipt"), 401: error("Not this force's Notify callback token"),
                        404: error("The force takes no Notify callbacks, or no confirmation has that reference"),
                        503: error("The store cannot be written; send it again")],
            security: [[.component(named: "bearer"): []]]))]
    }
}
