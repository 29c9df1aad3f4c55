import Foundation

/// How long answers are kept. A report's answers are purged `afterDelivery` after every one of
/// its destinations confirmed delivery (after it was received, when it has none), and in any
/// case `cap` after it was received, delivered or not: a delivery still waiting then is marked
/// dead. What stays of a purged report is its reference, force, form, times and delivery
/// outcomes, so a force can still answer "what happened to my report?".
public struct Retention: Sendable, Equatable {
    public var afterDelivery: Duration
    public var cap: Duration

    public init(afterDeliveryDays: Int = 30, capDays: Int = 90) {
        afterDelivery = .seconds(Int64(afterDeliveryDays) * 86_400)
        cap = .seconds(Int64(capDays) * 86_400)
    }

    /// The two moments before which answers go, at `now`.
    public struct Cutoffs: Sendable, Equatable {
        public var deliveredBefore: Date
        public var receivedBefore: Date

        public init(deliveredBefore: Date, receivedBefore: Date) {
            self.deliveredBefore = deliveredBefore
            self.receivedBefore = receivedBefore
        }
    }

    public func cutoffs(now: Date) -> Cutoffs {
        Cutoffs(deliveredBefore: now.addingTimeInterval(-Self.seconds(afterDelivery)), receivedBefore: now.addingTimeInterval(-Self.seconds(cap)))
    }

    /// What a purge did (or, dry, would do).
    public struct Purged: Sendable, Equatable, CustomStringConvertible {
        /// Submissions whose answers went after their deliveries were confirmed.
        public var afterDelivery = 0
        /// Submissions whose answers went at the cap, some of them undelivered.
        public var atCap = 0
        /// Deliveries still waiting at the cap, marked dead.
        public var deliveriesGivenUp = 0
        /// Evidence files whose names and bytes went: those of the reports purged, and uploads
        /// no report took within `orphanDays`.
        public var files = 0

        public init(afterDelivery: Int = 0, atCap: Int = 0, deliveriesGivenUp: Int = 0, files: Int = 0) {
            self.afterDelivery = afterDelivery
            self.atCap = atCap
            self.deliveriesGivenUp = deliveriesGivenUp
            self.files = files
        }

        public var description: String {
            "\(afterDelivery) after delivery, \(atCap) at the cap (\(deliveriesGivenUp) waiting deliveries given up)"
                + (files > 0 ? ", \(files) evidence file\(files == 1 ? "" : "s")" : "")
        }
    }

    /// Days an upload no report took is kept (a form abandoned part-way): then its name and bytes go.
    public static let orphanDays = 1

    /// Why a delivery was given up at the cap, as its last error.
    public static let givenUp = "the answers were purged at the retention cap before this delivery succeeded"

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
