import Foundation

/// Times as the service keeps them: milliseconds since 1970 for the outbox, ISO 8601 with
/// milliseconds (UTC) for what people read; and the one reader of ISO 8601 times from outside
/// (requests, exports, options, stored rows), which keeps their offset so that they are
/// compared as instants.
public enum StoreTime {
    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// The instant `milliseconds` after 1970.
    public static func date(milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public static func now() -> String { iso(milliseconds(Date())) }

    /// An ISO 8601 time with its zone, with or without fractional seconds; nil otherwise.
    public static func date(_ iso: String?) -> Date? {
        guard let iso else { return nil }
        return (try? fractional.parse(iso)) ?? (try? plain.parse(iso))
    }

    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let plain = Date.ISO8601FormatStyle()

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
    /// Written from the whole milliseconds (no floating point to round a digit away), with the
    /// proleptic Gregorian calendar's days from 1970 (H. Hinnant's civil-from-days).
    public static func iso(_ milliseconds: Int64) -> String {
        let (days, inDay) = (milliseconds.floorDivided(by: 86_400_000), milliseconds.floorModulo(86_400_000))
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097), dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = inDay % 1000, seconds = inDay / 1000
        let fraction = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        let yearText = year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(yearText)-\(two(month))-\(two(day))T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60)).\(fraction)Z"
    }
}

extension Int64 {
    /// Division rounding towards minus infinity (days before 1970 are still whole days).
    fileprivate func floorDivided(by d: Int64) -> Int64 { (self - floorModulo(d)) / d }
    fileprivate func floorModulo(_ d: Int64) -> Int64 { ((self % d) + d) % d }
}
