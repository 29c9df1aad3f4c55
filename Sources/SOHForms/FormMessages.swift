import SOHMarkdown
import SOHModel

/// The default error messages, in English and Welsh, resolved for each question at load time so
/// the Swift and JavaScript validators only look them up. A question's `messages` override them.
enum FormMessages {
    typealias Table = [String: [String: String]]  // code → language → text

    static let texts: [String: [String: String]] = [
        "requiredEnter": ["en": "Enter {name}", "cy": "Rhowch {name}"],
        "requiredSelect": ["en": "Select {name}", "cy": "Dewiswch {name}"],
        "requiredDeclaration": ["en": "You must confirm to continue", "cy": "Rhaid i chi gadarnhau i barhau"],
        "tooLong": ["en": "{Name} must be {maxLength} characters or fewer", "cy": "Rhaid i {name} fod yn {maxLength} nod neu lai"],
        "tooShort": ["en": "{Name} must be {minLength} characters or more", "cy": "Rhaid i {name} fod yn {minLength} nod neu fwy"],
        "emailInvalid": ["en": "Enter an email address in the correct format, like name@example.com",
                         "cy": "Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@enghraifft.com"],
        "phoneInvalid": ["en": "Enter a UK telephone number, like 01632 960 001 or 07700 900 982",
                         "cy": "Rhowch rif ffôn yn y DU, fel 01632 960 001 neu 07700 900 982"],
        "mobileInvalid": ["en": "Enter a UK mobile number, like 07700 900 982", "cy": "Rhowch rif ffôn symudol yn y DU, fel 07700 900 982"],
        "postcodeInvalid": ["en": "Enter a full UK postcode, like SW1A 2AA", "cy": "Rhowch god post llawn yn y DU, fel SW1A 2AA"],
        "numberInvalid": ["en": "{Name} must be a number", "cy": "Rhaid i {name} fod yn rhif"],
        "wholeNumber": ["en": "{Name} must be a whole number", "cy": "Rhaid i {name} fod yn rhif cyfan"],
        "tooSmall": ["en": "{Name} must be {min} or more", "cy": "Rhaid i {name} fod yn {min} neu fwy"],
        "tooLarge": ["en": "{Name} must be {max} or less", "cy": "Rhaid i {name} fod yn {max} neu lai"],
        "dateIncomplete": ["en": "{Name} must include a day, month and year", "cy": "Rhaid i {name} gynnwys diwrnod, mis a blwyddyn"],
        "dateInvalid": ["en": "{Name} must be a real date", "cy": "Rhaid i {name} fod yn ddyddiad go iawn"],
        "dateFuture": ["en": "{Name} must be today or in the past", "cy": "Rhaid i {name} fod heddiw neu yn y gorffennol"],
        "datePast": ["en": "{Name} must be today or in the future", "cy": "Rhaid i {name} fod heddiw neu yn y dyfodol"],
        "tooYoung": ["en": "You must be at least {minAge} years old", "cy": "Rhaid i chi fod o leiaf {minAge} oed"],
        "tooOld": ["en": "The person must be {maxAge} years old or younger", "cy": "Rhaid i'r person fod yn {maxAge} oed neu'n iau"],
        "timeInvalid": ["en": "Enter a time, like 14:30 or 2:30pm", "cy": "Rhowch amser, fel 14:30 neu 2:30pm"],
        "invalidOption": ["en": "Select one of the options", "cy": "Dewiswch un o'r opsiynau"],
        "registrationInvalid": ["en": "Enter a vehicle registration, like AB12 CDE", "cy": "Rhowch rif cofrestru cerbyd, fel AB12 CDE"],
        "line1Required": ["en": "Enter the first line of the address", "cy": "Rhowch linell gyntaf y cyfeiriad"],
        "townRequired": ["en": "Enter the town or city", "cy": "Rhowch y dref neu'r ddinas"],
        "postcodeRequired": ["en": "Enter the postcode", "cy": "Rhowch y cod post"],
        "malformed": ["en": "This answer is not in the expected form", "cy": "Nid yw'r ateb hwn yn y ffurf ddisgwyliedig"],
        "notAsked": ["en": "This question was not asked, so it cannot be answered", "cy": "Ni ofynnwyd y cwestiwn hwn, felly ni ellir ei ateb"],
        "unknown": ["en": "There is no question with this name", "cy": "Nid oes cwestiwn gyda'r enw hwn"],
        // File questions (docs/evidence.md): `{file}` is the file's name, filled in where the
        // file is known (the browser, the API); the sizes and kinds from the question.
        "requiredFile": ["en": "Select {name}", "cy": "Dewiswch {name}"],
        "tooManyFiles": ["en": "You can only select up to {maxFiles} files", "cy": "Gallwch ddewis hyd at {maxFiles} ffeil yn unig"],
        "fileTooLarge": ["en": "{file} must be smaller than {maxSize}", "cy": "Rhaid i {file} fod yn llai na {maxSize}"],
        "filesTooLarge": ["en": "The selected files must be smaller than {maxTotal} together",
                          "cy": "Rhaid i'r ffeiliau a ddewiswyd fod yn llai na {maxTotal} gyda'i gilydd"],
        "fileType": ["en": "{file} must be a {accept}", "cy": "Rhaid i {file} fod yn {accept}"],
        "fileEmpty": ["en": "{file} is empty", "cy": "Mae {file} yn wag"],
        "fileInfected": ["en": "{file} contains a virus: delete it from your device and select another file",
                         "cy": "Mae {file} yn cynnwys feirws: dilëwch hi o'ch dyfais a dewiswch ffeil arall"],
        "fileNotUploaded": ["en": "{file} could not be uploaded – try again", "cy": "Nid oedd modd uwchlwytho {file} – rhowch gynnig arall arni"],
        "tooFew": ["en": "Add at least {min} {item}", "cy": "Ychwanegwch o leiaf {min} {item}"],
        "tooMany": ["en": "You can add no more than {max}. Remove one {item}", "cy": "Gallwch ychwanegu dim mwy na {max}. Tynnwch un {item}"],
    ]

    static let defaultName: [String: [String: String]] = [
        "enter": ["en": "an answer", "cy": "ateb"],
        "select": ["en": "an option", "cy": "opsiwn"],
        "file": ["en": "a file", "cy": "ffeil"],
    ]

    /// Which default message each code of each type uses.
    static func codes(for type: Question.Kind, mobile: Bool = false) -> [String: String] {
        var codes = ["malformed": "malformed", "notAsked": "notAsked"]
        switch type {
        case .text, .textarea:
            codes["required"] = "requiredEnter"; codes["tooLong"] = "tooLong"; codes["tooShort"] = "tooShort"
        case .email:
            codes["required"] = "requiredEnter"; codes["invalid"] = "emailInvalid"; codes["tooLong"] = "tooLong"
        case .phone: codes["required"] = "requiredEnter"; codes["invalid"] = mobile ? "mobileInvalid" : "phoneInvalid"
        case .postcode: codes["required"] = "requiredEnter"; codes["invalid"] = "postcodeInvalid"
        case .number:
            codes["required"] = "requiredEnter"; codes["invalid"] = "numberInvalid"; codes["wholeNumber"] = "wholeNumber"
            codes["tooSmall"] = "tooSmall"; codes["tooLarge"] = "tooLarge"
        case .date:
            codes["required"] = "requiredEnter"; codes["incomplete"] = "dateIncomplete"; codes["invalid"] = "dateInvalid"
            codes["future"] = "dateFuture"; codes["past"] = "datePast"; codes["tooYoung"] = "tooYoung"; codes["tooOld"] = "tooOld"
        case .time: codes["required"] = "requiredEnter"; codes["invalid"] = "timeInvalid"
        case .radios, .select, .area, .yesNo, .checkboxes:
            codes["required"] = "requiredSelect"; codes["invalidOption"] = "invalidOption"
        case .address:
            codes["line1Required"] = "line1Required"; codes["townRequired"] = "townRequired"
            codes["postcodeRequired"] = "postcodeRequired"; codes["postcodeInvalid"] = "postcodeInvalid"
        case .registration: codes["required"] = "requiredEnter"; codes["invalid"] = "registrationInvalid"
        case .declaration: codes["required"] = "requiredDeclaration"
        case .file:
            codes["required"] = "requiredFile"
            for code in ["tooManyFiles", "fileTooLarge", "filesTooLarge", "fileType", "fileEmpty", "fileInfected", "fileNotUploaded"] { codes[code] = code }
        case .content: return [:]
        }
        return codes
    }

    /// Every message of a question, with its name and limits filled in.
    static func resolve(_ q: Question, name: LocalizedText?, overrides: [String: LocalizedText], languages: [String]) -> [String: LocalizedText] {
        var result: [String: LocalizedText] = [:]
        for (code, key) in codes(for: q.type, mobile: q.mobile == true) {
            var values: [String: String] = [:]
            for language in languages {
                if let custom = overrides[code] {
                    values[language] = custom.text(language)
                    continue
                }
                let template = texts[key]?[language] ?? texts[key]?["en"] ?? code
                let fallback = defaultName[key == "requiredSelect" ? "select" : key == "requiredFile" ? "file" : "enter"]?[language] ?? "an answer"
                var n = name.map { $0.values[language] ?? $0.text("en") } ?? fallback
                // Every Welsh template puts the name after an imperative ("Rhowch …") or after
                // "i" ("Rhaid i … fod"): both take the soft mutation.
                if language == "cy" { n = softMutated(n) }
                let filled = MessageTemplate.fill(template, [
                    "name": n, "Name": n.prefix(1).uppercased() + n.dropFirst(),
                    "maxLength": q.maxLength.map(String.init) ?? "", "minLength": q.minLength.map(String.init) ?? "",
                    "min": q.min.map(format) ?? "", "max": q.max.map(format) ?? "",
                    "minAge": q.dateRule?.minAge.map(String.init) ?? "", "maxAge": q.dateRule?.maxAge.map(String.init) ?? "",
                    "maxFiles": q.files.map { String($0.maxFiles) } ?? "", "maxSize": q.files.map { ByteSize.shown($0.maxSize) } ?? "",
                    "maxTotal": q.files.map { ByteSize.shown($0.maxTotal) } ?? "",
                    "accept": q.files.map { listed($0.accept.map(\.shown), or: language == "cy" ? "neu" : "or") } ?? "",
                ])
                values[language] = language == "cy" ? welshElisions(filled) : filled
            }
            result[code] = LocalizedText(values)
        }
        return result
    }

    /// The soft mutation of a Welsh phrase's first word (`disgrifiad` → `ddisgrifiad`,
    /// `math` → `fath`, `gwerth` → `werth`). Question words (`pwy`, `pa`, `beth`, `ble` …),
    /// which do not mutate, and the article and possessives, are left as they are.
    static func softMutated(_ phrase: String) -> String {
        let word = phrase.prefix { $0 != " " && $0 != "'" }.lowercased()
        let unchanged: Set<String> = ["pwy", "pa", "pam", "paham", "pryd", "beth", "ble", "dim", "mai", "bod"]
        // ch, th, ph and dd are letters of their own that do not change.
        guard !unchanged.contains(word), !["ch", "th", "ph", "dd"].contains(where: { phrase.hasPrefix($0) }) else { return phrase }
        let rules: [(String, String)] = [("ll", "l"), ("rh", "r"), ("p", "b"), ("t", "d"), ("c", "g"), ("b", "f"), ("d", "dd"), ("g", ""), ("m", "f")]
        for (from, to) in rules where phrase.hasPrefix(from) {
            return to + phrase.dropFirst(from.count)
        }
        return phrase
    }

    /// "Rhaid i y dyddiad" reads "Rhaid i'r dyddiad" in Welsh: the preposition *i* joins the
    /// article or possessive that a filled-in name starts with.
    static func welshElisions(_ text: String) -> String {
        var out = text
        for (from, to) in [(" i y ", " i'r "), (" i yr ", " i'r "), (" i eich ", " i'ch "), (" i ei ", " i'w "), (" i ein ", " i'n ")] {
            out = out.replacingAll(from, with: to)
        }
        return out
    }

    static func repeatMessages(min: Int, max: Int, item: LocalizedText, languages: [String]) -> [String: LocalizedText] {
        var result: [String: LocalizedText] = [:]
        for code in ["tooFew", "tooMany"] {
            var values: [String: String] = [:]
            for language in languages {
                values[language] = MessageTemplate.fill(texts[code]?[language] ?? code, ["min": String(min), "max": String(max), "item": item.text(language)])
            }
            result[code] = LocalizedText(values)
        }
        return result
    }

    static func generic(_ code: String, languages: [String]) -> LocalizedText {
        LocalizedText(Dictionary(uniqueKeysWithValues: languages.map { ($0, texts[code]?[$0] ?? texts[code]?["en"] ?? code) }))
    }

    /// "JPG, PNG or MP4".
    static func listed(_ items: [String], or: String) -> String {
        items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " \(or) " + items[items.count - 1]
    }

    static func format(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }
}

import Foundation
