/// The part of the Standard Data Model a form can fill: its entity types (the POLE model's
/// Person, Object, Location and Event, with the contact entities the model hangs off a person),
/// the attributes of each with the kind of answer each takes, and the relationships that link
/// them. One table: the form loader checks mappings against it and the delivery document is
/// built from it. `docs/forms.md` lists it for editors; `docs/schemas/incident.schema.json`
/// describes what comes out.
public enum POLE {
    public enum EntityType: String, Sendable, Codable, CaseIterable {
        /// The Event: every report is one incident, the root of the document.
        case incident
        case person, location, vehicle, property, email, telephone
    }

    /// What an attribute holds, which decides the questions that can fill it and how the
    /// answer is written into the document.
    public enum Value: Sendable, Equatable {
        /// Text as written.
        case text
        /// A whole name: `fullName` as written, `givenName` (a list) and `surname`.
        case name
        /// `YYYY-MM-DD`.
        case date
        /// `{dateFrom, dateTo}`, both the day given.
        case dateRange
        /// `HH:MM:SS`, 24-hour.
        case time
        case boolean
        case number
        /// The chosen option's value (the form's code, never its label).
        case code
        /// The chosen options' values.
        case codes
        /// Upper case, no spaces.
        case registration
        case email
        /// Digits, with the leading 0 (`+44` written as `0`).
        case telephone
        /// `addressLine1`, `addressLine2`, `town`, `county`, `postcode`.
        case address
        /// Upper case, one space before the last three characters.
        case postcode
        /// A file question's files: each an `attachment` linked from the entity by
        /// `attachments` (docs/evidence.md). Any number of questions may link files to one entity.
        case files

        /// Question types whose answers this attribute takes.
        public var questionTypes: [Question.Kind] {
            switch self {
            case .text: [.text, .textarea]
            case .name: [.text]
            case .date, .dateRange: [.date]
            case .time: [.time]
            case .boolean: [.yesNo]
            case .number: [.number]
            case .code: [.radios, .select]
            case .codes: [.checkboxes]
            case .registration: [.registration]
            case .email: [.email]
            case .telephone: [.phone]
            case .address: [.address]
            case .postcode: [.postcode]
            case .files: [.file]
            }
        }
    }

    /// Attributes a question can fill, by entity type.
    public static let attributes: [EntityType: [String: Value]] = [
        .incident: [
            "incidentDescription": .text, "incidentStartDateTime": .dateRange, "incidentStartTime": .time,
            "incidentCategory": .code, "incidentCategoryOther": .text, "incidentInvolvement": .code,
            "incidentAnyWitnesses": .boolean, "offenderDetailsKnown": .boolean,
            "anyInjuries": .boolean, "injuredParties": .codes, "injuryDescription": .text, "anyoneTakenToHospital": .boolean,
            "attachments": .files,
        ],
        .person: ["name": .name, "dateOfBirth": .date, "physicalDescription": .text, "attachments": .files],
        .location: ["address": .address, "locationDescription": .text, "postcode": .postcode, "attachments": .files],
        .vehicle: ["vehicleRegistrationMark": .registration, "vehicleMakeModel": .text, "attachments": .files],
        .property: ["propertyDescription": .text, "propertyValue": .number, "attachments": .files],
        .email: ["emailAddress": .email],
        .telephone: ["telephoneNumber": .telephone],
    ]

    /// How one entity links to another: from the entity type, by relationship name, to the type.
    public static let relationships: [EntityType: [String: EntityType]] = [
        .incident: [
            "personReporting": .person, "victim": .person, "witness": .person, "suspect": .person, "injuredPerson": .person,
            "incidentLocation": .location,
            "vehicleInvolved": .vehicle, "stolenVehicle": .vehicle,
            "stolenProperty": .property, "damagedProperty": .property, "lostProperty": .property, "foundProperty": .property,
        ],
        .person: ["currentAddress": .location, "personalEmail": .email, "personalTelephone": .telephone],
        .vehicle: ["driver": .person, "registeredKeeper": .person],
    ]

    /// Names a form cannot give its own entities.
    public static let reservedNames: Set<String> = ["incident", "submission", "none"]
}

/// Which POLE entities a form's answers make and which attribute each question fills, as the
/// form definition declares them (`entities:` and each question's `fills:`). Kept out of the
/// JSON the browser reads: only the API's delivery uses it.
public struct POLEMapping: Sendable, Equatable {
    public struct Entity: Sendable, Equatable {
        public var name: String
        public var type: POLE.EntityType
        /// The entity it hangs off; nil for the incident.
        public var parent: String?
        public var relationship: String
        /// The repeated page whose every item makes one of these (also when a parent's does).
        public var each: String?

        public init(name: String, type: POLE.EntityType, parent: String?, relationship: String, each: String?) {
            self.name = name
            self.type = type
            self.parent = parent
            self.relationship = relationship
            self.each = each
        }
    }

    /// Where a question's answer goes: `incident` or a declared entity, and one of its attributes.
    public struct Target: Sendable, Equatable {
        public var entity: String
        public var attribute: String

        public init(entity: String, attribute: String) {
            self.entity = entity
            self.attribute = attribute
        }
    }

    /// In declaration order: a parent always comes before the entities that hang off it.
    public var entities: [Entity]
    /// Question id → target. Questions declared `fills: none` are not here.
    public var fills: [String: Target]

    public init(entities: [Entity], fills: [String: Target]) {
        self.entities = entities
        self.fills = fills
    }

    public func entity(_ name: String) -> Entity? { entities.first { $0.name == name } }

    public func type(of name: String) -> POLE.EntityType? {
        name == "incident" ? .incident : entity(name)?.type
    }
}
