import SOHModel

/// Answers that a form accepts, as a person would give them: conditions followed, exit pages
/// avoided, every asked question answered. The example of each form's operation in the API's
/// OpenAPI document (so a force's IT team, and property-based tests, can send one that is
/// stored), and the tests' sample report.
extension FormDefinition {
    /// `force`: the force whose area an area question names (the first area otherwise).
    public func exampleAnswers(force: String? = nil, today: CalendarDate) -> [String: Answer] {
        func value(_ q: Question) -> Answer? {
            switch q.type {
            // Files are uploaded before a report is sent: an example has none to name.
            case .content, .file: return nil
            case .text, .textarea: return .text("Sample answer")
            case .email: return .text("sam@example.com")
            case .phone: return .text("07700 900982")
            case .postcode: return .text("SW1A 2AA")
            case .number: return .text(String(Int(max(q.min ?? 1, 1))))
            case .date:
                let year = q.dateRule?.future == true ? today.year + 1 : 1990
                return .parts(["day": "1", "month": "2", "year": String(year)])
            case .time: return .text("14:30")
            case .radios, .select: return q.options?.first.map { .text($0.value) }
            case .area: return (q.options?.first { $0.group == force } ?? q.options?.first).map { .text($0.value) }
            case .checkboxes: return q.required ? q.options?.last.map { .list([$0.value]) } : nil
            case .yesNo: return .text("no")
            case .address: return .parts(["line1": "1 High Street", "town": "Leeds", "postcode": "LS1 1AA"])
            case .registration: return .text("AB12 CDE")
            case .declaration: return .text("yes")
            }
        }
        var answers: [String: Answer] = [:]
        for page in pages {
            let asked = FormValidator.askedPages(self, answers: answers, today: today)
            guard asked.contains(where: { $0.id == page.id }), page.kind != .exit else { continue }
            if page.repeat != nil {
                var item: [String: Answer] = [:]
                for q in page.questions { item[q.id] = value(q) }
                answers[page.id] = .items([item])
                continue
            }
            for q in page.questions {
                guard let a = value(q) else { continue }
                answers[q.id] = a
                if case .text(let chosen) = a, let reveal = q.options?.first(where: { $0.value == chosen })?.reveal {
                    for r in reveal { answers[r.id] = value(r) }
                }
            }
        }
        return answers
    }
}
