import Foundation

/// Reads the ONS Postcode Directory's CSV (or any CSV with its `pcds` and `pfa` columns) into
/// the postcodes of each force (`PostcodeIndex`), using the police force area codes of
/// `data/police-areas.yml`. Postcodes no longer in use (`doterm` set) and those outside England
/// and Wales (a `pfa` code that is not a force's) are counted, not indexed.
public enum PostcodeImport {
    public struct Result: Sendable {
        public var entries: [String: String] = [:]
        public var terminated = 0
        /// Police force area codes that are no force's here, with how many postcodes had each.
        public var otherAreas: [String: Int] = [:]
        /// Lines that were not a postcode row, with the first few named.
        public var malformed = 0
        public var malformedLines: [Int] = []
        public var perForce: [String: Int] {
            entries.values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// The longest line read: a row of the directory is under a kilobyte.
    public static let maxLine = 64 * 1024

    public static func read(_ url: URL, areas: PoliceAreas) throws -> Result {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw Problem(description: "\(url.path): error: cannot be read")
        }
        defer { try? handle.close() }
        let codes = Dictionary(uniqueKeysWithValues: areas.forces.map { ($0.code, $0.id) })
        var result = Result()
        var columns: (postcode: Int, area: Int, terminated: Int?)?
        var lineNumber = 0

        func row(_ line: Data) throws {
            lineNumber += 1
            var text = String(decoding: line, as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            if lineNumber == 1, text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            let fields = split(text)
            guard let found = columns else {
                let names = fields.map { $0.lowercased() }
                guard let postcode = names.firstIndex(of: "pcds") ?? names.firstIndex(of: "pcd") else {
                    throw Problem(description: "\(url.path):1: error: no 'pcds' column (the ONS Postcode Directory's postcode); columns found: \(names.prefix(12).joined(separator: ", "))")
                }
                guard let area = names.firstIndex(of: "pfa") else {
                    throw Problem(description: "\(url.path):1: error: no 'pfa' column (the ONS Postcode Directory's police force area); columns found: \(names.prefix(12).joined(separator: ", "))")
                }
                columns = (postcode, area, names.firstIndex(of: "doterm"))
                return
            }
            if text.isEmpty { return }
            guard fields.count > max(found.postcode, found.area), let postcode = PostcodeIndex.normalised(fields[found.postcode]) else {
                result.malformed += 1
                if result.malformedLines.count < 5 { result.malformedLines.append(lineNumber) }
                return
            }
            if let t = found.terminated, t < fields.count, !fields[t].isEmpty {
                result.terminated += 1
                return
            }
            let code = fields[found.area]
            guard let force = codes[code] else {
                result.otherAreas[code.isEmpty ? "(none)" : code, default: 0] += 1
                return
            }
            result.entries[postcode] = force
        }

        // Line by line in bounded memory: CR, LF and CRLF each end a line, and a line longer
        // than any row of the directory stops the import at its number (a file whose line ends
        // were lost would otherwise be read as one line of a gigabyte).
        var line = Data()
        var afterCR = false
        func tooLong() -> Problem {
            Problem(description: "\(url.path):\(lineNumber + 1): error: line \(lineNumber + 1) is longer than \(maxLine) bytes: not a row of the ONS Postcode Directory's CSV (a file without line ends reads as one line)")
        }
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            var start = chunk.startIndex
            // The LF of a CRLF split across two reads.
            if afterCR, chunk[start] == 0x0A { start += 1 }
            afterCR = false
            while let end = chunk[start...].firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                guard line.count + (end - start) <= maxLine else { throw tooLong() }
                line.append(chunk[start..<end])
                try row(line)
                line.removeAll(keepingCapacity: true)
                start = end + 1
                if chunk[end] == 0x0D {
                    if start == chunk.endIndex { afterCR = true } else if chunk[start] == 0x0A { start += 1 }
                }
            }
            guard line.count + (chunk.endIndex - start) <= maxLine else { throw tooLong() }
            line.append(chunk[start...])
        }
        if !line.isEmpty { try row(line) }
        if columns == nil { throw Problem(description: "\(url.path): error: the file is empty") }
        return result
    }

    /// One CSV line's fields: commas separate, double quotes enclose, `""` is a quote.
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is a quote; a single one ends the quoted part.
                    var look = iterator
                    if look.next() == "\"" { field.append("\""); iterator = look } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(field.trimmingCharacters(in: .whitespaces)); field = "" }
            else { field.append(c) }
        }
        fields.append(field.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
