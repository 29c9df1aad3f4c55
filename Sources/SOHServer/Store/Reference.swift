/// Submission references: `KEN-7K4M-QX9C`, the force's code then seven random characters and a
/// check character. The alphabet leaves out letters and digits that sound or look alike
/// (0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B), so a reference survives being read out on the phone.
public enum Reference {
    static let alphabet = Array("ACDEFHJKMNPQRTUVWXY3479")

    public static func make(code: String, using generator: inout some RandomNumberGenerator) -> String {
        let body = (0..<7).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        let chars = body + [check(body)]
        return "\(code)-\(String(chars[0..<4]))-\(String(chars[4..<8]))"
    }

    public static func make(code: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(code: code, using: &generator)
    }

    /// Whether a reference is well formed and its check character matches (catches most
    /// single-character mistakes and swapped neighbours).
    public static func isValid(_ reference: String) -> Bool {
        let parts = reference.uppercased().split(separator: "-")
        guard parts.count == 3, parts[0].count == 3, parts[1].count == 4, parts[2].count == 4 else { return false }
        let chars = Array(parts[1] + parts[2])
        guard chars.allSatisfy(alphabet.contains) else { return false }
        return check(Array(chars.prefix(7))) == chars[7]
    }

    static func check(_ chars: [Character]) -> Character {
        var sum = 0
        for (i, c) in chars.enumerated() {
            sum += (alphabet.firstIndex(of: c) ?? 0) * (i + 2)
        }
        return alphabet[sum % alphabet.count]
    }
}
