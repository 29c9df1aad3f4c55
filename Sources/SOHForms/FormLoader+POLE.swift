import SOHModel

/// Reading a form's POLE mapping: the `entities:` it declares and each question's `fills:`,
/// checked against the `POLE` table once the whole form is read.
extension FormLoader {
    static let entityKeys = ["type", "relationship", "of", "each"]

    /// One question's `fills:` as written, with where it was written.
    struct FillsWritten {
        var question: String
        var type: Question.Kind
        var text: String?
        var at: SourceLocation
        var page: String
        /// Whether the page repeats (its questions fill entities made once per item).
        var repeats: Bool
    }
}

extension FormLoader.Loader {
    /// The mapping, or nil when the form declares none. A form that declares one maps every
    /// question that takes an answer (`fills: none` says on purpose that one goes nowhere), so
    /// a question added later cannot be left out of what the force's system receives.
    func poleMapping(_ map: StrictMapping, pages: [FormPage]) -> POLEMapping? {
        let declared = entities(map, pages: pages)
        guard map.has("entities") || fillsWritten.contains(where: { $0.text != nil }) else { return nil }
        var fills: [String: POLEMapping.Target] = [:]
        var filledAt: [String: SourceLocation] = [:]
        var used: Set<String> = []
        let fillsNothing: Set<Question.Kind> = [.content, .declaration]
        for written in fillsWritten where !fillsNothing.contains(written.type) {
            // A file question's files always reach the force: linked from the incident unless
            // its 'fills' names another entity's attachments (docs/evidence.md).
            if written.type == .file && (written.text == nil || written.text == "none") {
                if written.text == "none" {
                    sink.error(written.at, "a 'file' question's files always reach the force: 'fills' names the entity they are linked to",
                        hint: "Write 'fills: ENTITY.attachments', or leave 'fills' out to link them to the incident.")
                }
                continue
            }
            guard let text = written.text else {
                sink.error(written.at, "question '\(written.question)' does not say what it fills in the report sent to the force",
                    hint: "This form maps its questions to POLE entities: add 'fills: ENTITY.ATTRIBUTE', or 'fills: none' if the answer is not for the force's records.")
                continue
            }
            if text == "none" { continue }
            guard let target = target(text, for: written, entities: declared.map(\.entity)) else { continue }
            let key = "\(target.entity).\(target.attribute)"
            if let first = filledAt[key], written.type != .file {
                sink.error(written.at, "'\(key)' is already filled by the question on line \(first.line)", hint: "Each attribute takes one question's answer.")
            }
            filledAt[key] = written.at
            fills[written.question] = target
            used.insert(target.entity)
        }
        for written in fillsWritten where fillsNothing.contains(written.type) && written.text != nil {
            sink.error(written.at, "a '\(written.type.rawValue)' question takes nothing the force's records keep", hint: "Remove 'fills'.")
        }
        // An entity appears when something fills it, or something that hangs off it.
        for (entity, _) in declared.reversed() where used.contains(entity.name) {
            if let parent = entity.parent { used.insert(parent) }
        }
        for (entity, at) in declared where !used.contains(entity.name) {
            sink.error(at, "entity '\(entity.name)' is filled by no question",
                hint: "Add 'fills: \(entity.name).…' to a question, or remove the entity.")
        }
        return POLEMapping(entities: declared.map(\.entity), fills: fills)
    }

    /// `entities:`, each checked against the table: a known type, a parent declared before it,
    /// a relationship that links those two types, and `each` naming a repeated page.
    func entities(_ map: StrictMapping, pages: [FormPage]) -> [(entity: POLEMapping.Entity, at: SourceLocation)] {
        guard let node = map.value("entities") else { return [] }
        guard case .mapping(let pairs) = node.value else {
            sink.error(node.location, "'entities' should be a set of named entities, found \(node.kindName)",
                hint: "For example: 'reporter: {type: person, relationship: personReporting}'.")
            return []
        }
        let types = POLE.EntityType.allCases.filter { $0 != .incident }.map(\.rawValue)
        let repeated = pages.filter { $0.repeat != nil }.map(\.id)
        var result: [POLEMapping.Entity] = []
        var locations: [SourceLocation] = []
        for pair in pairs {
            let name = pair.key
            if !Identifier.isValid(name) { sink.error(pair.keyLocation, "entity name '\(name)' should be lower-case letters, digits and hyphens") }
            if POLE.reservedNames.contains(name) { sink.error(pair.keyLocation, "'\(name)' cannot name an entity", hint: "It is reserved; choose another name.") }
            if result.contains(where: { $0.name == name }) { sink.error(pair.keyLocation, "duplicate entity '\(name)'") }
            guard let e = StrictMapping(pair.value, what: "entity '\(name)'", allowed: FormLoader.entityKeys, sink: sink),
                  let typeName = e.text("type", required: true, example: "person"),
                  let relationship = e.text("relationship", required: true, example: "witness") else { continue }
            guard let type = POLE.EntityType(rawValue: typeName), type != .incident else {
                sink.error(e.valueLocation("type"), "unknown entity type '\(typeName)'", hint: Suggestion.hint(for: typeName, allowed: types, noun: "types"))
                continue
            }
            let parentName = e.text("of")
            var parent: POLEMapping.Entity?
            if let parentName, parentName != "incident" {
                parent = result.first { $0.name == parentName }
                if parent == nil {
                    sink.error(e.valueLocation("of"), "entity '\(name)' hangs off '\(parentName)', which is not declared above it",
                        hint: Suggestion.hint(for: parentName, allowed: ["incident"] + result.map(\.name), noun: "entities"))
                    continue
                }
            }
            let parentType = parent?.type ?? .incident
            let links = POLE.relationships[parentType] ?? [:]
            if links[relationship] != type {
                let fitting = links.filter { $0.value == type }.keys.sorted()
                var hint = fitting.isEmpty ? "Nothing links \(article(parentType)) to \(article(type)); choose another 'of' or 'type'."
                    : "Relationships from \(article(parentType)) to \(article(type)): \(fitting.joined(separator: ", "))."
                if let near = Suggestion.closest(to: relationship, in: fitting) { hint += " Did you mean '\(near)'?" }
                sink.error(e.valueLocation("relationship"), "'\(relationship)' does not link \(article(parentType)) to \(article(type))", hint: hint)
                continue
            }
            var each = parent?.each
            if let page = e.text("each") {
                if !repeated.contains(page) {
                    sink.error(e.valueLocation("each"), "'each' names a repeated page, and '\(page)' is not one",
                        hint: repeated.isEmpty ? "This form has no repeated pages." : Suggestion.hint(for: page, allowed: repeated, noun: "repeated pages"))
                } else if let inherited = parent?.each {
                    sink.error(e.valueLocation("each"), "'\(name)' hangs off '\(parent!.name)', which is already made once per item of '\(inherited)'",
                        hint: "Remove 'each': it follows its parent.")
                } else {
                    each = page
                }
            }
            result.append(POLEMapping.Entity(name: name, type: type, parent: parent?.name, relationship: relationship, each: each))
            locations.append(pair.keyLocation)
        }
        return Array(zip(result, locations))
    }

    /// `ENTITY.ATTRIBUTE` checked: a declared entity, one of its type's attributes, an attribute
    /// that takes this question's answers, and an entity made where the question is asked.
    func target(_ text: String, for written: FormLoader.FillsWritten, entities: [POLEMapping.Entity]) -> POLEMapping.Target? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else {
            sink.error(written.at, "'fills' should be ENTITY.ATTRIBUTE or none, found '\(text)'", hint: "For example: 'fills: incident.incidentDescription'.")
            return nil
        }
        let (name, attribute) = (parts[0], parts[1])
        let entity = entities.first { $0.name == name }
        guard let type = name == "incident" ? .incident : entity?.type else {
            sink.error(written.at, "unknown entity '\(name)'", hint: Suggestion.hint(for: name, allowed: ["incident"] + entities.map(\.name), noun: "entities")
                + " Declare it under 'entities:'.")
            return nil
        }
        let attributes = POLE.attributes[type] ?? [:]
        guard let value = attributes[attribute] else {
            sink.error(written.at, "\(article(type)) has no attribute '\(attribute)'",
                hint: Suggestion.hint(for: attribute, allowed: attributes.keys.sorted(), noun: "attributes"))
            return nil
        }
        if !value.questionTypes.contains(written.type) {
            sink.error(written.at, "'\(name).\(attribute)' takes \(value.questionTypes.map { "'\($0.rawValue)'" }.joined(separator: " or ")) answers, and '\(written.question)' is a question of type '\(written.type.rawValue)'")
            return nil
        }
        let made = entity?.each
        if written.repeats, made != written.page {
            sink.error(written.at, "'\(written.question)' is asked once per item of '\(written.page)', so it fills an entity made for each item",
                hint: "Declare an entity with 'each: \(written.page)' (or one that hangs off it) and fill that.")
            return nil
        }
        if !written.repeats, let made {
            sink.error(written.at, "'\(name)' is made once per item of '\(made)', and '\(written.question)' is not asked there")
            return nil
        }
        return POLEMapping.Target(entity: name, attribute: attribute)
    }

    func article(_ type: POLE.EntityType) -> String {
        (type == .incident || type == .email ? "an " : "a ") + type.rawValue
    }
}
