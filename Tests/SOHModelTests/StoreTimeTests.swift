import Foundation
import Testing
import SOHModel

/// The one way times are written and read (`StoreTime`).
@Suite struct StoreTimeTests {
    /// Written from whole milliseconds as Foundation's ISO 8601 formatter writes them, over
    /// four centuries either side of 1970 (leap years, their exceptions, times before 1970).
    @Test func storedTimesAreWhatAnISO8601FormatterWrites() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var generator = SystemRandomNumberGenerator()
        let samples: [Int64] = [0, 1, -1, 951_782_400_000, 4_107_542_400_000, -2_208_988_800_000, 1_764_151_921_204] +
            (0..<5000).map { _ in Int64.random(in: -12_000_000_000_000...12_000_000_000_000, using: &generator) }
        for ms in samples {
            // Whole seconds from the formatter, the milliseconds from the integer.
            let fraction = ((ms % 1000) + 1000) % 1000
            let whole = formatter.string(from: Date(timeIntervalSince1970: Double((ms - fraction) / 1000)))
            #expect(StoreTime.iso(ms) == whole.dropLast() + String(format: ".%03dZ", Int(fraction)), "\(ms)")
        }
    }

    @Test func timesAreReadWithTheirZoneAndWrittenInOneForm() {
        #expect(StoreTime.normalised("2026-11-26T10:12:00.204+01:00") == "2026-11-26T09:12:00.204Z")
        #expect(StoreTime.normalised("2026-11-26T10:12:00Z") == "2026-11-26T10:12:00.000Z")
        #expect(StoreTime.normalised("2026-11-26T10:12:00-05:00") == "2026-11-26T15:12:00.000Z")
        for bad in ["2026-11-26T10:12:00", "2026-11-26 10:12:00Z", "2026-13-26T10:12:00Z", "yesterday", ""] {
            #expect(StoreTime.normalised(bad) == nil, "\(bad)")
            #expect(!StoreTime.isTimestamp(bad), "\(bad)")
        }
        #expect(StoreTime.iso(StoreTime.date("2026-11-26T10:12:01.204Z")!) == "2026-11-26T10:12:01.204Z")
    }
}
