import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SOHForms
import SOHModel

/// The page a browser without JavaScript gets when its answers need fixing: accessible, in the
/// person's language, listing the problems with a way back to the form (Back keeps the answers).
enum ErrorPage {
    static func response(_ status: HTTPResponse.Status, language: String, form: FormDefinition, messages: [String], back: String) -> Response {
        let welsh = language == "cy"
        let title = welsh ? "Mae problem wedi codi" : "There is a problem"
        let lede = welsh ? "Nid yw eich atebion wedi'u hanfon. Ewch yn ôl i'r ffurflen, cywirwch y rhain, ac anfonwch hi eto:"
                         : "Your answers have not been sent. Go back to the form, correct these, and send it again:"
        let backText = welsh ? "Yn ôl i'r ffurflen" : "Back to the form"
        let hint = welsh ? "Bydd botwm Yn ôl eich porwr yn cadw'r hyn a deipioch." : "Your browser's Back button keeps what you typed."
        let items = messages.map { "<li>\(Escape.html($0))</li>" }.joined(separator: "\n")
        let html = """
            <!DOCTYPE html>
            <html lang="\(Escape.html(language))">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) – \(Escape.html(form.title.text(language)))</title>
            </head>
            <body>
            <main>
            <h1>\(title)</h1>
            <p>\(lede)</p>
            <ul>
            \(items)
            </ul>
            <p><a href="\(Escape.html(back))">\(backText)</a></p>
            <p>\(hint)</p>
            </main>
            </body>
            </html>

            """
        return Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            .cacheControl: "no-store",
        ], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
