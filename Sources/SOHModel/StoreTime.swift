import Foundation

/// Times as the service keeps them: milliseconds since 1970 for the outbox, ISO 8601 with
/// milliseconds (UTC) for what people read; and the one reader of ISO 8601 times from outside
/// (requests, exports, options, stored rows), which keeps their offset so that they are
/// compared as instants.
public enum StoreTime {
    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    public static func now() -> String { iso(milliseconds(Date())) }

    /// An ISO 8601 time with its zone, with or without fractional seconds; nil otherwise.
    public static func date(_ iso: String?) -> Date? {
        guard let iso else { return nil }
        let fractional = ISO8601DateFormatter(), plain = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        plain.formatOptions = [.withInternetDateTime]
        return fractional.date(from: iso) ?? plain.date(from: iso)
    }

    /// True for a time as browsers send it: ISO 8601 with date, time and zone
    /// (`2026-11-26T10:12:00Z`, `2026-11-26T10:12:00.204+01:00`), at most 40 characters.
    public static func isTimestamp(_ text: String) -> Bool {
        text.count <= 40 && text.contains("T") && date(text) != nil
    }

    /// An instant as stored timestamps are written, so that stored times compare with it as text
    /// in the order of the instants (one width, one zone).
    public static func iso(_ date: Date) -> String { iso(milliseconds(date)) }

    /// A time read from outside (an export, an option) in the stored form; nil when it is not an
    /// ISO 8601 time with its zone.
    public static func normalised(_ text: String) -> String? { date(text).map(iso(_:)) }

    /// A time in milliseconds as stored timestamps are written (ISO 8601, UTC, milliseconds).
    public static func iso(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
