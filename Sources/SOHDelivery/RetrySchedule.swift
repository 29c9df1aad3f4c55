import Foundation
import SOHModel

/// How long to wait after each failed attempt before the next; when the schedule runs out the
/// delivery is dead. The default spreads eleven retries over about 50 hours, so a force's
/// system can be down for a weekend's maintenance and still receive every report.
public struct RetrySchedule: Sendable, Equatable {
    /// Seconds to wait after attempt 1, 2, …
    public var delays: [Double]
    /// Each wait is moved by up to this share either way, so that a backlog does not retry in step.
    public var jitter: Double

    public static let defaultDelays: [Double] = [30, 120, 600, 1800, 3600, 7200, 14400, 21600, 28800, 43200, 57600]

    public init(delays: [Double] = RetrySchedule.defaultDelays, jitter: Double = 0.2) {
        self.delays = delays
        self.jitter = jitter
    }

    /// Seconds before the attempt after `attempts` failed ones; nil when there is none left.
    public func delay(after attempts: Int, random: Double = Double.random(in: -1...1)) -> Double? {
        guard attempts >= 1, attempts <= delays.count else { return nil }
        return max(0, delays[attempts - 1] * (1 + jitter * random))
    }

    /// The whole schedule, for messages: how long a delivery is retried before it is dead.
    public var total: Double { delays.reduce(0, +) }

    static func load(_ map: StrictMapping, sink: DiagnosticSink) -> RetrySchedule? {
        var schedule = RetrySchedule()
        if let items = map.texts("schedule") {
            var delays: [Double] = []
            for (text, at) in items {
                guard let seconds = duration(text) else {
                    sink.error(at, "'\(text)' is not a duration", hint: "Write a number and a unit: 30s, 5m, 2h or 1d.")
                    continue
                }
                delays.append(seconds)
            }
            if items.isEmpty { sink.error(map.valueLocation("schedule"), "the retry schedule is empty", hint: "List at least one wait, like [1m, 10m, 1h].") }
            schedule.delays = delays
        }
        if let node = map.value("jitter") {
            guard case .scalar(let text, true) = node.value, let value = Double(text), (0...0.5).contains(value) else {
                sink.error(node.location, "'jitter' should be a share between 0 and 0.5, found \(node.kindName)")
                return nil
            }
            schedule.jitter = value
        }
        return schedule
    }

    /// `30s`, `5m`, `2h`, `1d`, or plain seconds.
    static func duration(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let scale = units[unit], let n = Double(text.dropLast()), n >= 0 { return n * scale }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
