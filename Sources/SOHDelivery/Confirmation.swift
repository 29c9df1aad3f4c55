import Foundation
import SOHForms
import SOHModel

/// Confirmations to the person who reported (docs/messages.md): the reference, the force the
/// report is with, what happens next and how to add to it, with the force's numbers, in the
/// report's language, worded by the theme's interface strings (`message…`). **Never the
/// answers**: a mistyped address would otherwise send someone's account of a crime to a stranger.
public struct Confirmation: Sendable {
    /// What a message says about a force.
    public struct Force: Sendable {
        public var names: [String: String]
        public var emergency: String
        public var nonEmergency: String
        public var textphone: String?
        /// Its site, for the message's last line.
        public var site: String

        public init(names: [String: String], emergency: String, nonEmergency: String, textphone: String?, site: String) {
            (self.names, self.emergency, self.nonEmergency, self.textphone, self.site) = (names, emergency, nonEmergency, textphone, site)
        }
    }

    public var forces: [String: Force]
    /// language → key → text.
    public var strings: [String: [String: String]]
    public var forms: [String: FormDefinition]

    public init(forces: [String: Force], strings: [String: [String: String]], forms: [String: FormDefinition]) {
        (self.forces, self.strings, self.forms) = (forces, strings, forms)
    }

    /// Where the person asked for theirs to go; nil when they did not.
    public func recipient(_ report: DeliveryDocument.Report) -> FormDefinition.Recipient? {
        forms[report.form]?.receipt?.recipient(report.answers)
    }

    /// The placeholders' values for a report: the force it is with (the owning force after routing).
    func values(_ report: DeliveryDocument.Report) -> (language: String, values: [String: String]) {
        let owner = report.routing?.owningForce ?? report.force
        let force = forces[owner]
        let language = strings[report.language] == nil ? "en" : report.language
        let name = force?.names[language] ?? force?.names["en"] ?? owner
        var values: [String: String] = [:]
        for placeholder in MessageWording.Placeholder.allCases {
            values[placeholder.rawValue] = switch placeholder {
            case .force: name
            case .reference: report.reference
            case .form: forms[report.form]?.title.text(language) ?? report.form
            case .emergency: force?.emergency ?? "999"
            case .nonEmergency: force?.nonEmergency ?? "101"
            case .textphone: force?.textphone ?? ""
            case .site: force?.site ?? ""
            }
        }
        return (language, values)
    }

    func line(_ key: String, _ language: String, _ values: [String: String]) -> String {
        MessageTemplate.fill(strings[language]?[key] ?? strings["en"]?[key] ?? key, values)
    }

    /// An email's subject and paragraphs, and the values they were filled with.
    public func written(_ report: DeliveryDocument.Report) -> (language: String, subject: String, paragraphs: [String], values: [String: String]) {
        let (language, values) = values(report)
        var contact = line("messageAdd", language, values)
        if !(values["textphone"] ?? "").isEmpty { contact += " " + line("messageTextphone", language, values) }
        contact += " " + line("messageEmergency", language, values)
        let paragraphs = [line("messageIntro", language, values), line("messageReference", language, values), line("messageWentTo", language, values),
                          contact, values["site"] ?? "", line("messageNoAnswers", language, values)].filter { !$0.isEmpty }
        return (language, line("messageSubject", language, values), paragraphs, values)
    }

    /// The email: subject, plain text and HTML (every value escaped), as `relay` sends it.
    public func email(_ report: DeliveryDocument.Report, to address: String, deliveryID: String, relay: DeliveryConfig.SMTPRelay, now: Date) -> MailMessage {
        let (language, subject, paragraphs, values) = written(report)
        let html = """
            <!DOCTYPE html>
            <html lang="\(Escape.html(language))"><head><meta charset="utf-8"><title>\(Escape.html(subject))</title></head>
            <body><h1>\(Escape.html(values["force"] ?? ""))</h1>
            \(paragraphs.map { "<p>\(Escape.html($0))</p>" }.joined(separator: "\n"))
            </body></html>
            """
        let domain = relay.fromAddress.split(separator: "@").last.map(String.init) ?? "soh.invalid"
        return MailMessage(from: relay.from, fromAddress: relay.fromAddress, to: address, toName: forms[report.form]?.receipt?.name(report.answers),
                           replyTo: relay.replyTo,
                           subject: subject, text: paragraphs.joined(separator: "\n\n") + "\n", html: html,
                           language: language, messageID: "<\(deliveryID)@\(domain)>", date: now)
    }

    /// The text message: one short paragraph.
    public func text(_ report: DeliveryDocument.Report) -> String {
        let (language, values) = values(report)
        return line("messageText", language, values)
    }
}
