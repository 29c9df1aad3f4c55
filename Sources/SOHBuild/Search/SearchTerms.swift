import Foundation

/// How text becomes search terms, for the index (here) and for queries (`search.js`, which
/// follows these rules line for line; shared vectors keep the two equal). Reference: docs/search.md.
///
/// Words are runs of letters and digits, lower-cased with their accents taken off (`ŵ` → `w`);
/// words of one letter and the commonest words are left out. English words lose the endings of
/// plurals and verbs (`robberies` → `robbery`, `reporting` → `report`). A Welsh word is also
/// indexed under the forms it may have before a mutation (`gar` under `car`, `nghartref` under
/// `cartref`), so that searching for a word finds it however a sentence mutated it.
enum SearchTerms {
    static let stopWords: [String: Set<String>] = [
        "en": ["the", "and", "of", "to", "in", "for", "on", "is", "it", "or", "be", "are", "as", "at", "by", "an", "with",
               "this", "that", "from", "your", "you", "we", "our", "us", "can", "if", "not", "have", "has", "will", "do", "what", "how"],
        "cy": ["a", "ac", "ar", "am", "i", "o", "y", "yr", "yn", "eich", "chi", "ni", "ein", "mae", "bod", "os", "neu", "gan", "at", "yw", "ei", "na", "nad", "sy", "sydd"],
    ]

    /// The words of `text`, folded (lower case, no accents), in order. Runs of ASCII letters and
    /// digits (most of the text) are folded byte by byte; a run with other characters in it goes
    /// through Unicode's rules (`unicodeWords`).
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var run: [UInt8] = []
        var ascii = true
        func flush() {
            guard !run.isEmpty else { return }
            if ascii {
                words.append(String(decoding: run, as: UTF8.self))
            } else {
                words += unicodeWords(String(decoding: run, as: UTF8.self))
            }
            run.removeAll(keepingCapacity: true)
            ascii = true
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): run.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): run.append(byte + 32)
            case 0x80...: run.append(byte); ascii = false
            default: flush()
            }
        }
        flush()
        return words
    }

    /// The words of a text by Unicode's rules: lower case, decomposed, accents dropped, split at
    /// anything but letters and digits.
    static func unicodeWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars {
            if (0x300...0x36F).contains(scalar.value) { continue }  // combining accents
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return words
    }

    /// The terms a query or a text stands for: its words, without stop words, stemmed in English.
    static func terms(_ text: String, language: String) -> [String] {
        let stop = stopWords[language] ?? []
        return words(text).filter { $0.unicodeScalars.count > 1 && !stop.contains($0) }.map { language == "en" ? stem($0) : $0 }
    }

    /// A light English stemmer: plurals and the commonest verb endings.
    static func stem(_ word: String) -> String {
        let n = word.unicodeScalars.count
        if n > 4, word.hasSuffix("ies") { return String(word.dropLast(3)) + "y" }
        if n > 4, word.hasSuffix("sses") { return String(word.dropLast(2)) }
        if n > 3, word.hasSuffix("s"), !word.hasSuffix("ss"), !word.hasSuffix("us"), !word.hasSuffix("is") { return String(word.dropLast()) }
        if n > 5, word.hasSuffix("ing") { return String(word.dropLast(3)) }
        if n > 4, word.hasSuffix("ed") { return String(word.dropLast(2)) }
        return word
    }

    /// Welsh mutations, as (mutated beginning, radical beginning): nasal, aspirate, then soft.
    static let mutations: [(String, String)] = [
        ("ngh", "c"), ("mh", "p"), ("nh", "t"), ("ng", "g"), ("ph", "p"), ("th", "t"), ("ch", "c"),
        ("dd", "d"), ("b", "p"), ("d", "t"), ("g", "c"), ("f", "b"), ("f", "m"), ("l", "ll"), ("r", "rh"), ("m", "b"), ("n", "d"),
    ]

    /// A Welsh word's possible radical forms (the word itself first): each mutation its beginning
    /// could be, undone; a word starting with a vowel may have lost a `g` (soft) or gained an `h`.
    static func radicals(_ word: String) -> [String] {
        var forms = [word]
        for (mutated, radical) in mutations where word.hasPrefix(mutated) && word.unicodeScalars.count > mutated.count + 1 {
            forms.append(radical + word.dropFirst(mutated.count))
        }
        if let first = word.first, "aeiouwy".contains(first) { forms.append("g" + word) }
        if word.hasPrefix("h"), let second = word.dropFirst().first, "aeiouwy".contains(second), word.unicodeScalars.count > 2 { forms.append(String(word.dropFirst())) }
        var seen = Set<String>()
        return forms.filter { seen.insert($0).inserted }
    }
}
