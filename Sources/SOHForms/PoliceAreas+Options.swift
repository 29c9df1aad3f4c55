import SOHModel

extension PoliceAreas {
    /// Every area as a choice of an area question: its id, its name, its force as the group and
    /// the towns that find it.
    public var options: [Question.Option] {
        forces.flatMap { force in
            force.areas.map { Question.Option(value: $0.id, label: $0.name, hint: nil, reveal: nil, group: force.id, also: $0.also.isEmpty ? nil : $0.also) }
        }
    }

    /// Each force's police area name, by force id: the groups of the choices.
    public var groups: [String: LocalizedText] { Dictionary(uniqueKeysWithValues: forces.map { ($0.id, $0.name) }) }
}
