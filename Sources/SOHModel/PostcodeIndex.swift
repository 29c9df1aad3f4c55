import Foundation

/// Which force's area each postcode is in: made by `soh areas import` from the ONS Postcode
/// Directory (its `pcds` and `pfa` columns), read by the API to answer postcode lookups.
/// Reference: docs/routing.md.
///
/// The file is compact and sorted, so a lookup is a binary search over the bytes as read:
/// a first line `SOHPOSTCODES 1`, a second with the forces' ids separated by spaces, then one
/// record of 8 bytes per postcode: the postcode in capitals without its space, padded with
/// spaces to 7 bytes, and the force's place in that list. 1.8 million postcodes make 14 MB.
public struct PostcodeIndex: Sendable {
    public static let header = "SOHPOSTCODES 1"
    static let width = 8

    public let forces: [String]
    let records: Data

    public var count: Int { records.count / Self.width }

    /// `AB1 2CD`, `ab12cd`, ` AB1  2CD ` → `AB12CD`; nil for what cannot be a postcode.
    public static func normalised(_ text: String) -> String? {
        let compact = String(text.uppercased().filter { $0 != " " && $0 != "\t" })
        guard (5...7).contains(compact.count), compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
              compact.first?.isLetter == true, compact.suffix(3).first?.isNumber == true, compact.suffix(2).allSatisfy(\.isLetter) else { return nil }
        return compact
    }

    /// `AB12CD` → `AB1 2CD`.
    public static func display(_ normalised: String) -> String { normalised.dropLast(3) + " " + normalised.suffix(3) }

    public init(entries: [String: String]) {
        let forces = Set(entries.values).sorted()
        let place = Dictionary(uniqueKeysWithValues: forces.enumerated().map { ($1, UInt8($0)) })
        var data = Data(capacity: entries.count * Self.width)
        for postcode in entries.keys.sorted() {
            var bytes = Array(postcode.utf8.prefix(7))
            bytes += Array(repeating: 0x20, count: 7 - bytes.count)
            data.append(contentsOf: bytes)
            data.append(place[entries[postcode]!]!)
        }
        self.forces = forces
        self.records = data
    }

    /// The file's bytes.
    public var encoded: Data {
        var data = Data((Self.header + "\n" + forces.joined(separator: " ") + "\n").utf8)
        data.append(records)
        return data
    }

    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads a file `encoded` wrote; throws with the reason when it is not one.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw Unreadable(description: "\(url.path): cannot be read (\(error.localizedDescription))")
        }
        let lines = data.prefix(4096).split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
        guard lines.count == 3, String(decoding: lines[0], as: UTF8.self) == Self.header else {
            throw Unreadable(description: "\(url.path): not a postcode index (make one with 'soh areas import FILE')")
        }
        let forces = String(decoding: lines[1], as: UTF8.self).split(separator: " ").map(String.init)
        let start = lines[0].count + lines[1].count + 2
        let records = data.subdata(in: start..<data.count)
        guard records.count % Self.width == 0, forces.count <= 255 else {
            throw Unreadable(description: "\(url.path): the postcode index is cut short or damaged; make it again")
        }
        self.forces = forces
        self.records = records
    }

    /// The force whose area the postcode is in; nil when it is not in the index.
    public func force(for postcode: String) -> String? {
        guard let key = Self.normalised(postcode) else { return nil }
        var wanted = Array(key.utf8)
        wanted += Array(repeating: 0x20, count: 7 - wanted.count)
        return records.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> String? in
            var low = 0, high = count - 1
            while low <= high {
                let middle = (low + high) / 2
                let record = raw[(middle * Self.width)..<(middle * Self.width + 7)]
                if record.elementsEqual(wanted) {
                    let place = Int(raw[middle * Self.width + 7])
                    return place < forces.count ? forces[place] : nil
                }
                if record.lexicographicallyPrecedes(wanted) { low = middle + 1 } else { high = middle - 1 }
            }
            return nil
        }
    }
}
