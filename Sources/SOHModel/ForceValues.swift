/// A value of a force that its pages show: its name, its numbers, its addresses.
public struct ForceValue: Sendable {
    /// The name after `force.` in placeholders and in the templates' `force` context, e.g.
    /// `contacts.email`.
    public let name: String
    /// May be absent from a force file. Pages test for it, so whether it is there is part of a
    /// page's shape, not only its text.
    public let optional: Bool
    /// The force's value; nil when absent.
    public let read: @Sendable (ForceIdentity) -> String?
    /// Sets it (renders shared between forces put a marker in place of every value).
    public let write: @Sendable (inout ForceIdentity, String) -> Void

    init(_ name: String, optional: Bool = false, _ read: @escaping @Sendable (ForceIdentity) -> String?,
         _ write: @escaping @Sendable (inout ForceIdentity, String) -> Void) {
        self.name = name
        self.optional = optional
        self.read = read
        self.write = write
    }
}

extension ForceIdentity {
    /// Every value of a force file that pages show, in one table. Placeholders in content, the
    /// templates' `force` context, and the markers of renders shared between forces are all
    /// made from it, so a value added here reaches all three: none can be filled on one path and
    /// missed on another, where one force's value would be baked into other forces' pages. The
    /// base URL (per environment), names in other languages and social links are kept beside it,
    /// as they are not plain fields of the file.
    public static let values: [ForceValue] = [
        ForceValue("id", { $0.id }, { $0.id = $1 }),
        ForceValue("name", { $0.name }, { $0.name = $1 }),
        ForceValue("shortName", { $0.shortName }, { $0.shortName = $1 }),
        ForceValue("contacts.emergency", { $0.contacts.emergency }, { $0.contacts.emergency = $1 }),
        ForceValue("contacts.nonEmergency", { $0.contacts.nonEmergency }, { $0.contacts.nonEmergency = $1 }),
        ForceValue("contacts.textphone", optional: true, { $0.contacts.textphone }, { $0.contacts.textphone = $1 }),
        ForceValue("contacts.email", optional: true, { $0.contacts.email }, { $0.contacts.email = $1 }),
        ForceValue("contacts.address", optional: true, { $0.contacts.address }, { $0.contacts.address = $1 }),
        ForceValue("contacts.openingHours", optional: true, { $0.contacts.openingHours }, { $0.contacts.openingHours = $1 }),
    ]

    /// The value called `name` in the table.
    public static func value(named name: String) -> ForceValue? { values.first { $0.name == name } }

    /// The table's names with `baseURL` after the first three, as placeholders and markers list them.
    public static func valueNames(baseURL: String) -> [String] {
        let names = values.map(\.name)
        return Array(names.prefix(3)) + [baseURL] + names.dropFirst(3)
    }
}
