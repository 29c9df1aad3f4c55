import Foundation
import SOHForms
import SOHModel

/// The POLE entities a mapped form's answers make: the incident's own attributes, and one
/// resource per declared entity that something filled (or that something filled hangs off),
/// once per item for entities made for each item of a repeated page.
extension DeliveryDocument {
    struct Entities {
        var incident: [String: Value] = [:]
        var incidentLinks: [String: [Identifier]] = [:]
        var included: [Resource] = []
        /// File questions whose attachments an entity other than the incident links.
        var filesLinked: Set<String> = []
    }

    /// One entity made from the answers: its declared name, and the item it was made for.
    struct Made: Hashable {
        var name: String
        var item: Int?
    }

    static func entities(_ report: Report, form: FormDefinition, mapping: POLEMapping, files: [String: [Identifier]] = [:]) -> Entities {
        var repeatedPage: [String: String] = [:]
        for page in form.pages where page.repeat != nil {
            for q in page.questions.flatMap({ [$0] + $0.revealed }) { repeatedPage[q.id] = page.id }
        }
        var result = Entities()
        var attributes: [Made: [String: Value]] = [:]
        var attached: [Made: [Identifier]] = [:]
        for (question, target) in mapping.fills.sorted(by: { $0.key < $1.key }) {
            guard let type = mapping.type(of: target.entity), let kind = POLE.attributes[type]?[target.attribute] else { continue }
            if kind == .files {
                // Files (never on a repeated page) make the entity they are linked to.
                if target.entity != "incident", let ids = files[question] {
                    attached[Made(name: target.entity, item: nil), default: []] += ids
                    result.filesLinked.insert(question)
                }
                continue
            }
            var answers: [(item: Int?, answer: Answer)] = []
            if let page = repeatedPage[question] {
                if case .items(let items)? = report.answers[page] {
                    answers = items.enumerated().compactMap { i, item in item[question].map { (i, $0) } }
                }
            } else if let answer = report.answers[question] {
                answers = [(nil, answer)]
            }
            for (item, answer) in answers {
                let values = Self.values(answer, as: kind, attribute: target.attribute)
                guard !values.isEmpty else { continue }
                if target.entity == "incident" {
                    result.incident.merge(values) { first, _ in first }
                } else {
                    attributes[Made(name: target.entity, item: item), default: [:]].merge(values) { first, _ in first }
                }
            }
        }
        // Something hanging off an entity makes it too (a driver's name makes the vehicle).
        func parent(of made: Made) -> Made? {
            guard let entity = mapping.entity(made.name), let parent = entity.parent.flatMap(mapping.entity) else { return nil }
            return Made(name: parent.name, item: parent.each == nil ? nil : made.item)
        }
        var exists = Set(attributes.keys).union(attached.keys)
        for made in exists {
            var next = parent(of: made)
            while let p = next { exists.insert(p); next = parent(of: p) }
        }
        var order: [(made: Made, id: Identifier)] = []
        var links: [Made: [String: [Identifier]]] = attached.mapValues { ["attachments": $0] }
        for entity in mapping.entities {
            for made in exists.filter({ $0.name == entity.name }).sorted(by: { ($0.item ?? -1) < ($1.item ?? -1) }) {
                let id = Identifier(id: uuid("entity:\(entity.name):\(made.item.map(String.init) ?? "")", report.reference), type: entity.type.rawValue)
                if let p = parent(of: made) {
                    links[p, default: [:]][entity.relationship, default: []].append(id)
                } else {
                    result.incidentLinks[entity.relationship, default: []].append(id)
                }
                order.append((made, id))
            }
        }
        result.included = order.map { made, id in
            Resource(id: id.id, type: id.type, attributes: attributes[made] ?? [:],
                     relationships: links[made].map { $0.mapValues { Linkage(data: $0) } })
        }
        return result
    }

    /// An answer as the attribute holds it (`POLE.Value` says how); empty when the answer is not
    /// of the kind the attribute takes (a report kept from an older version of the form).
    static func values(_ answer: Answer, as kind: POLE.Value, attribute: String) -> [String: Value] {
        func trimmed(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }
        switch (kind, answer) {
        case (.text, .text(let s)), (.code, .text(let s)), (.email, .text(let s)):
            return [attribute: .text(trimmed(s))]
        case (.name, .text(let s)):
            let words = trimmed(s).split(whereSeparator: \.isWhitespace).map(String.init)
            guard let surname = words.last else { return [:] }
            var name: [String: Value] = ["fullName": .text(words.joined(separator: " ")), "surname": .text(surname)]
            if words.count > 1 { name["givenName"] = .texts(Array(words.dropLast())) }
            return name
        case (.date, .parts(let p)):
            return isoDate(p).map { [attribute: .text($0)] } ?? [:]
        case (.dateRange, .parts(let p)):
            return isoDate(p).map { [attribute: .fields(["dateFrom": $0, "dateTo": $0])] } ?? [:]
        case (.time, .text(let s)):
            return Rules.time24(s).map { [attribute: .text($0)] } ?? [:]
        case (.boolean, .text(let s)) where s == "yes" || s == "no":
            return [attribute: .bool(s == "yes")]
        case (.number, .text(let s)):
            guard let n = Rules.number(s) else { return [:] }
            return [attribute: n == n.rounded() && abs(n) < 1e15 ? .int(Int(n)) : .number(n)]
        case (.codes, .list(let values)):
            return [attribute: .texts(values)]
        case (.registration, .text(let s)):
            return [attribute: .text(Rules.compactRegistration(trimmed(s)))]
        case (.telephone, .text(let s)):
            return [attribute: .text(Rules.phoneDigits(trimmed(s)))]
        case (.postcode, .text(let s)):
            return [attribute: .text(Rules.formattedPostcode(trimmed(s)))]
        case (.address, .parts(let p)):
            let names = ["line1": "addressLine1", "line2": "addressLine2", "town": "town", "county": "county"]
            var address: [String: Value] = [:]
            for (part, name) in names { if let v = p[part].map(trimmed), !v.isEmpty { address[name] = .text(v) } }
            if let v = p["postcode"].map(trimmed), !v.isEmpty { address["postcode"] = .text(Rules.formattedPostcode(v)) }
            return address
        default:
            return [:]
        }
    }

    /// `{day: "1", month: "2", year: "2026"}` → `2026-02-01`; nil for a date that does not exist.
    static func isoDate(_ parts: [String: String]) -> String? {
        guard let d = parts["day"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }),
              let m = parts["month"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }),
              let y = parts["year"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }),
              CalendarDate.isValid(year: y, month: m, day: d) else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }
}
