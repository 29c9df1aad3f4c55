import Foundation
import SOHModel

/// Where each force's reports go: read from a file on the server (`soh api --deliveries FILE`),
/// never from the public force files. Secrets are named (an environment variable or a file),
/// never written in it.
///
/// ```yaml
/// retry: {schedule: [1m, 5m, 30m, 2h, 6h, 12h, 24h], jitter: 0.2}
/// timeout: 30s
/// forces:
///   kent:
///     - name: athena
///       kind: standard-api
///       url: https://integration.kent.police.example/sapi
///       apiKey: {env: KENT_API_KEY}
///       tls: {certificate: /etc/soh/kent.crt, key: /etc/soh/kent.key, ca: /etc/soh/kent-ca.pem}
///       forms: [crime, road-traffic-collision]
///       fallback: drop
///     - name: drop
///       kind: directory
///       path: /var/spool/soh/kent
/// ```
public struct DeliveryConfig: Sendable {
    public var destinations: [String: [Destination]]
    public var retry: RetrySchedule
    /// Plain http and addresses on this machine or a private network, for local testing only.
    public var allowInsecure: Bool
    /// Seconds an attempt may take, from connecting to the last byte of the reply.
    public var timeout: Double

    public static let timeouts: ClosedRange<Double> = 1...300

    public init(destinations: [String: [Destination]] = [:], retry: RetrySchedule = RetrySchedule(), allowInsecure: Bool = false,
                timeout: Double = 30) {
        self.destinations = destinations
        self.retry = retry
        self.allowInsecure = allowInsecure
        self.timeout = timeout
    }

    /// The destinations a new submission of `form` for `force` is delivered to (a fallback is
    /// used only when another gives up).
    public func destinations(force: String, form: String) -> [Destination] {
        let all = (destinations[force] ?? []).filter { !$0.kind.isMessage }
        let fallbacks = Set(all.compactMap(\.fallback))
        return all.filter { ($0.forms?.contains(form) ?? true) && !fallbacks.contains($0.name) }
    }

    /// The destinations that take a transfer notice, or a report about the force's area made
    /// to another force (`notices: false` leaves a destination out; docs/routing.md).
    public func noticeDestinations(force: String, form: String) -> [Destination] {
        destinations(force: force, form: form).filter(\.notices)
    }

    public func destination(force: String, name: String) -> Destination? {
        destinations[force]?.first { $0.name == name }
    }

    /// Where a force sends confirmations of `form` by `channel` (`email` or `text`,
    /// docs/messages.md): its first destination that can; nil when it has none.
    public func messageDestination(force: String, form: String, channel: String) -> Destination? {
        destinations[force]?.first { $0.kind.channels.contains(channel) && ($0.forms?.contains(form) ?? true) }
    }

    /// The confirmations people can ask for and this file gives no way out: for each force with
    /// destinations here, each channel its forms offer (`channels`: form → `email`, `text`) that
    /// none of its destinations sends, with those forms. `soh api` warns of them at start.
    public func confirmationsNotSent(channels: [String: Set<String>]) -> [(force: String, channel: String, forms: [String])] {
        var missing: [(force: String, channel: String, forms: [String])] = []
        for force in destinations.keys.sorted() {
            for channel in ["email", "text"] {
                let forms = channels.keys.sorted().filter {
                    channels[$0]?.contains(channel) == true && messageDestination(force: force, form: $0, channel: channel) == nil
                }
                if !forms.isEmpty { missing.append((force, channel, forms)) }
            }
        }
        return missing
    }

    public struct Destination: Sendable, Equatable {
        public var name: String
        public var kind: Kind
        /// Forms sent here; nil for every form.
        public var forms: Set<String>?
        /// Another destination of the same force that takes a delivery this one gave up on.
        public var fallback: String?
        /// Whether it takes notices of reports that moved between forces (true unless set off).
        public var notices: Bool = true

        public init(name: String, kind: Kind, forms: Set<String>? = nil, fallback: String? = nil, notices: Bool = true) {
            self.notices = notices
            self.name = name
            self.kind = kind
            self.forms = forms
            self.fallback = fallback
        }
    }

    public enum Kind: Sendable, Equatable {
        /// The force's Standard API: `POST {url}/incidents`, API key, optionally mutual TLS.
        case standardAPI(url: String, apiKey: String?, apiKeyHeader: String, tls: ClientTLS?)
        /// A signed webhook (Standard Webhooks): the secrets, newest first, all used to sign.
        case webhook(url: String, secrets: [String])
        /// Files written into a folder, one per delivery.
        case directory(path: String)
        /// Confirmations to the people who reported, by email through the force's SMTP relay.
        case email(SMTPRelay)
        /// Confirmations by email or text through GOV.UK Notify (the force's service).
        case notify(NotifyService)

        public var name: String {
            switch self {
            case .standardAPI: "standard-api"
            case .webhook: "webhook"
            case .directory: "directory"
            case .email: "email"
            case .notify: "notify"
            }
        }

        /// Whether it sends confirmations to people rather than reports to the force.
        public var isMessage: Bool { !channels.isEmpty }

        /// The ways it reaches people: `email`, `text`.
        public var channels: [String] {
            switch self {
            case .email: ["email"]
            case .notify(let service): (service.emailTemplate == nil ? [] : ["email"]) + (service.smsTemplate == nil ? [] : ["text"])
            default: []
            }
        }

        /// Where it sends, without its secrets: the type and the URL or folder. A delivery keeps
        /// the address its destination had when the report was stored (docs/delivery.md).
        public var address: String {
            switch self {
            case .standardAPI(let url, _, _, _), .webhook(let url, _): "\(name) \(url)"
            case .directory(let path): "\(name) \(path)"
            case .email(let relay): "\(name) \(relay.url)"
            case .notify(let service): "\(name) \(service.url)"
            }
        }
    }

    /// Files for mutual TLS: the client's certificate chain and key (PEM), and the CA bundle
    /// that the force's server certificate must chain to.
    public struct ClientTLS: Sendable, Equatable {
        public var certificate: String
        public var key: String
        public var ca: String?
    }

    /// An SMTP relay that takes a force's confirmation emails: `smtp://HOST:PORT` (STARTTLS,
    /// required unless the relay is on this machine) or `smtps://HOST:PORT` (TLS from the start).
    public struct SMTPRelay: Sendable, Equatable {
        public var url: String
        public var host: String
        public var port: Int
        public var implicitTLS: Bool
        public var username: String?
        public var password: String?
        /// The sender as written (`Kent Police <no-reply@kent.police.uk>`) and its address alone.
        public var from: String
        public var fromAddress: String
        public var replyTo: String?
        /// A PEM file of certificate authorities to trust for the relay (its own, or a test's).
        public var ca: String?

        /// Whether the relay is on this machine, where a plain connection is allowed.
        public var isLocal: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) }

        /// The name its certificate is checked against and sent in SNI; nil for an IP address
        /// (checked against the certificate's IP addresses instead).
        var serverName: String? { host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":") ? nil : host }
    }

    /// A GOV.UK Notify service: its API key as Notify gives it (`NAME-SERVICEID-SECRET`, split
    /// into the service id that issues each token and the secret that signs it), the templates
    /// confirmations are sent with (`((subject))` and `((body))`, docs/messages.md), and the
    /// bearer token Notify's delivery-status callbacks carry.
    public struct NotifyService: Sendable, Equatable {
        public static let defaultURL = "https://api.notifications.service.gov.uk"
        public var url: String
        public var serviceID: String
        public var secret: String
        public var emailTemplate: String?
        public var smsTemplate: String?
        public var callbackToken: String?

        /// The service id and secret of an API key; nil when it is not one.
        public static func split(apiKey: String) -> (serviceID: String, secret: String)? {
            let key = Array(apiKey.trimmingCharacters(in: .whitespacesAndNewlines))
            guard key.count >= 74 else { return nil }
            let service = String(key[(key.count - 73)..<(key.count - 37)]), secret = String(key[(key.count - 36)...])
            guard key[key.count - 74] == "-", key[key.count - 37] == "-", isUUID(service), isUUID(secret) else { return nil }
            return (service, secret)
        }

        static func isUUID(_ text: String) -> Bool {
            text.count == 36 && text.enumerated().allSatisfy { i, c in [8, 13, 18, 23].contains(i) ? c == "-" : c.isHexDigit }
        }
    }

    static let kinds = ["standard-api", "webhook", "directory", "email", "notify"]
    static let keys = ["retry", "timeout", "forces", "allowInsecure"]
    static let destinationKeys = ["name", "kind", "url", "apiKey", "apiKeyHeader", "tls", "secrets", "path", "forms", "fallback", "notices",
                                  "username", "password", "from", "replyTo", "ca", "emailTemplate", "smsTemplate", "callbackToken"]

    /// Reads and checks a deliveries file, every problem reported with its line and column.
    /// `forces` and `forms` are the ids that exist; `environment` supplies the secrets.
    public static func load(
        _ text: String, file: String, forces: Set<String>, forms: Set<String>,
        environment: [String: String] = ProcessInfo.processInfo.environment, sink: DiagnosticSink
    ) -> DeliveryConfig? {
        let parsed = YAMLParser.parse(text, file: file, sink: sink)
        guard let root = parsed, let map = StrictMapping(root, what: "deliveries file", allowed: keys, sink: sink) else { return nil }
        var config = DeliveryConfig()
        config.allowInsecure = map.bool("allowInsecure") ?? false
        if let retry = map.mapping("retry", allowed: ["schedule", "jitter"]) {
            config.retry = RetrySchedule.load(retry, sink: sink) ?? RetrySchedule()
        }
        if let text = map.text("timeout") {
            if let seconds = RetrySchedule.duration(text), timeouts.contains(seconds) {
                config.timeout = seconds
            } else {
                sink.error(map.valueLocation("timeout"), "'timeout' should be a duration from 1s to 5m, found '\(text)'",
                    hint: "How long one attempt may take, reply included: 30s is the default.")
            }
        }
        guard let forcesNode = map.value("forces") else {
            sink.error(map.location, "missing required key 'forces' in deliveries file", hint: "Add 'forces:' with each force's destinations.")
            return nil
        }
        guard case .mapping(let pairs) = forcesNode.value else {
            sink.error(forcesNode.location, "'forces' should be a set of force ids, found \(forcesNode.kindName)")
            return nil
        }
        for pair in pairs {
            guard forces.contains(pair.key) else {
                sink.error(pair.keyLocation, "unknown force '\(pair.key)'", hint: Suggestion.hint(for: pair.key, allowed: forces.sorted(), noun: "forces"))
                continue
            }
            guard case .sequence(let items) = pair.value.value, !items.isEmpty else {
                sink.error(pair.value.location, "force '\(pair.key)' should have a list of destinations",
                    hint: "Write each destination as a '- name: …' item with its 'kind'.")
                continue
            }
            var list: [Destination] = []
            var written: [StrictMapping] = []
            for item in items {
                guard let d = StrictMapping(item, what: "destination", allowed: destinationKeys, sink: sink),
                      let destination = loadDestination(d, force: pair.key, forms: forms, environment: environment, insecure: config.allowInsecure, sink: sink)
                else { continue }
                if list.contains(where: { $0.name == destination.name }) {
                    sink.error(d.valueLocation("name"), "force '\(pair.key)' has two destinations called '\(destination.name)'")
                }
                list.append(destination)
                written.append(d)
            }
            // Named against every destination written, loaded or not: a mistake in one is said once.
            let names = Set(items.compactMap { item -> String? in
                guard case .mapping(let pairs) = item.value else { return nil }
                return pairs.first { $0.key == "name" }.flatMap { if case .scalar(let text, _) = $0.value.value { text } else { nil } }
            })
            for (destination, d) in zip(list, written) {
                guard let fallback = destination.fallback else { continue }
                if fallback == destination.name || !names.contains(fallback) {
                    sink.error(d.valueLocation("fallback"), "fallback '\(fallback)' is not another destination of force '\(pair.key)'",
                        hint: Suggestion.hint(for: fallback, allowed: list.map(\.name).filter { $0 != destination.name }, noun: "destinations"))
                }
            }
            config.destinations[pair.key] = list
        }
        return sink.hasErrors ? nil : config
    }

    static func loadDestination(
        _ d: StrictMapping, force: String, forms: Set<String>, environment: [String: String], insecure: Bool, sink: DiagnosticSink
    ) -> Destination? {
        guard let name = d.text("name", required: true, example: "athena"), let kindName = d.text("kind", required: true, example: "standard-api") else { return nil }
        if !Identifier.isValid(name) {
            sink.error(d.valueLocation("name"), "destination name '\(name)' should be lower-case letters, digits and hyphens")
        }
        var selected: Set<String>?
        if let listed = d.texts("forms") {
            selected = []
            for (form, at) in listed {
                if forms.contains(form) { selected?.insert(form) } else {
                    sink.error(at, "unknown form '\(form)'", hint: Suggestion.hint(for: form, allowed: forms.sorted(), noun: "forms"))
                }
            }
        }
        // Keys that belong to another kind are mistakes worth naming.
        let own: [String: Set<String>] = [
            "standard-api": ["url", "apiKey", "apiKeyHeader", "tls"], "webhook": ["url", "secrets"], "directory": ["path"],
            "email": ["url", "username", "password", "from", "replyTo", "ca"],
            "notify": ["url", "apiKey", "emailTemplate", "smsTemplate", "callbackToken"],
        ]
        for key in ["url", "apiKey", "apiKeyHeader", "tls", "secrets", "path", "username", "password", "from", "replyTo", "ca",
                    "emailTemplate", "smsTemplate", "callbackToken"]
            where d.has(key) && !(own[kindName]?.contains(key) ?? true) {
            sink.error(d.keyLocation(key), "'\(key)' does not apply to a \(kindName) destination",
                hint: "A \(kindName) destination takes: \((own[kindName] ?? []).sorted().joined(separator: ", ")).")
        }
        func address() -> String? {
            guard let url = d.text("url", required: true, example: "https://integration.example.police.uk/sapi") else { return nil }
            guard let parsed = URL(string: url), let scheme = parsed.scheme, parsed.host != nil,
                  scheme == "https" || (scheme == "http" && insecure) else {
                sink.error(d.valueLocation("url"), "'url' should be an https:// address, found '\(url)'",
                    hint: insecure ? "Write the full address." : "Reports go over https only; 'allowInsecure: true' (local testing) allows http.")
                return nil
            }
            return url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        let kind: Kind
        switch kindName {
        case "standard-api":
            // Every key is checked before giving up on the destination: all problems in one run.
            let url = address()
            let key = d.value("apiKey").flatMap { Secret.read($0, key: "apiKey", environment: environment, sink: sink) }
            var tls: ClientTLS?
            if let t = d.mapping("tls", allowed: ["certificate", "key", "ca"]) {
                let files = ["certificate", "key", "ca"].map { name -> String? in
                    guard let path = t.text(name, required: name != "ca", example: "/etc/soh/\(force).pem") else { return nil }
                    if !FileManager.default.isReadableFile(atPath: path) {
                        sink.error(t.valueLocation(name), "cannot read '\(path)'", hint: "Give the path of a PEM file the API can read.")
                    }
                    return path
                }
                if let certificate = files[0], let key = files[1] { tls = ClientTLS(certificate: certificate, key: key, ca: files[2]) }
            }
            guard let url else { return nil }
            kind = .standardAPI(url: url, apiKey: key, apiKeyHeader: d.text("apiKeyHeader") ?? "x-api-key", tls: tls)
        case "webhook":
            let url = address()
            guard let list = d.list("secrets", required: true, example: "[{env: KENT_WEBHOOK_SECRET}]"), let url else { return nil }
            let secrets = list.compactMap { Secret.read($0, key: "secrets", environment: environment, sink: sink) }
            for (secret, node) in zip(secrets, list) where WebhookSignature.key(secret) == nil {
                sink.error(node.location, "a webhook secret should be 'whsec_' and base64, as Standard Webhooks writes them",
                    hint: "Make one with: printf 'whsec_%s' \"$(head -c 32 /dev/urandom | base64)\"")
            }
            if list.isEmpty { sink.error(d.valueLocation("secrets"), "a webhook needs at least one secret") }
            kind = .webhook(url: url, secrets: secrets)
        case "directory":
            guard let path = d.text("path", required: true, example: "/var/spool/soh/\(force)") else { return nil }
            guard path.hasPrefix("/") else {
                sink.error(d.valueLocation("path"), "'path' should be an absolute folder path, found '\(path)'")
                return nil
            }
            kind = .directory(path: path)
        case "email":
            guard let relay = smtpRelay(d, environment: environment, sink: sink) else { return nil }
            kind = .email(relay)
        case "notify":
            let url = d.has("url") ? address() : NotifyService.defaultURL
            let key = d.value("apiKey").flatMap { Secret.read($0, key: "apiKey", environment: environment, sink: sink) }
            if !d.has("apiKey") { sink.error(d.location, "missing required key 'apiKey' in destination", hint: "Name the Notify API key: 'apiKey: {env: KENT_NOTIFY_API_KEY}'.") }
            let split = key.flatMap(NotifyService.split(apiKey:))
            if key != nil, split == nil {
                sink.error(d.valueLocation("apiKey"), "the Notify API key should be as Notify gives it: its name, the service id and the secret",
                    hint: "It ends with two UUIDs: NAME-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.")
            }
            var templates: [String: String] = [:]
            for name in ["emailTemplate", "smsTemplate"] {
                guard let id = d.text(name) else { continue }
                if NotifyService.isUUID(id.lowercased()) { templates[name] = id.lowercased() } else {
                    sink.error(d.valueLocation(name), "'\(name)' should be a Notify template id (a UUID), found '\(id)'")
                }
            }
            if !d.has("emailTemplate") && !d.has("smsTemplate") {
                sink.error(d.location, "a notify destination needs 'emailTemplate', 'smsTemplate' or both", hint: "The ids of the Notify templates confirmations are sent with.")
            }
            let token = d.value("callbackToken").flatMap { Secret.read($0, key: "callbackToken", environment: environment, sink: sink) }
            if let token, token.count < 10 { sink.error(d.valueLocation("callbackToken"), "Notify's callback bearer token is at least 10 characters") }
            guard let url, let split else { return nil }
            kind = .notify(NotifyService(url: url, serviceID: split.serviceID, secret: split.secret, emailTemplate: templates["emailTemplate"],
                                         smsTemplate: templates["smsTemplate"], callbackToken: token))
        default:
            sink.error(d.valueLocation("kind"), "unknown destination kind '\(kindName)'", hint: Suggestion.hint(for: kindName, allowed: kinds, noun: "kinds"))
            return nil
        }
        if kind.isMessage, let key = ["fallback", "notices"].first(where: d.has) {
            sink.error(d.keyLocation(key), "'\(key)' does not apply to a destination that sends confirmations to people")
        }
        return Destination(name: name, kind: kind, forms: selected, fallback: d.text("fallback"), notices: d.bool("notices") ?? true)
    }

    /// An `email` destination's relay and sender, every key checked.
    static func smtpRelay(_ d: StrictMapping, environment: [String: String], sink: DiagnosticSink) -> SMTPRelay? {
        let url = d.text("url", required: true, example: "smtp://relay.example.police.uk:587")
        let from = d.text("from", required: true, example: "Kent Police <no-reply@kent.police.uk>")
        let username = d.value("username").flatMap { Secret.read($0, key: "username", environment: environment, sink: sink) }
        let password = d.value("password").flatMap { Secret.read($0, key: "password", environment: environment, sink: sink) }
        if (username == nil) != (password == nil), !sink.hasErrors {
            sink.error(d.location, "an email destination takes 'username' and 'password' together", hint: "Give both to log in to the relay, or neither.")
        }
        let ca = d.text("ca")
        if let ca, !FileManager.default.isReadableFile(atPath: ca) {
            sink.error(d.valueLocation("ca"), "cannot read '\(ca)'", hint: "Give the path of a PEM file the API can read.")
        }
        let replyTo = d.text("replyTo")
        for (key, value) in [("from", from), ("replyTo", replyTo)] {
            guard let value else { continue }
            if MailAddress.address(in: value) == nil {
                sink.error(d.valueLocation(key), "'\(key)' should be an email address, or a name and <address>, found '\(value)'")
            }
        }
        guard let url else { return nil }
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["smtp", "smtps"].contains(scheme), let host = parsed.host, !host.isEmpty,
              parsed.path.isEmpty || parsed.path == "/" else {
            sink.error(d.valueLocation("url"), "'url' should be smtp://HOST:PORT or smtps://HOST:PORT, found '\(url)'",
                hint: "smtp:// upgrades to TLS with STARTTLS (port 587); smtps:// is TLS from the start (port 465).")
            return nil
        }
        guard let from, let fromAddress = MailAddress.address(in: from) else { return nil }
        return SMTPRelay(url: url, host: host, port: parsed.port ?? (scheme == "smtps" ? 465 : 587), implicitTLS: scheme == "smtps",
                         username: username, password: password, from: from, fromAddress: fromAddress, replyTo: replyTo, ca: ca)
    }
}

/// A secret named in the deliveries file: `{env: NAME}` or `{file: /path}`, never the value itself.
enum Secret {
    static func read(_ node: YAMLNode, key: String, environment: [String: String], sink: DiagnosticSink) -> String? {
        guard let m = StrictMapping(node, what: "'\(key)'", allowed: ["env", "file"], sink: sink) else {
            return nil
        }
        if let name = m.text("env") {
            guard let value = environment[name], !value.isEmpty else {
                sink.error(m.valueLocation("env"), "the environment variable '\(name)' is not set", hint: "Set it before starting soh api.")
                return nil
            }
            return value
        }
        if let path = m.text("file") {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                sink.error(m.valueLocation("file"), "cannot read the secret file '\(path)'")
                return nil
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        sink.error(m.location, "'\(key)' should name an environment variable or a file",
            hint: "Write '{env: NAME}' or '{file: /path}': secrets are never written in this file.")
        return nil
    }
}
