import Foundation
import HummingbirdCore
import SOHModel

/// The query of a paged read (`limit`, `after`, and where it applies `since`), checked: a value
/// out of range or not of its form is refused with the allowed values, never read as a default.
struct Paging: Sendable {
    var limit: Int
    /// The cursor: the `next` of the page before (a row id).
    var after: Int64?
    /// Only what was received at or after this instant.
    var since: Date?

    struct Refused: Error { var message: String }

    init(_ query: FlatDictionary<Substring, Substring>, defaultLimit: Int, maxLimit: Int, since allowsSince: Bool) throws(Refused) {
        limit = defaultLimit
        if let text = query["limit"].map(String.init) {
            guard let value = Int(text), (1...maxLimit).contains(value) else {
                throw Refused(message: "'limit' is a whole number from 1 to \(maxLimit), found '\(Escape.line(text, limit: 60))'")
            }
            limit = value
        }
        if let text = query["after"].map(String.init) {
            guard let value = Int64(text), value >= 0 else {
                throw Refused(message: "'after' is the 'next' cursor of the page before (a whole number), found '\(Escape.line(text, limit: 60))'")
            }
            after = value
        }
        if let text = query["since"].map(String.init) {
            guard allowsSince else { throw Refused(message: "'since' is not a parameter of this read") }
            // A '+' of the offset that reached us as a space (form encoding) is still the offset.
            guard let date = StoreTime.date(text.replacingOccurrences(of: " ", with: "+")) else {
                throw Refused(message: "'since' is a time in ISO 8601 with its zone (e.g. 2026-11-01T00:00:00Z or 2026-11-01T01:00:00+01:00), found '\(Escape.line(text, limit: 60))'")
            }
            since = date
        }
    }
}
