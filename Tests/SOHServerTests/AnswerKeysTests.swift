import Foundation
import SOHServer
import Testing

@Suite("Answer keys")
struct AnswerKeysTests {
    @Test func aKeysFileIsReadStrictly() throws {
        let first = AnswerKeys.generate(id: "new"), second = AnswerKeys.generate(id: "old_1")
        let keys = try AnswerKeys(parsing: "# comment\n\n  \(first)  \n\(second)\n")
        #expect(keys.current == "new" && keys.ids == ["new", "old_1"])
        // From the environment, the keys may be separated by spaces.
        let env = try #require(try AnswerKeys.load(file: nil, environment: ["SOH_ANSWERS_KEYS": "\(first) \(second)"]))
        #expect(env.ids == ["new", "old_1"])
        // The keys file's text as keygen writes it, comment line and all, is read as the file.
        let file = "# soh answers keys: the first seals new answers; the others open older rows.\n\(first)\n\(second)\n"
        #expect(try AnswerKeys.load(file: nil, environment: ["SOH_ANSWERS_KEYS": file])?.ids == ["new", "old_1"])
        #expect(try AnswerKeys.load(file: nil, environment: [:]) == nil)
        for (text, line) in [("bad id!:\(first.split(separator: ":")[1])", 1), ("\(first)\nx:" + String(repeating: "A", count: 40), 2),
                             (String(repeating: "k", count: 33) + ":" + first.split(separator: ":")[1], 1), ("", 0)] {
            #expect { try AnswerKeys(parsing: text) } throws: { ($0 as? AnswerKeys.Invalid)?.line == line }
        }
    }

    /// Whoever can read the keys file can read every answer: one others can read is refused.
    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o602])
    func aKeysFileOthersCanReadIsRefused(_ mode: Int) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("soh-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data(AnswerKeys.generate(id: "k").utf8), attributes: [.posixPermissions: mode])
        #expect { try AnswerKeys.load(file: path) } throws: {
            ($0 as? AnswerKeys.Invalid)?.message == "others than its owner can read or change it (mode 0\(String(mode, radix: 8))); make it the owner's only with 'chmod 600 \(path)'"
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try AnswerKeys.load(file: path)?.ids == ["k"])
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
        #expect(try AnswerKeys.load(file: path)?.ids == ["k"])
    }

    @Test func sealedAnswersOpenOnlyOnTheirRowWithTheirKey() throws {
        let keys = try AnswerKeys(parsing: AnswerKeys.generate(id: "k"))
        let sealed = try keys.seal(#"{"a":"b"}"#, force: "kent", reference: "KEN-1")
        #expect(sealed.keyID == "k" && !sealed.text.contains(#""a""#) && Data(base64Encoded: sealed.text)?.count == 12 + 9 + 16,
                "the nonce, the sealed bytes and the tag, in base64")
        #expect(try keys.open(sealed.text, keyID: "k", force: "kent", reference: "KEN-1") == #"{"a":"b"}"#)
        // Sealed twice, two different texts (a fresh nonce each time).
        #expect(try keys.seal(#"{"a":"b"}"#, force: "kent", reference: "KEN-1").text != sealed.text)
        #expect(throws: AnswerKeys.CannotOpen.self) { try keys.open(sealed.text, keyID: "k", force: "kent", reference: "KEN-2") }
        #expect(throws: AnswerKeys.CannotOpen.self) { try keys.open(sealed.text, keyID: "k", force: "gwent", reference: "KEN-1") }
        #expect(throws: AnswerKeys.CannotOpen.self) { try keys.open(sealed.text, keyID: "gone", force: "kent", reference: "KEN-1") }
        var tampered = Data(base64Encoded: sealed.text)!
        tampered[tampered.count / 2] ^= 1
        #expect(throws: AnswerKeys.CannotOpen.self) { try keys.open(tampered.base64EncodedString(), keyID: "k", force: "kent", reference: "KEN-1") }
        #expect(throws: AnswerKeys.CannotOpen.self) { try keys.open("not base64", keyID: "k", force: "kent", reference: "KEN-1") }
        // A row with no key id is not read as plain text (anyone able to write a row could make
        // one), but by the explicit step that seals rows from before sealing; a purged row is empty.
        #expect { try keys.open("plain", keyID: nil, force: "kent", reference: "KEN-1") } throws: {
            ($0 as? AnswerKeys.CannotOpen).map { $0.reference == "KEN-1" && "\($0)".contains("--seal-unsealed") } == true
        }
        #expect(try keys.open("plain", keyID: nil, force: "kent", reference: "KEN-1", acceptUnsealed: true) == "plain")
        #expect(try keys.open("", keyID: nil, force: "kent", reference: "KEN-1") == "")
    }
}
