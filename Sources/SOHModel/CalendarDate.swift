import Foundation

/// A calendar date without a time zone; `today` is passed in so validation is repeatable.
public struct CalendarDate: Sendable, Comparable, Hashable {
    public var year: Int, month: Int, day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// `2026-11-26`
    public init?(iso: String) {
        let parts = iso.split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              Self.isValid(year: y, month: m, day: d) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1000...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    /// Whole years from this date to `today` (an age on a birthday counts).
    public func years(until today: CalendarDate) -> Int {
        var years = today.year - year
        if (today.month, today.day) < (month, day) { years -= 1 }
        return years
    }

    /// The UK's time zone: form dates and item dates are days in the UK.
    public static let london = TimeZone(identifier: "Europe/London") ?? TimeZone(secondsFromGMT: 0)!

    static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The day `now` falls on in `timeZone` (the UK's unless told).
    public static func today(at now: Date = Date(), in timeZone: TimeZone = london) -> CalendarDate {
        let c = calendar(timeZone).dateComponents([.year, .month, .day], from: now)
        return CalendarDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1)
    }

    /// The instant the day starts in the UK.
    public var start: Date? {
        Self.calendar(Self.london).date(from: DateComponents(year: year, month: month, day: day))
    }

    /// The instant the next day starts in the UK: the end of this one.
    public var end: Date? {
        start.flatMap { Self.calendar(Self.london).date(byAdding: .day, value: 1, to: $0) }
    }

    /// `2026-12-07`.
    public var iso: String {
        String(year) + "-" + (month < 10 ? "0" : "") + String(month) + "-" + (day < 10 ? "0" : "") + String(day)
    }

    /// "7 December 2026", with a language's month names (January … December).
    public func words(monthNames: [String]) -> String {
        "\(day) \(month <= monthNames.count ? monthNames[month - 1] : String(month)) \(year)"
    }
}
