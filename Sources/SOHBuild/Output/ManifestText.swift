import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// A force's manifest, written entry by entry from bytes (a build that puts a page's new body in
/// place writes it from the build cache's lines).
struct ManifestText {
    private var text: TextBytes
    private var count = 0

    init(force: String, capacity: Int) {
        text = TextBytes(capacity: 128 * capacity + 64)
        text.append("{\n  \"force\": \"\(Escape.json(force))\",\n  \"files\": [\n")
    }

    mutating func add<N: BinaryInteger>(path: ArraySlice<UInt8>, size: N, sha256: ArraySlice<UInt8>) {
        text.append(count == 0 ? "    " : ",\n    ")
        text.append(bytes: Self.entry(path: path, size: size, sha256: sha256)[...])
        count += 1
    }

    /// One file's entry: `{"path": "…", "size": …, "sha256": "…"}`.
    static func entry<N: BinaryInteger>(path: ArraySlice<UInt8>, size: N, sha256: ArraySlice<UInt8>) -> [UInt8] {
        var text = TextBytes(capacity: path.count + 110)
        text.append("{\"path\": \"")
        text.append(bytes: escaped(path))
        text.append("\", \"size\": ")
        text.append(size)
        text.append(", \"sha256\": \"")
        text.append(bytes: sha256)
        text.append("\"}")
        return text.bytes
    }

    /// A path as a JSON string's content. Paths are plain ASCII but for rare exceptions, which go
    /// through the JSON escaper.
    static func escaped(_ path: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard path.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 >= 0x80 }) else {
            return path
        }
        return Array(Escape.json(String(decoding: path, as: UTF8.self)).utf8)[...]
    }

    /// Where the entry of `path` starts in a manifest's bytes.
    static func find(path: ArraySlice<UInt8>, in manifest: [UInt8]) -> Int? {
        let needle = Array("{\"path\": \"".utf8) + escaped(path) + Array("\",".utf8)
        return manifest.withUnsafeBufferPointer { hay -> Int? in
            guard let base = hay.baseAddress else { return nil }
            var i = 0
            while i + needle.count <= hay.count {
                // Each entry starts with "{"; memchr skips to the next one.
                guard let found = memchr(base + i, 0x7B, hay.count - i) else { return nil }
                i = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if i + needle.count <= hay.count, hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
                i += 1
            }
            return nil
        }
    }

    func finish() -> Data {
        var done = text
        done.append(count == 0 ? "  ]\n}\n" : "\n  ]\n}\n")
        return done.data
    }
}
