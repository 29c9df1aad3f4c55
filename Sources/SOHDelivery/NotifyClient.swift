import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import SOHForms

/// GOV.UK Notify's API as confirmations use it (docs/messages.md): `POST /v2/notifications/email`
/// and `/v2/notifications/sms`, each with a fresh token (a JWT signed HS256 with the key's
/// secret, the service id as issuer, issued now: Notify refuses one more than 30 s off), the
/// template and its personalisation, and the report's reference. `201` means Notify took it;
/// `429` and `5xx` are tried again; any other refusal (a template that is not the service's, a
/// key refused) is given up with Notify's own words.
struct NotifyClient {
    let service: DeliveryConfig.NotifyService
    let client: HTTPClient
    let timeout: Double

    static func token(_ service: DeliveryConfig.NotifyService, now: Date) -> String {
        func part(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let header = part(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        // The service id is a UUID (checked when the deliveries file is read): nothing to escape.
        let claims = part(Data(#"{"iat":\#(Int(now.timeIntervalSince1970)),"iss":"\#(service.serviceID)"}"#.utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(claims)".utf8), using: SymmetricKey(data: Data(service.secret.utf8)))
        return "\(header).\(claims).\(part(Data(signature)))"
    }

    func send(_ confirmation: Confirmation, to recipient: FormDefinition.Recipient, report: DeliveryDocument.Report) async -> Attempt {
        let (_, subject, paragraphs, values) = confirmation.written(report)
        var body: [String: Any] = ["reference": report.reference]
        let path: String
        switch recipient {
        case .email(let address):
            guard let template = service.emailTemplate else { return Attempt(.refused, detail: "this Notify destination has no emailTemplate") }
            path = "/v2/notifications/email"
            body["email_address"] = address
            body["template_id"] = template
            body["personalisation"] = ["subject": subject, "body": paragraphs.joined(separator: "\n\n"), "reference": report.reference,
                                       "force": values["force"] ?? ""]
        case .text(let number):
            guard let template = service.smsTemplate else { return Attempt(.refused, detail: "this Notify destination has no smsTemplate") }
            path = "/v2/notifications/sms"
            body["phone_number"] = number
            body["template_id"] = template
            body["personalisation"] = ["body": confirmation.text(report), "reference": report.reference, "force": values["force"] ?? ""]
        }
        var request = HTTPClientRequest(url: service.url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer " + Self.token(service, now: Date()))
        request.headers.add(name: "User-Agent", value: "soh-delivery/1")
        request.body = .bytes(ByteBuffer(data: (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()))
        let prepared = request
        let (status, text): (Int, String)
        do {
            (status, text) = try await TimeLimit.within(timeout) { [client, timeout] in
                let response = try await client.execute(prepared, timeout: .seconds(Int64(timeout.rounded(.up))))
                let reply = (try? await response.body.collect(upTo: DeliverySender.replyLimit)).map { String(buffer: $0) } ?? ""
                return (Int(response.status.code), reply)
            }
        } catch let exceeded as TimeLimit.Exceeded {
            return Attempt(.retry, detail: "no reply from Notify within \(exceeded.seconds.formatted()) s")
        } catch {
            return Attempt(.retry, detail: "no reply from Notify: \(error)")
        }
        let reply = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        if status == 201 {
            let id = (reply?["id"] as? String).map { String($0.prefix(100)) }
            return Attempt(.delivered, status: status, detail: "accepted by Notify" + (id.map { " as \($0)" } ?? ""), forceReference: id)
        }
        let errors = (reply?["errors"] as? [[String: Any]])?.compactMap { error in
            [error["error"] as? String, error["message"] as? String].compactMap { $0 }.joined(separator: ": ")
        }.joined(separator: "; ")
        let detail = "Notify answered \(status): " + String((errors?.isEmpty == false ? errors! : text).prefix(DeliverySender.excerptLimit))
        return Attempt(status == 429 || status >= 500 ? .retry : .refused, status: status, detail: detail)
    }
}
