/// The kinds of file a `file` question can take, each known by its first bytes: what a form's
/// `accept` may name, and what the API decides a file is from its content (never its name).
public enum MediaType: String, Sendable, Codable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case gif = "image/gif"
    case webp = "image/webp"
    case heic = "image/heic"
    case mp4 = "video/mp4"
    case quicktime = "video/quicktime"
    case pdf = "application/pdf"

    /// How a person knows it ("JPG", "MP4"), for messages and hints.
    public var shown: String {
        switch self {
        case .jpeg: "JPG"
        case .png: "PNG"
        case .gif: "GIF"
        case .webp: "WEBP"
        case .heic: "HEIC"
        case .mp4: "MP4"
        case .quicktime: "MOV"
        case .pdf: "PDF"
        }
    }

    /// The extensions a browser's file chooser offers for it (`accept` on the input).
    public var extensions: [String] {
        switch self {
        case .jpeg: [".jpg", ".jpeg"]
        case .png: [".png"]
        case .gif: [".gif"]
        case .webp: [".webp"]
        case .heic: [".heic"]
        case .mp4: [".mp4", ".m4v"]
        case .quicktime: [".mov"]
        case .pdf: [".pdf"]
        }
    }

    /// Bytes enough to tell every kind apart.
    public static let sniffLength = 16

    /// The kind these first bytes of a file begin, nil when they begin none of them (a file
    /// named `.jpg` that is not a JPEG is nil too).
    public static func sniff(_ head: some Collection<UInt8>) -> MediaType? {
        let b = Array(head.prefix(sniffLength))
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + bytes.count && Array(b[offset..<offset + bytes.count]) == bytes
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if ascii("GIF87a") || ascii("GIF89a") { return .gif }
        if ascii("RIFF"), ascii("WEBP", at: 8) { return .webp }
        if ascii("%PDF-") { return .pdf }
        // ISO base media files (MP4, MOV, HEIC): a box named `ftyp` at 4, its major brand at 8.
        if ascii("ftyp", at: 4), b.count >= 12 {
            let brand = String(decoding: b[8..<12], as: UTF8.self)
            if ["heic", "heix", "heim", "heis", "mif1", "msf1"].contains(brand) { return .heic }
            if brand == "qt  " { return .quicktime }
            if ["isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "MSNV", "dash", "3gp4", "3gp5", "3g2a"].contains(brand) { return .mp4 }
        }
        return nil
    }

    /// The kinds `names` stands for: media types, or `image/*` and `video/*` for every image or
    /// video kind; nil with the first name that is none of them.
    public static func parse(_ names: [String]) -> Result<[MediaType], Unknown> {
        var kinds: [MediaType] = []
        for name in names {
            let lower = name.lowercased()
            let found: [MediaType] = if lower.hasSuffix("/*") {
                allCases.filter { $0.rawValue.hasPrefix(lower.dropLast()) }
            } else {
                MediaType(rawValue: lower).map { [$0] } ?? []
            }
            guard !found.isEmpty else { return .failure(Unknown(name: name)) }
            kinds += found.filter { !kinds.contains($0) }
        }
        return .success(kinds)
    }

    public struct Unknown: Error {
        public var name: String
    }
}

/// A size in bytes as people write it in a form definition (`20 MB`, `1 GB`, `500 KB`; a
/// kilobyte 1,000 bytes, as phones count) and as messages show it.
public enum ByteSize {
    static let units: [(name: String, bytes: Int64)] = [("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000)]

    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let bytes = Int64(trimmed) { return bytes > 0 ? bytes : nil }
        for unit in units where trimmed.uppercased().hasSuffix(unit.name) {
            let number = trimmed.dropLast(unit.name.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value > 0, value * Double(unit.bytes) < 1e15 else { return nil }
            return Int64(value * Double(unit.bytes))
        }
        return nil
    }

    /// `300MB`, `1.5GB`, `900KB` (GOV.UK's style: no space, the largest whole unit).
    public static func shown(_ bytes: Int64) -> String {
        for unit in units where bytes >= unit.bytes {
            let value = Double(bytes) / Double(unit.bytes)
            let text = value == value.rounded() ? String(Int64(value)) : String(format: "%.1f", value)
            return text + unit.name
        }
        return "\(bytes) bytes"
    }
}

import Foundation
