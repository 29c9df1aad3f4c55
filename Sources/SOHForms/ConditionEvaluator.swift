import SOHModel

/// Decides whether a condition holds for the answers given so far.
public enum ConditionEvaluator {
    public static func evaluate(_ condition: Condition, answers: [String: Answer], today: CalendarDate) -> Bool {
        switch condition {
        case .all(let list): return list.allSatisfy { evaluate($0, answers: answers, today: today) }
        case .any(let list): return list.contains { evaluate($0, answers: answers, today: today) }
        case .not(let inner): return !evaluate(inner, answers: answers, today: today)
        case .equals(let q, let v): return answers[q]?.text == v
        case .notEquals(let q, let v): return answers[q]?.text != v
        case .isIn(let q, let values): return answers[q]?.text.map(values.contains) ?? false
        case .contains(let q, let v):
            if case .list(let l)? = answers[q] { return l.contains(v) }
            return false
        case .answered(let q, let expected): return (answers[q]?.isAnswered ?? false) == expected
        case .before(let q, let v):
            guard let date = date(answers[q]), let bound = bound(v, today) else { return false }
            return date < bound
        case .after(let q, let v):
            guard let date = date(answers[q]), let bound = bound(v, today) else { return false }
            return bound < date
        }
    }

    static func bound(_ text: String, _ today: CalendarDate) -> CalendarDate? { text == "today" ? today : CalendarDate(iso: text) }

    /// A date answer's value when it is a real date.
    static func date(_ answer: Answer?) -> CalendarDate? {
        guard case .parts(let p)? = answer, let d = Int(p["day"] ?? ""), let m = Int(p["month"] ?? ""), let y = Int(p["year"] ?? ""),
              CalendarDate.isValid(year: y, month: m, day: d) else { return nil }
        return CalendarDate(year: y, month: m, day: d)
    }
}
