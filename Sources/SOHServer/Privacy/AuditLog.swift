import Crypto
import Foundation
import SOHModel

/// The audit log: every read of reports, export, redelivery, key rotation and purge, appended,
/// never changed. Each entry carries the SHA-256 of the one before it, so editing or removing an
/// entry breaks the chain from there on (`soh audit verify` finds it). Who acted is a token's id
/// (the force and the first digits of its hash, never the token) or the operator's name.
public enum AuditLog {
    /// What happened, as recorded.
    public struct Entry: Sendable, Equatable {
        public var actor: String
        public var action: String
        public var force: String?
        /// What was touched: references, or a count and a description.
        public var target: String
        /// The client's address, for requests.
        public var address: String?

        public init(actor: String, action: String, force: String?, target: String, address: String? = nil) {
            self.actor = actor
            self.action = action
            self.force = force
            self.target = target
            self.address = address
        }
    }

    /// An entry as stored, with its place in the chain.
    public struct Record: Sendable, Equatable, Codable {
        public var id: Int64
        public var at: String
        public var actor: String
        public var action: String
        public var force: String?
        public var target: String
        public var address: String?
        public var previous: String
        public var hash: String

        public init(id: Int64, at: String, actor: String, action: String, force: String?, target: String, address: String?,
                    previous: String, hash: String) {
            self.id = id
            self.at = at
            self.actor = actor
            self.action = action
            self.force = force
            self.target = target
            self.address = address
            self.previous = previous
            self.hash = hash
        }

        /// The hash this entry must have: every field, and the hash before it.
        public var expectedHash: String { AuditLog.hash(id: id, at: at, entry: Entry(actor: actor, action: action, force: force, target: target, address: address), previous: previous) }
    }

    /// The hash before the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    static func hash(id: Int64, at: String, entry: Entry, previous: String) -> String {
        // Tabs and line breaks cannot join two fields into one: each field is counted first.
        let fields = [String(id), at, entry.actor, entry.action, entry.force ?? "", entry.target, entry.address ?? "", previous]
        let text = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "\n")
        return Hex.string(SHA256.hash(data: Data(text.utf8)))
    }

    /// The outcome of walking the chain.
    public struct Verification: Sendable, Equatable, CustomStringConvertible {
        public var entries: Int
        /// The hash of the last entry: kept elsewhere, it also shows that nothing was cut off the end.
        public var head: String
        /// The first entry that does not fit the chain, and why.
        public var broken: (id: Int64, reason: String)?

        public static func == (a: Verification, b: Verification) -> Bool {
            a.entries == b.entries && a.head == b.head && a.broken?.id == b.broken?.id && a.broken?.reason == b.broken?.reason
        }

        public init(entries: Int = 0, head: String = AuditLog.genesis, broken: (id: Int64, reason: String)? = nil) {
            self.entries = entries
            self.head = head
            self.broken = broken
        }

        /// Takes the next record (oldest first); once the chain is broken, nothing more.
        public mutating func check(_ record: Record) {
            guard broken == nil else { return }
            if record.id != Int64(entries) + 1 {
                broken = (record.id, "entry \(entries + 1) is missing")
            } else if record.previous != head {
                broken = (record.id, "it does not follow the entry before it")
            } else if record.hash != record.expectedHash {
                broken = (record.id, "its content does not match its hash (edited?)")
            } else {
                entries += 1
                head = record.hash
            }
        }

        public var description: String {
            if let broken { return "the chain breaks at entry \(broken.id): \(broken.reason)" }
            return "\(entries) entries, the chain intact; the last hash is \(head)"
        }
    }

    /// Checks records given oldest first (ids rising by one from 1).
    public static func verify(_ records: some Sequence<Record>) -> Verification {
        var result = Verification(entries: 0, head: genesis, broken: nil)
        for record in records where result.broken == nil { result.check(record) }
        return result
    }

    /// The id of a force's token in the log: the force and the first digits of the token's
    /// SHA-256 (already in the tokens file), never the token.
    public static func tokenID(force: String, hash: [UInt8]) -> String {
        force + ":" + Hex.string(hash.prefix(4))
    }

    /// Who runs a command, for the entries it makes.
    public static var operatorName: String {
        "operator:" + (ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName)
    }
}
