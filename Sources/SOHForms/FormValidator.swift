import Foundation
import Synchronization
import SOHModel

/// One problem with an answer: the question (`page[2].question` inside repeated pages), a stable
/// code, and the message a person sees. The same codes and messages as the browser runtime.
public struct FormError: Sendable, Codable, Equatable, CustomStringConvertible {
    public var question: String
    public var code: String
    public var message: String

    public init(question: String, code: String, message: String) {
        self.question = question
        self.code = code
        self.message = message
    }

    public var description: String { "\(question): \(code)" }
}

/// Validates a set of answers against a form: which pages were asked (conditions), which answers
/// should not be there, and each answer's rules. Mirrors `forms-logic.js` rule for rule.
public enum FormValidator {
    public struct Options: Sendable {
        public var today: CalendarDate
        public var language: String
        public init(today: CalendarDate, language: String = "en") {
            self.today = today
            self.language = language
        }
    }

    /// The pages a person with these answers is asked, in order (exit pages included).
    public static func askedPages(_ form: FormDefinition, answers: [String: Answer], today: CalendarDate) -> [FormPage] {
        var effective: [String: Answer] = [:]
        var asked: [FormPage] = []
        for page in form.pages {
            if let when = page.when, !ConditionEvaluator.evaluate(when, answers: effective, today: today) { continue }
            asked.append(page)
            if page.kind == .exit { break }  // the journey ends here: nothing after it is asked
            if page.repeat != nil { continue }
            for question in askedQuestions(page, answers: answers) {
                if let answer = answers[question.id] { effective[question.id] = answer }
            }
        }
        return asked
    }

    /// Questions of a page that are asked: revealed ones only under a chosen option.
    static func askedQuestions(_ page: FormPage, answers: [String: Answer]) -> [Question] {
        var result: [Question] = []
        for question in page.questions where question.takesAnswer {
            result.append(question)
            for option in question.options ?? [] {
                guard let reveal = option.reveal, selects(answers[question.id], option.value) else { continue }
                result += reveal
            }
        }
        return result
    }

    static func selects(_ answer: Answer?, _ value: String) -> Bool {
        switch answer {
        case .text(let s)?: s == value
        case .list(let l)?: l.contains(value)
        default: false
        }
    }

    public static func validate(_ form: FormDefinition, answers: [String: Answer], options: Options) -> [FormError] {
        let language = options.language
        var errors: [FormError] = []
        let pages = askedPages(form, answers: answers, today: options.today)
        var askedIDs = Set<String>()
        for page in pages {
            if page.kind == .exit {
                errors.append(FormError(question: page.id, code: "exit", message: page.title.text(language)))
                continue
            }
            if let rule = page.repeat {
                askedIDs.insert(page.id)
                errors += validateRepeat(page, rule: rule, answer: answers[page.id], form: form, options: options)
                continue
            }
            for question in askedQuestions(page, answers: answers) {
                askedIDs.insert(question.id)
                errors += validate(question, answers[question.id], path: question.id, options: options)
            }
        }
        let known = Set(form.allQuestions.filter { $0.question.takesAnswer }.map(\.question.id) + form.pages.filter { $0.repeat != nil }.map(\.id))
        for (key, answer) in answers.sorted(by: { $0.key < $1.key }) where !askedIDs.contains(key) {
            if !known.contains(key) {
                errors.append(FormError(question: key, code: "unknown", message: form.messages["unknown"]?.text(language) ?? "unknown"))
            } else if answer.isAnswered {
                let message = (form.question(key)?.messages["notAsked"] ?? form.messages["notAsked"])?.text(language) ?? "notAsked"
                errors.append(FormError(question: key, code: "notAsked", message: message))
            }
        }
        return errors
    }

    static func validateRepeat(_ page: FormPage, rule: FormPage.Repeat, answer: Answer?, form: FormDefinition, options: Options) -> [FormError] {
        let language = options.language
        var items: [[String: Answer]] = []
        switch answer {
        case nil: items = []
        case .list(let l)? where l.isEmpty: items = []
        case .items(let list)?: items = list
        default:
            return [FormError(question: page.id, code: "malformed", message: form.messages["malformed"]?.text(language) ?? "malformed")]
        }
        var errors: [FormError] = []
        if items.count < rule.min { errors.append(FormError(question: page.id, code: "tooFew", message: rule.messages["tooFew"]?.text(language) ?? "")) }
        if items.count > rule.max { errors.append(FormError(question: page.id, code: "tooMany", message: rule.messages["tooMany"]?.text(language) ?? "")) }
        for (i, item) in items.enumerated() {
            var asked = Set<String>()
            for question in askedQuestions(page, answers: item) {
                asked.insert(question.id)
                errors += validate(question, item[question.id], path: "\(page.id)[\(i)].\(question.id)", options: options)
            }
            for (key, value) in item.sorted(by: { $0.key < $1.key }) where !asked.contains(key) {
                let question = (page.questions + page.questions.flatMap(\.revealed)).first { $0.id == key }
                if question == nil {
                    errors.append(FormError(question: "\(page.id)[\(i)].\(key)", code: "unknown", message: form.messages["unknown"]?.text(language) ?? "unknown"))
                } else if value.isAnswered {
                    errors.append(FormError(question: "\(page.id)[\(i)].\(key)", code: "notAsked", message: question?.messages["notAsked"]?.text(language) ?? "notAsked"))
                }
            }
        }
        return errors
    }

    /// The rules of one question. `path` names it in the error.
    static func validate(_ q: Question, _ answer: Answer?, path: String, options: Options) -> [FormError] {
        func error(_ code: String) -> [FormError] {
            [FormError(question: path, code: code, message: q.messages[code]?.text(options.language) ?? code)]
        }
        guard let answer, answer.isAnswered else {
            if q.type == .address, q.required { return error("line1Required") + error("townRequired") + error("postcodeRequired") }
            return q.required ? error("required") : []
        }
        switch q.type {
        case .content:
            return []
        case .checkboxes:
            guard case .list(let values) = answer else { return error("malformed") }
            let allowed = Set((q.options ?? []).map(\.value))
            return values.allSatisfy(allowed.contains) ? [] : error("invalidOption")
        case .file:
            // The uploads themselves (kind, size, scan) are checked by the API, which holds them.
            guard case .list(let ids) = answer, Set(ids).count == ids.count,
                  ids.allSatisfy({ Rules.matches($0, Question.uploadIDPattern) }) else { return error("malformed") }
            return ids.count > (q.files?.maxFiles ?? 0) ? error("tooManyFiles") : []
        case .date:
            guard case .parts(let parts) = answer else { return error("malformed") }
            return validateDate(q, parts, today: options.today, error: error)
        case .address:
            guard case .parts(let parts) = answer else { return error("malformed") }
            var errors: [FormError] = []
            func has(_ key: String) -> Bool { !(parts[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            if !has("line1") { errors += error("line1Required") }
            if !has("town") { errors += error("townRequired") }
            if !has("postcode") { errors += error("postcodeRequired") }
            else if !Rules.isPostcode(parts["postcode"] ?? "") { errors += error("postcodeInvalid") }
            if parts.keys.contains(where: { !Question.addressFields.contains($0) }) { errors += error("malformed") }
            return errors
        default:
            break
        }
        guard case .text(let raw) = answer else { return error("malformed") }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let length = value.unicodeScalars.count
        switch q.type {
        case .text, .textarea:
            if let max = q.maxLength, length > max { return error("tooLong") }
            if let min = q.minLength, length < min { return error("tooShort") }
        case .email:
            if let max = q.maxLength, length > max { return error("tooLong") }
            if !Rules.isEmail(value) { return error("invalid") }
        case .phone:
            if !Rules.isPhone(value) || (q.mobile == true && !Rules.isMobile(value)) { return error("invalid") }
        case .postcode:
            if !Rules.isPostcode(value) { return error("invalid") }
        case .registration:
            if !Rules.isRegistration(value) { return error("invalid") }
        case .time:
            if !Rules.isTime(value) { return error("invalid") }
        case .number:
            guard let number = Rules.number(value) else { return error("invalid") }
            if q.wholeNumber == true, value.contains(".") { return error("wholeNumber") }
            if let min = q.min, number < min { return error("tooSmall") }
            if let max = q.max, number > max { return error("tooLarge") }
        case .radios, .select, .area:
            if !(q.options ?? []).contains(where: { $0.value == raw }) { return error("invalidOption") }
        case .yesNo:
            if raw != "yes", raw != "no" { return error("invalidOption") }
        case .declaration:
            if raw != "yes" { return error("required") }
        default:
            break
        }
        return []
    }

    static func validateDate(_ q: Question, _ parts: [String: String], today: CalendarDate, error: (String) -> [FormError]) -> [FormError] {
        if parts.keys.contains(where: { !Question.dateFields.contains($0) }) { return error("malformed") }
        let fields = Question.dateFields.map { (parts[$0] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        if fields.contains(where: \.isEmpty) { return error("incomplete") }
        guard fields.allSatisfy({ Rules.matches($0, "^[0-9]+$") }), let d = Int(fields[0]), let m = Int(fields[1]), let y = Int(fields[2]),
              fields[2].count == 4, CalendarDate.isValid(year: y, month: m, day: d)
        else { return error("invalid") }
        let date = CalendarDate(year: y, month: m, day: d)
        let rule = q.dateRule
        if rule?.past == true, today < date { return error("future") }
        if rule?.future == true, date < today { return error("past") }
        if let minAge = rule?.minAge, date.years(until: today) < minAge { return error("tooYoung") }
        if let maxAge = rule?.maxAge, date.years(until: today) > maxAge { return error("tooOld") }
        return []
    }
}

/// The formats of UK answers. The JavaScript runtime uses the same regular expressions.
public enum Rules {
    static func matches(_ text: String, _ pattern: String, caseInsensitive: Bool = false) -> Bool {
        let key = (caseInsensitive ? "i " : "c ") + pattern
        // Compiled once each (a handful of patterns): compiling was a tenth of the API's work.
        let regex = compiled.withLock { cache -> NSRegularExpression? in
            if let known = cache[key] { return known }
            let made = try? NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
            cache[key] = made
            return made
        }
        guard let regex else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    private static let compiled = Mutex<[String: NSRegularExpression]>([:])

    public static func isEmail(_ s: String) -> Bool { matches(s, #"^[^\s@]+@[^\s@]+\.[^\s@]+$"#) }

    /// UK numbers: 10 or 11 digits starting with 0, or +44 / 0044 instead of the 0.
    public static func isPhone(_ s: String) -> Bool {
        matches(phoneDigits(s), "^0[0-9]{9,10}$")
    }

    /// UK mobile numbers (071–075, 077–079 and 07624), as `isPhone` writes them.
    public static func isMobile(_ s: String) -> Bool {
        matches(phoneDigits(s), "^07([1-57-9][0-9]{8}|624[0-9]{6})$")
    }

    /// A UK number in E.164, for sending a text: `+447700900982`.
    public static func e164(_ s: String) -> String { "+44" + phoneDigits(s).dropFirst() }

    public static func isPostcode(_ s: String) -> Bool {
        let compact = compactRegistration(s)
        return compact == "GIR0AA" || matches(compact, "^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
    }

    /// Letters and digits, 2 to 8 of them, with at least one of each (covers current, prefix,
    /// suffix and dateless plates).
    public static func isRegistration(_ s: String) -> Bool {
        let compact = compactRegistration(s)
        return matches(compact, "^[A-Z0-9]{2,8}$") && matches(compact, "[A-Z]") && matches(compact, "[0-9]")
    }

    /// `14:30`, `9.05`, `2pm`, `2:30 pm`.
    public static func isTime(_ s: String) -> Bool {
        matches(s, "^([01]?[0-9]|2[0-3])[:.][0-5][0-9]$") || matches(s, #"^(1[0-2]|0?[1-9])([:.][0-5][0-9])?\s?(am|pm)$"#, caseInsensitive: true)
    }

    // The same answers written one way, for systems that compare them (the delivered report).

    /// `2:30 pm` → `14:30:00`; nil when `isTime` is false.
    public static func time24(_ s: String) -> String? {
        let text = s.trimmingCharacters(in: .whitespaces).lowercased()
        guard isTime(text) else { return nil }
        let pm = text.hasSuffix("pm"), am = text.hasSuffix("am")
        let clock = (am || pm) ? text.dropLast(2).trimmingCharacters(in: .whitespaces) : text
        let parts = clock.split(whereSeparator: { $0 == ":" || $0 == "." }).compactMap { Int($0) }
        guard var hour = parts.first else { return nil }
        if pm, hour < 12 { hour += 12 }
        if am, hour == 12 { hour = 0 }
        return String(format: "%02d:%02d:00", hour, parts.count > 1 ? parts[1] : 0)
    }

    /// `ab12 cde` → `AB12CDE`.
    public static func compactRegistration(_ s: String) -> String {
        s.uppercased().replacingOccurrences(of: #"\s"#, with: "", options: .regularExpression)
    }

    /// `sw1a2aa` → `SW1A 2AA`.
    public static func formattedPostcode(_ s: String) -> String {
        let compact = compactRegistration(s)
        guard compact.count > 3 else { return compact }
        return compact.dropLast(3) + " " + compact.suffix(3)
    }

    /// `+44 (0)7700 900-982` → `07700900982`.
    public static func phoneDigits(_ s: String) -> String {
        var digits = s.replacingOccurrences(of: #"[\s().-]"#, with: "", options: .regularExpression)
        if digits.hasPrefix("+44") { digits = "0" + digits.dropFirst(3) }
        else if digits.hasPrefix("0044") { digits = "0" + digits.dropFirst(4) }
        return digits
    }

    /// `1,250.50` → 1250.5; nil when it is not a number as the validator takes one.
    public static func number(_ s: String) -> Double? {
        let cleaned = s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
        guard matches(cleaned, #"^-?[0-9]+(\.[0-9]+)?$"#) else { return nil }
        return Double(cleaned)
    }
}
