import Foundation

/// Email addresses as soh takes them for a message: one `@`, no spaces, control characters,
/// quotes or angle brackets, so nothing a person typed can end a header or an SMTP command.
public enum MailAddress {
    public static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return address.utf8.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && address.unicodeScalars.allSatisfy { $0.value > 32 && $0.value != 127 && !"<>()[]\\,;:\"".unicodeScalars.contains($0) }
    }

    /// The address in `Name <address>` or a bare `address`; nil when there is none valid.
    public static func address(in text: String) -> String? {
        var candidate = text.trimmingCharacters(in: .whitespaces)
        if let open = candidate.lastIndex(of: "<"), candidate.hasSuffix(">") {
            candidate = String(candidate[candidate.index(after: open)..<candidate.index(before: candidate.endIndex)])
        }
        return isValid(candidate) ? candidate : nil
    }

    /// The display name in `Name <address>`, if any.
    static func name(in text: String) -> String? {
        guard let open = text.lastIndex(of: "<") else { return nil }
        let name = text[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return name.isEmpty ? nil : name
    }
}

/// An email as sent over SMTP: RFC 5322 headers (non-ASCII in RFC 2047 encoded words, so no
/// value can break a line), and a `multipart/alternative` body of plain text and HTML, each in
/// base64. Lines end in CRLF.
public struct MailMessage: Sendable {
    public var from: String
    public var fromAddress: String
    public var to: String
    public var toName: String?
    public var replyTo: String?
    public var subject: String
    public var text: String
    public var html: String
    public var language: String
    /// `<id@domain>`: the delivery's id, the same on every attempt.
    public var messageID: String
    public var date: Date

    public init(from: String, fromAddress: String, to: String, toName: String? = nil, replyTo: String? = nil, subject: String, text: String,
                html: String, language: String, messageID: String, date: Date) {
        (self.from, self.fromAddress, self.to, self.toName, self.replyTo) = (from, fromAddress, to, toName, replyTo)
        (self.subject, self.text, self.html, self.language, self.messageID, self.date) = (subject, text, html, language, messageID, date)
    }

    /// The whole message, ready for DATA (before dot-stuffing).
    public var rendered: String {
        let boundary = "soh-" + String(messageID.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.prefix(40).map(Character.init))
        var headers: [(String, String)] = [
            ("From", Self.mailbox(MailAddress.name(in: from), fromAddress)),
            ("To", Self.mailbox(toName, to)),
        ]
        if let replyTo, let address = MailAddress.address(in: replyTo) { headers.append(("Reply-To", Self.mailbox(MailAddress.name(in: replyTo), address))) }
        headers += [
            ("Subject", Self.encoded(subject)),
            ("Date", Self.date(date)),
            ("Message-ID", messageID),
            ("MIME-Version", "1.0"),
            ("Content-Language", language),
            ("Auto-Submitted", "auto-generated"),
            ("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""),
        ]
        var lines = headers.map { "\($0.0): \($0.1)" }
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += Self.base64Lines(Data(body.utf8))
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `Name <address>`, the name as an encoded word when it is not plain ASCII words.
    static func mailbox(_ name: String?, _ address: String) -> String {
        guard let name, !name.isEmpty else { return "<\(address)>" }
        let plain = name.unicodeScalars.allSatisfy { ($0.properties.isAlphabetic || $0 == " " || $0 == "-" || $0 == ".") && $0.isASCII }
        return (plain ? name : encoded(name, always: true)) + " <\(address)>"
    }

    /// A header value: as it is when it is printable ASCII, otherwise RFC 2047 encoded words
    /// (UTF-8, base64), each short enough for its own folded line.
    static func encoded(_ value: String, always: Bool = false) -> String {
        if !always, value.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }), value.utf8.count < 900 { return value }
        var words: [String] = []
        var chunk = ""
        for character in value {
            // Control characters (a CR or LF a person typed) become spaces: nothing can end the header.
            let c: Character = character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? " " : character
            if chunk.utf8.count + c.utf8.count > 45 { words.append(chunk); chunk = "" }
            chunk.append(c)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    static func base64Lines(_ data: Data) -> [String] {
        let text = data.base64EncodedString()
        return stride(from: 0, to: text.count, by: 76).map { start in
            let from = text.index(text.startIndex, offsetBy: start)
            return String(text[from..<(text.index(from, offsetBy: 76, limitedBy: text.endIndex) ?? text.endIndex)])
        }
    }

    /// RFC 5322's date in UTC (`Mon, 07 Dec 2026 20:45:00 +0000`), written from the calendar's
    /// fields: the names are English whatever the machine's locale, as the RFC requires.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
