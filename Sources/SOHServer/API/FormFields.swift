import Foundation
import SOHForms
import SOHModel

/// Turns the fields a browser without JavaScript posts (`name`, `name[day]`, `page[0][question]`)
/// into answers shaped like the runtime's JSON, using the form definition.
enum FormFields {
    /// Decodes `application/x-www-form-urlencoded`, keeping repeated names in order.
    static func decode(_ body: String) -> [(String, String)] {
        body.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    static let metaFields: Set<String> = ["_form", "_version", "_language", "_website"]

    /// The answers, with empty fields left out. A field no question has is not an answer and is
    /// left out, as a JSON body's fields beside `answers` are (docs/api.md): neither can move a
    /// report (`owningForce`) nor fail it.
    static func answers(_ fields: [(String, String)], form: FormDefinition) -> [String: Answer] {
        var values: [String: [String]] = [:]
        for (name, value) in fields where !metaFields.contains(name) { values[name, default: []].append(value) }
        var used = Set<String>()
        func take(_ name: String) -> [String] {
            used.insert(name)
            return values[name] ?? []
        }
        func read(_ q: Question, _ name: String) -> Answer? {
            switch q.type {
            case .content: return nil
            case .date, .address:
                let parts = (q.type == .date ? Question.dateFields : Question.addressFields)
                var result: [String: String] = [:]
                for part in parts { if let v = take("\(name)[\(part)]").last { result[part] = v } }
                let answer = Answer.parts(result)
                return answer.isAnswered ? answer : nil
            case .checkboxes, .file:
                let list = take(name).filter { !$0.isEmpty }
                return list.isEmpty ? nil : .list(list)
            default:
                guard let v = take(name).last, !v.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
                return .text(v)
            }
        }
        var answers: [String: Answer] = [:]
        for page in form.pages {
            let questions = page.questions + page.questions.flatMap(\.revealed)
            if let rule = page.repeat {
                var items: [[String: Answer]] = []
                for i in 0..<rule.max {
                    var item: [String: Answer] = [:]
                    for q in questions { if let a = read(q, "\(page.id)[\(i)][\(q.id)]") { item[q.id] = a } }
                    if !item.isEmpty { items.append(item) }
                }
                if !items.isEmpty { answers[page.id] = .items(items) }
                continue
            }
            for q in questions { if let a = read(q, q.id) { answers[q.id] = a } }
        }
        return answers
    }

    /// Without JavaScript every conditional part is on the page; answers to parts that do not
    /// apply are dropped rather than refused, as the runtime would never have sent them.
    static func keepAsked(_ answers: [String: Answer], form: FormDefinition, today: CalendarDate) -> [String: Answer] {
        var kept: [String: Answer] = [:]
        for page in FormValidator.askedPages(form, answers: answers, today: today) where page.kind != .exit {
            if page.repeat != nil {
                kept[page.id] = answers[page.id]
                continue
            }
            for q in page.questions where q.takesAnswer {
                kept[q.id] = answers[q.id]
                for option in q.options ?? [] {
                    guard let reveal = option.reveal else { continue }
                    let chosen: Bool = switch answers[q.id] {
                    case .text(let v)?: v == option.value
                    case .list(let l)?: l.contains(option.value)
                    default: false
                    }
                    if chosen { for r in reveal { kept[r.id] = answers[r.id] } }
                }
            }
        }
        return kept
    }
}
