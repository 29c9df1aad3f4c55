import SOHModel

/// Which force deals with a report that is about another force's area, decided from the
/// answers on the server (never from anything the browser says about it). Reference:
/// docs/routing.md.
///
/// The Home Office Counting Rules say a crime is recorded by the force for the area where it
/// happened: the force it was reported to transfers it (`transfer`). A missing person report is
/// kept by the force it was made to, which takes the first action, and the force for the area
/// is told (`notify`).
public struct ReportRouting: Sendable, Codable, Equatable {
    /// The force the report was made to (whose site it came from).
    public var receivedBy: String
    /// The force whose police area the answered area is in.
    public var areaForce: String
    /// The area answered (`data/police-areas.yml` id) and its English name.
    public var area: String
    public var areaName: String
    public var action: FormDefinition.Routing

    public init(receivedBy: String, areaForce: String, area: String, areaName: String, action: FormDefinition.Routing) {
        self.receivedBy = receivedBy
        self.areaForce = areaForce
        self.area = area
        self.areaName = areaName
        self.action = action
    }

    /// The force that records the report and deals with it.
    public var owningForce: String { action == .transfer ? areaForce : receivedBy }
    /// The other force: told (transfer notice, or the notified area force).
    public var otherForce: String { action == .transfer ? receivedBy : areaForce }

    /// Why it moved, in words for the forces' records.
    public var reason: String {
        switch action {
        case .transfer:
            "Reported to \(receivedBy) about \(areaName), in the \(areaForce) police area: transferred to \(areaForce), which records it "
                + "(Home Office Counting Rules: a crime is recorded by the force for the area where it happened)."
        case .notify:
            "Reported to \(receivedBy) about \(areaName), in the \(areaForce) police area: \(receivedBy) keeps it and takes the first action; "
                + "\(areaForce) is told (missing persons: the force receiving the report records it)."
        }
    }

    /// What each force is to the report: `owner`, `receiver` (it was made to it and moved on),
    /// or `notified`.
    public func role(of force: String) -> String {
        if force == owningForce { return "owner" }
        return action == .transfer ? "receiver" : "notified"
    }

    /// Nil when the form asks no area, the answer is not an area, or it is the receiving force's
    /// own area: the report stays where it was made.
    public static func decide(_ form: FormDefinition, answers: [String: Answer], receivedBy: String, areas: PoliceAreas?) -> ReportRouting? {
        guard let areas, let action = form.whenElsewhere, let question = form.areaQuestion,
              case .text(let answered)? = answers[question.id], let area = areas.area(answered),
              area.force != receivedBy else { return nil }
        return ReportRouting(receivedBy: receivedBy, areaForce: area.force, area: area.id, areaName: area.name.text("en"), action: action)
    }
}
