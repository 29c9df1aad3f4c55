import Crypto
import Foundation

/// The keys that seal what people write before it reaches the database: AES-256-GCM in the
/// application, so a copy of the database, a backup or a replica holds no readable answer.
///
/// A keys file has one key a line, `ID:KEY` (the id 1 to 32 letters, digits, `-` or `_`; the key
/// 32 random bytes in base64), `#` comments and blank lines allowed. The first key seals new
/// answers; the others are older keys, kept only to open the rows still sealed with them until
/// `soh api rotate-key` has sealed those again with the first. Each row records the id of the
/// key that sealed it. A sealed answer is bound to its force and reference (the associated
/// data), so it cannot be moved to another row and read there.
public struct AnswerKeys: Sendable {
    /// The id of the key that seals new answers.
    public let current: String
    /// Every key's bytes by id, the current one included.
    let keys: [String: Data]
    /// The ids in the file's order.
    public let ids: [String]

    /// A problem with a keys file, with its line.
    public struct Invalid: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { line > 0 ? "line \(line): \(message)" : message }
    }

    /// An answer that cannot be opened: an unknown key, or text that is not what that key sealed.
    public struct CannotOpen: Error, CustomStringConvertible {
        public var reference: String
        public var reason: String
        public var description: String { "the answers of \(reference) cannot be opened: \(reason)" }
    }

    /// No keys were given, and the work needs them (storing, reading or sealing answers).
    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "no answers keys were given (--answers-keys FILE, or SOH_ANSWERS_KEYS)" }
    }

    /// `keys`, or `Missing` when there are none.
    static func required(_ keys: AnswerKeys?) throws(Missing) -> AnswerKeys {
        guard let keys else { throw Missing() }
        return keys
    }

    /// Reads a keys file's text; `Invalid` names the first line that is wrong.
    public init(parsing text: String) throws(Invalid) {
        var ids: [String] = []
        var keys: [String: Data] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let number = index + 1
            guard let colon = line.firstIndex(of: ":") else {
                throw Invalid(line: number, message: "a key is written ID:KEY, found no ':'")
            }
            let id = String(line[..<colon])
            guard (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw Invalid(line: number, message: "a key's id is 1 to 32 letters, digits, '-' or '_'")
            }
            guard keys[id] == nil else { throw Invalid(line: number, message: "the id '\(id)' is given twice") }
            guard let bytes = Data(base64Encoded: String(line[line.index(after: colon)...])), bytes.count == 32 else {
                throw Invalid(line: number, message: "the key '\(id)' is not 32 bytes in base64 (make one with soh api keygen)")
            }
            ids.append(id)
            keys[id] = bytes
        }
        guard let first = ids.first else { throw Invalid(line: 0, message: "there is no key in it") }
        self.current = first
        self.keys = keys
        self.ids = ids
    }

    /// The keys from `--answers-keys FILE`, else the `SOH_ANSWERS_KEYS` environment variable
    /// (the file's text itself, for secret stores that inject values); nil when neither is given.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> AnswerKeys? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw Invalid(line: 0, message: "cannot read \(file)")
            }
            // As ssh refuses a private key others can read: whoever reads it reads every answer.
            if let mode = ServerPlaces.openToOthers(file) {
                throw Invalid(line: 0, message: "others than its owner can read or change it (mode \(mode)); make it the owner's only with 'chmod 600 \(file)'")
            }
            return try AnswerKeys(parsing: String(decoding: data, as: UTF8.self))
        }
        guard let text = environment["SOH_ANSWERS_KEYS"], !text.isEmpty else { return nil }
        // The file's text as it is (its comment lines have spaces); or, where line breaks are
        // awkward, keys on one line separated by spaces.
        return try AnswerKeys(parsing: text.contains("\n") ? text : text.replacingOccurrences(of: " ", with: "\n"))
    }

    /// A new key's line, `ID:KEY`, from the system's random source.
    public static func generate(id: String) -> String {
        "\(id):\(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString())"
    }

    /// `answers` sealed with the current key for the row of `force` and `reference`: the
    /// nonce, ciphertext and tag in base64, and the key's id.
    public func seal(_ answers: String, force: String, reference: String) throws -> (text: String, keyID: String) {
        let box = try AES.GCM.seal(Data(answers.utf8), using: SymmetricKey(data: keys[current]!), authenticating: Self.binding(force, reference))
        return (box.combined!.base64EncodedString(), current)
    }

    /// The answers of a row. A row without a key id holds nothing (its answers were purged) or
    /// was stored before answers were sealed; anyone able to write a row could make one, so its
    /// text is refused, and taken as it is only by the explicit step that seals such rows
    /// (`soh api rotate-key --seal-unsealed`, `acceptUnsealed`).
    public func open(_ text: String, keyID: String?, force: String, reference: String, acceptUnsealed: Bool = false) throws(CannotOpen) -> String {
        guard let keyID else {
            if text.isEmpty || acceptUnsealed { return text }
            throw CannotOpen(reference: reference, reason: Self.unsealed)
        }
        guard let key = keys[keyID] else {
            throw CannotOpen(reference: reference, reason: "it was sealed with the key '\(keyID)', which the keys given do not have")
        }
        guard let data = Data(base64Encoded: text), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Self.binding(force, reference)) else {
            throw CannotOpen(reference: reference, reason: "the key '\(keyID)' does not open it (a different key under that id, or altered text)")
        }
        return String(decoding: plain, as: UTF8.self)
    }

    /// One piece of an evidence file sealed with the key `keyID` (the key that sealed the
    /// file's first piece, so a rotation part-way through a file does not split it), bound to
    /// the file and the piece's place in it: nonce, ciphertext and tag.
    func seal(piece: some DataProtocol, keyID: String, binding: Data) throws -> Data {
        guard let key = keys[keyID] else { throw CannotOpen(reference: "an evidence file", reason: "the key '\(keyID)' is not among the keys given") }
        return try AES.GCM.seal(piece, using: SymmetricKey(data: key), authenticating: binding).combined!
    }

    /// What `seal(piece:…)` sealed; throws when the key or the binding is not the one it was
    /// sealed with, or the bytes were altered.
    func open(piece: Data, keyID: String, binding: Data) throws -> Data {
        guard let key = keys[keyID] else { throw CannotOpen(reference: "an evidence file", reason: "the key '\(keyID)' is not among the keys given") }
        return try AES.GCM.open(try AES.GCM.SealedBox(combined: piece), using: SymmetricKey(data: key), authenticating: binding)
    }

    /// Why a row without a key id is refused.
    static let unsealed = "they are not sealed (the row has no key id): stored before answers were sealed, or written past the API; "
        + "rows from before sealing are sealed once with 'soh api rotate-key --seal-unsealed' (docs/privacy.md)"

    static func binding(_ force: String, _ reference: String) -> Data { Data("soh answers 1\n\(force)\n\(reference)".utf8) }
}
