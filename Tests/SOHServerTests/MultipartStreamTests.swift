import Foundation
@testable import SOHServer
import Testing

/// multipart/form-data read as it streams: whatever the bytes and however they are split, the
/// same parts, or an error; never a crash.
@Suite("Multipart bodies as they stream")
struct MultipartStreamTests {
    static let boundary = "XyZ0123"
    static let body = Array("preamble\r\n--XyZ0123\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--XyZ0123\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\u{FF}\r\n--XyZ012 not yet\r\n--XyZ0123--\r\nepilogue".utf8)

    /// The parts, their bodies joined, read `size` bytes at a time.
    static func parts(_ bytes: [UInt8], size: Int) throws -> [([String: String], [UInt8])] {
        var stream = MultipartStream(boundary: boundary)
        var parts: [([String: String], [UInt8])] = []
        for start in stride(from: 0, to: bytes.count, by: size) {
            for event in try stream.feed(bytes[start..<min(bytes.count, start + size)]) {
                switch event {
                case .part(let headers): parts.append((headers, []))
                case .body(let piece): parts[parts.count - 1].1 += piece
                case .end: break
                }
            }
        }
        try stream.finish()
        return parts
    }

    @Test(arguments: [1, 2, 3, 7, 16, 1000])
    func thePartsAreTheSameHoweverTheBytesAreSplit(_ size: Int) throws {
        let parts = try Self.parts(Self.body, size: size)
        #expect(parts.count == 2)
        #expect(parts[0].0["content-disposition"] == "form-data; name=\"a\"" && parts[0].1 == Array("hello".utf8))
        #expect(parts[1].0["content-type"] == "image/jpeg")
        #expect(parts[1].1 == Array("\u{FF}\r\n--XyZ012 not yet".utf8))
    }

    @Test(arguments: [
        "--B\r\n\u{80}Ð--B--\r\n",  // what once stopped the API: a header name outside ASCII
        "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
        "--B\r\nno colon here\r\n\r\nx\r\n--B--",
        "nothing like a boundary at all",
        "--Bjunk",
    ])
    func hostileBodiesAreErrorsNeverCrashes(_ text: String) {
        #expect(throws: MultipartStream.Malformed.self) {
            var stream = MultipartStream(boundary: "B")
            _ = try stream.feed(Array(text.utf8))
            try stream.finish()
        }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = Array("--B\r\n".utf8) + (0..<Int.random(in: 0...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if Bool.random(using: &generator) { bytes += Array("\r\n--B--".utf8) }
            var stream = MultipartStream(boundary: "B")
            _ = try? stream.feed(bytes)
            _ = try? stream.finish()
        }
    }

    @Test func headersThatNeverEndAreRefused() {
        #expect(throws: MultipartStream.Malformed.self) {
            var stream = MultipartStream(boundary: "B")
            _ = try stream.feed(Array("--B\r\nX: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 20_000))
        }
    }

    @Test func aQuotedFileNameMayHoldSemicolons() {
        let parameters = MultipartForm.parameters(#"form-data; name="photos"; filename="C:\Users\a; b.jpg""#)
        #expect(parameters["name"] == "photos")
        #expect(parameters["filename"] == #"C:\Users\a; b.jpg"#)
        #expect(MultipartForm.parameters("form-data; name=plain")["name"] == "plain")
    }
}
