/// `multipart/form-data` (RFC 7578) read as it streams in: each part's headers, then its body
/// in pieces as they arrive, then its end. Bytes are never gathered beyond one delimiter's length
/// (and one part's headers, at most `maxHeaders`), so a part of any size passes through. Anything
/// that is not the format (no boundary, headers that do not end, a body cut short) is an error,
/// never a crash: the bytes come from anyone.
struct MultipartStream {
    enum Event: Equatable {
        /// A part begins, with its headers (names in lower case).
        case part([String: String])
        case body([UInt8])
        /// The part ends.
        case end
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    enum State { case preamble, afterDelimiter, headers, body, done }

    /// `CRLF--boundary`: what ends a part (the first boundary is read as if a CRLF came before it).
    let delimiter: [UInt8]
    let maxHeaders = 16 * 1024
    private(set) var state = State.preamble
    private var pending: [UInt8] = [13, 10]

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// The events these bytes complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [Event] {
        pending += bytes
        var events: [Event] = []
        var start = 0
        defer { pending.removeFirst(start) }
        while true {
            let rest = pending[start...]
            switch state {
            case .preamble:
                guard let found = rest.firstRange(of: delimiter) else {
                    guard rest.count < 64 * 1024 else { throw Malformed(description: "no boundary where the body should begin") }
                    return events
                }
                start = found.upperBound
                state = .afterDelimiter
            case .afterDelimiter:
                guard rest.count >= 2 else { return events }
                if rest.starts(with: [45, 45]) {
                    state = .done
                } else if rest.starts(with: [13, 10]) {
                    start += 2
                    state = .headers
                } else {
                    throw Malformed(description: "a boundary is followed by something other than a line end")
                }
            case .headers:
                let end: Range<Int>? = rest.starts(with: [13, 10]) ? start..<start + 2 : rest.firstRange(of: [13, 10, 13, 10])
                guard let end else {
                    guard rest.count <= maxHeaders else { throw Malformed(description: "a part's headers do not end") }
                    return events
                }
                events.append(.part(try Self.headers(pending[start..<end.lowerBound])))
                start = end.upperBound
                state = .body
            case .body:
                if let found = rest.firstRange(of: delimiter) {
                    if found.lowerBound > start { events.append(.body(Array(pending[start..<found.lowerBound]))) }
                    events.append(.end)
                    start = found.upperBound
                    state = .afterDelimiter
                } else {
                    // All but what could be the start of a delimiter split across reads.
                    let safe = rest.count - (delimiter.count - 1)
                    if safe > 0 {
                        events.append(.body(Array(pending[start..<start + safe])))
                        start += safe
                    }
                    return events
                }
            case .done:
                start = pending.count
                return events
            }
        }
    }

    /// Throws unless the body ended with its closing boundary.
    func finish() throws {
        guard state == .done else { throw Malformed(description: "the body ends before its closing boundary") }
    }

    /// `Name: value` lines; names in lower case. Bytes outside ASCII in a value are read as UTF-8.
    static func headers(_ block: ArraySlice<UInt8>) throws -> [String: String] {
        var result: [String: String] = [:]
        for line in block.split(separator: 10, omittingEmptySubsequences: true) {
            let text = String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { throw Malformed(description: "a part's header has no name") }
            result[text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}

import Foundation
