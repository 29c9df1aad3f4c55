import SOHForms
import SOHModel
import Testing

/// Each bad form definition gives exactly these diagnostics, all in one run.
@Suite("Form definitions: strict loading")
struct FormLoaderTests {
    static let start = """
        id: f
        title: F
        version: 1
        confirmation: {title: Sent, body: Done.}
        pages:

        """

    func load(_ pages: String) -> (FormDefinition?, [String]) {
        let sink = DiagnosticSink()
        let form = FormLoader.load(Self.start + pages, file: "content/forms/f.yml", expectedID: "f", languages: ["en", "cy"], sink: sink)
        return (form, sink.sorted.map { $0.description.components(separatedBy: "\n")[0] })
    }

    @Test(arguments: [
        ("unknown key", "  - id: a\n    title: A\n    questions:\n      - {id: q, type: text, label: Q, lable: x}\n",
         ["content/forms/f.yml:9:39: error: unknown key 'lable' in question"]),
        ("unknown type", "  - id: a\n    title: A\n    questions:\n      - {id: q, type: txt, label: Q}\n",
         ["content/forms/f.yml:9:23: error: unknown question type 'txt'"]),
        ("duplicate question id", "  - id: a\n    title: A\n    questions:\n      - {id: q, type: text, label: Q}\n      - {id: q, type: text, label: R}\n",
         ["content/forms/f.yml:10:14: error: duplicate question id 'q' (first on line 9)"]),
        ("duplicate page id", "  - id: a\n    title: A\n    questions: [{id: q, type: text, label: Q}]\n  - id: a\n    title: B\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:9:9: error: duplicate page id 'a' (first on line 6)"]),
        ("condition on a later question", "  - id: a\n    title: A\n    when: {question: q, equals: x}\n    questions: [{id: q, type: text, label: Q}]\n",
         ["content/forms/f.yml:8:22: error: the condition uses 'q', which is asked on this page or later"]),
        ("condition on an unknown question", "  - id: a\n    title: A\n    questions: [{id: q, type: text, label: Q}]\n  - id: b\n    title: B\n    when: {question: zz, equals: x}\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:11:22: error: the condition uses 'zz', which is not a question in this form"]),
        ("condition value not an option", "  - id: a\n    title: A\n    questions: [{id: q, type: yes-no, label: Q}]\n  - id: b\n    title: B\n    when: {question: q, equals: maybe}\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:11:33: error: 'maybe' is not an option of 'q'"]),
        ("before on a text question", "  - id: a\n    title: A\n    questions: [{id: q, type: text, label: Q}]\n  - id: b\n    title: B\n    when: {question: q, before: today}\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:11:25: error: 'before' applies to date questions; 'q' is text"]),
        ("condition with two operators", "  - id: a\n    title: A\n    questions: [{id: q, type: yes-no, label: Q}]\n  - id: b\n    title: B\n    when: {question: q, equals: \"yes\", notEquals: \"no\"}\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:11:11: error: a condition needs exactly one of: equals, notEquals, in, contains, answered, before, after"]),
        ("exit page with questions", "  - id: a\n    title: A\n    questions: [{id: q, type: text, label: Q}]\n  - id: stop\n    kind: exit\n    title: Stop\n    body: Call 999.\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:13:5: error: an exit page cannot have questions"]),
        ("unreachable page after an exit", "  - id: a\n    title: A\n    questions: [{id: q, type: text, label: Q}]\n  - id: stop\n    kind: exit\n    title: Stop\n    body: Call 999.\n  - id: b\n    title: B\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:13:5: error: page 'b' can never be reached: the exit page on line 9 has no 'when' and always ends the form"]),
        ("radios without options", "  - id: a\n    title: A\n    questions: [{id: q, type: radios, label: Q}]\n",
         ["content/forms/f.yml:8:17: error: a 'radios' question needs 'options'"]),
        ("min on a text question", "  - id: a\n    title: A\n    questions: [{id: q, type: text, label: Q, min: 3}]\n",
         ["content/forms/f.yml:8:47: error: 'min' applies to number questions only"]),
        ("repeat min above max", "  - id: a\n    title: A\n    repeat: {min: 3, max: 2, itemName: car}\n    questions: [{id: q, type: text, label: Q}]\n",
         ["content/forms/f.yml:8:13: error: repeat 'min' (3) is more than 'max' (2)"]),
        ("condition on a repeated question", "  - id: a\n    title: A\n    repeat: {min: 1, max: 2, itemName: car}\n    questions: [{id: q, type: text, label: Q}]\n  - id: b\n    title: B\n    when: {question: q, answered: true}\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:12:22: error: a condition cannot use 'q': it is on a repeated page"]),
        ("unknown message code", "  - id: a\n    title: A\n    questions: [{id: q, type: email, label: Q, messages: {tooShort: x}}]\n",
         ["content/forms/f.yml:8:59: error: unknown key 'tooShort' in 'messages'"]),
        ("file question with a kind soh cannot recognise", "  - id: a\n    title: A\n    questions: [{id: q, type: file, label: Q, accept: [image/jpeg, application/zip]}]\n",
         ["content/forms/f.yml:8:55: error: 'application/zip' is not a kind of file soh can recognise"]),
        ("file question without accept", "  - id: a\n    title: A\n    questions: [{id: q, type: file, label: Q}]\n",
         ["content/forms/f.yml:8:17: error: a 'file' question needs 'accept'"]),
        ("file question larger than any file may be", "  - id: a\n    title: A\n    questions: [{id: q, type: file, label: Q, accept: [video/*], maxSize: 5 GB}]\n",
         ["content/forms/f.yml:8:75: error: 'maxSize' should be a size like 20 MB, at most 2GB"]),
        ("accept on a text question", "  - id: a\n    title: A\n    questions: [{id: q, type: text, label: Q, accept: [image/*]}]\n",
         ["content/forms/f.yml:8:47: error: 'accept' applies to file questions only"]),
        ("bad date in a condition", "  - id: a\n    title: A\n    questions: [{id: q, type: date, label: Q}]\n  - id: b\n    title: B\n    when: {question: q, after: 2020-13-01}\n    questions: [{id: r, type: text, label: R}]\n",
         ["content/forms/f.yml:11:32: error: '2020-13-01' is not a date"]),
    ])
    func badDefinition(_ name: String, _ pages: String, _ expected: [String]) {
        let (_, errors) = load(pages)
        #expect(errors == expected, "\(name)")
    }

    /// `receipt:` names a radios question whose `email` and `text` options each say where the
    /// confirmation goes; the mobile question takes UK mobiles only.
    @Test func aReceiptNamesWhereTheConfirmationGoes() throws {
        func load(receipt: String, mobile: String = "mobile: true", required: String = "") -> (FormDefinition?, [String]) {
            let text = """
                id: f
                title: F
                version: 1
                confirmation: {title: Sent, body: Done.}
                receipt: \(receipt)
                pages:
                  - id: a
                    title: A
                    questions:
                      - {id: email, type: email, label: Email\(required)}
                      - id: receipt
                        type: radios
                        label: Confirmation?
                        required: false
                        options:
                          - {value: email, label: By email}
                          - {value: text, label: By text, reveal: [{id: receipt-mobile, type: phone, label: Mobile, \(mobile)}]}
                          - {value: none, label: No}

                """
            let sink = DiagnosticSink()
            let form = FormLoader.load(text, file: "content/forms/f.yml", expectedID: "f", languages: ["en"], sink: sink)
            return (form, sink.sorted.map { $0.description.components(separatedBy: "\n")[0] })
        }
        let (form, problems) = load(receipt: "{question: receipt, email: email, mobile: receipt-mobile}")
        #expect(problems == [])
        let receipt = try #require(form?.receipt)
        #expect(receipt.recipient(["receipt": .text("email"), "email": .text(" sam@example.com ")]) == .email("sam@example.com"))
        #expect(receipt.recipient(["receipt": .text("text"), "receipt-mobile": .text("07700 900 982")]) == .text("+447700900982"))
        #expect(receipt.recipient(["receipt": .text("none"), "email": .text("sam@example.com")]) == nil)
        #expect(receipt.recipient(["email": .text("sam@example.com")]) == nil, "not asked for: none sent")
        // The browser never sees where confirmations go.
        #expect(!String(decoding: try FormLoader.json(try #require(form)), as: UTF8.self).contains("\"receipt\":{"))
        #expect(load(receipt: "{question: receipt, email: email}").1
            == ["content/forms/f.yml:5:10: error: 'receipt' has a 'text' option and 'receipt' names no 'mobile' question"])
        #expect(load(receipt: "{question: receipt, email: email, mobile: receipt-mobile}", mobile: "required: true").1
            == ["content/forms/f.yml:5:52: error: 'receipt-mobile' must say 'mobile: true': texts go to mobile numbers only"])
        #expect(load(receipt: "{question: receipt, email: email, mobile: receipt-mobile}", required: ", required: false").1
            == ["content/forms/f.yml:5:37: error: 'email' may be left unanswered, so an 'email' confirmation could have nowhere to go"])
        #expect(load(receipt: "{question: reciept, email: email, mobile: receipt-mobile}").1
            == ["content/forms/f.yml:5:21: error: 'question' names 'reciept', which is not a question of this form"])
        #expect(load(receipt: "{question: email, email: email, mobile: receipt-mobile}").1
            .contains("content/forms/f.yml:5:21: error: 'question' names 'email', which is a 'email' question, not 'radios'"))
    }

    @Test func everyProblemInOneRun() {
        let (_, errors) = load("  - id: a\n    title: A\n    questions:\n      - {id: q, type: txt, label: Q}\n      - {id: r, type: text, label: R, colour: red}\n  - id: B\n    title: B\n    kind: exitt\n")
        #expect(errors == [
            "content/forms/f.yml:9:23: error: unknown question type 'txt'",
            "content/forms/f.yml:10:39: error: unknown key 'colour' in question",
            "content/forms/f.yml:11:5: error: page 'B' has no questions",
            "content/forms/f.yml:11:9: error: page id 'B' should be lower-case letters, digits and hyphens",
            "content/forms/f.yml:13:11: error: unknown page kind 'exitt'",
        ])
    }

    @Test func theFileNameIsTheID() {
        let sink = DiagnosticSink()
        _ = FormLoader.load(Self.start.replacingOccurrences(of: "id: f", with: "id: g") + "  - id: a\n    title: A\n    questions: [{id: q, type: text, label: Q}]\n",
                            file: "content/forms/f.yml", expectedID: "f", languages: ["en"], sink: sink)
        #expect(sink.all.map(\.message) == ["form id 'g' does not match the file name 'f.yml'"])
    }

    @Test func messagesAreResolvedInBothLanguages() throws {
        let (form, errors) = load("  - id: a\n    title: A\n    questions:\n      - {id: q, type: text, label: Q, name: {en: your name, cy: eich enw}, maxLength: 5}\n")
        #expect(errors.isEmpty)
        let q = try #require(form?.question("q"))
        #expect(q.messages["required"]?.text("en") == "Enter your name")
        #expect(q.messages["required"]?.text("cy") == "Rhowch eich enw")
        #expect(q.messages["tooLong"]?.text("en") == "Your name must be 5 characters or fewer")
        // Welsh joins "i" with the possessive or article a name starts with.
        #expect(q.messages["tooLong"]?.text("cy") == "Rhaid i'ch enw fod yn 5 nod neu lai")
        let (dated, _) = load("  - id: a\n    title: A\n    questions:\n      - {id: d, type: date, label: D, name: {en: the date, cy: y dyddiad}}\n")
        #expect(try #require(dated?.question("d")).messages["invalid"]?.text("cy") == "Rhaid i'r dyddiad fod yn ddyddiad go iawn")
    }

    /// The name follows an imperative or "i" in every Welsh message, so it takes the soft mutation.
    @Test(arguments: [
        ("disgrifiad", "Rhowch ddisgrifiad", "Rhaid i ddisgrifiad fod yn 5 nod neu lai"),
        ("math o drosedd", "Rhowch fath o drosedd", "Rhaid i fath o drosedd fod yn 5 nod neu lai"),
        ("gwerth", "Rhowch werth", "Rhaid i werth fod yn 5 nod neu lai"),
        ("rhif cofrestru", "Rhowch rif cofrestru", "Rhaid i rif cofrestru fod yn 5 nod neu lai"),
        ("llwybr", "Rhowch lwybr", "Rhaid i lwybr fod yn 5 nod neu lai"),
        ("pwy gafodd ei anafu", "Rhowch pwy gafodd ei anafu", "Rhaid i pwy gafodd ei anafu fod yn 5 nod neu lai"),
        ("beth ddigwyddodd", "Rhowch beth ddigwyddodd", "Rhaid i beth ddigwyddodd fod yn 5 nod neu lai"),
        ("chwaraeon", "Rhowch chwaraeon", "Rhaid i chwaraeon fod yn 5 nod neu lai"),
        ("y dyddiad", "Rhowch y dyddiad", "Rhaid i'r dyddiad fod yn 5 nod neu lai"),
    ])
    func welshNamesTakeTheSoftMutation(_ name: String, _ required: String, _ tooLong: String) throws {
        let (form, errors) = load("  - id: a\n    title: A\n    questions:\n      - {id: q, type: text, label: Q, name: {en: it, cy: \(name)}, maxLength: 5}\n")
        #expect(errors.isEmpty)
        let q = try #require(form?.question("q"))
        #expect(q.messages["required"]?.text("cy") == required)
        #expect(q.messages["tooLong"]?.text("cy") == tooLong)
    }
}
