/// Where a delivery is, stored as its raw value (the `delivery.state` column).
public enum DeliveryState: String, Sendable, Codable, CaseIterable {
    /// Waiting to be sent: due at its next attempt.
    case pending
    /// Waiting, never due by itself, until the force the report was made to has had its own
    /// delivery (a missing person report about another force's area, docs/routing.md).
    case held
    /// Stored by the force.
    case delivered
    /// Given up: refused for good, out of attempts, or its report purged.
    case dead

    /// Not yet delivered or given up.
    public var waiting: Bool { self == .pending || self == .held }

    /// The state as the API and exports show it: a held delivery is `pending` there, with
    /// `held: true` (docs/api.md).
    public var shown: String { self == .held ? DeliveryState.pending.rawValue : rawValue }

    /// Every state as the API and exports show them.
    public static var shownStates: [String] { allCases.filter { $0 != .held }.map(\.rawValue) }

    /// The state a shown state and held flag stand for; nil for a state that is not one.
    public init?(shown: String, held: Bool?) {
        guard let state = DeliveryState(rawValue: shown), state != .held else { return nil }
        self = state == .pending && held == true ? .held : state
    }
}

/// What a delivery carries (the `delivery.kind` column).
public enum DeliveryKind: String, Sendable, Codable, CaseIterable {
    /// The report with its answers.
    case report
    /// A transfer notice: what happened and where, without the answers.
    case notice
    /// A confirmation to the person who reported (docs/messages.md): the reference and what
    /// happens next, never the answers.
    case message
}
