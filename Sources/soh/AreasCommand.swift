import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// The police areas and the postcode index the API looks postcodes up in (docs/routing.md).
struct AreasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "areas", abstract: "Make and use the postcode index of the police areas.", subcommands: [Import.self, Lookup.self])

    static let defaultIndex = "data/postcodes.idx"

    static func areas(root: String) throws -> PoliceAreas {
        let sink = DiagnosticSink()
        let rootURL = URL(fileURLWithPath: root)
        guard let areas = PoliceAreas.load(root: rootURL, languages: ["en", "cy"], sink: sink) else {
            var err = StandardError()
            let problems = sink.sorted.isEmpty ? [Diagnostic.general(.error, "\(PoliceAreas.file) is missing", hint: "Run soh in the repository's top folder, or pass --root DIR.")] : sink.sorted
            for problem in problems { print(problem.description, to: &err) }
            throw ExitCode(1)
        }
        return areas
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the postcode index from the ONS Postcode Directory's CSV (its pcds, pfa and doterm columns).")
        @Argument(help: "The ONSPD CSV file (e.g. ONSPD_NOV_2025_UK.csv).") var file: String
        @OptionGroup var repository: RepositoryOption
        @Option(help: "The index to write (default: data/postcodes.idx in the repository).") var out: String?

        func run() throws {
            let areas = try AreasCommand.areas(root: repository.root)
            let result: PostcodeImport.Result
            do {
                result = try PostcodeImport.read(URL(fileURLWithPath: file), areas: areas)
            } catch {
                var err = StandardError()
                print("\(error)", to: &err)
                throw ExitCode(1)
            }
            guard !result.entries.isEmpty else {
                var err = StandardError()
                print("\(file): error: no postcode in the file is in a force's area of \(PoliceAreas.file); nothing was written", to: &err)
                throw ExitCode(1)
            }
            let index = PostcodeIndex(entries: result.entries)
            let target = URL(fileURLWithPath: out ?? repository.url.appendingPathComponent(AreasCommand.defaultIndex).path)
            // Written beside and renamed over: an API reading the old index never sees half a file.
            let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString)")
            do {
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try index.encoded.write(to: temporary)
                guard rename(temporary.path, target.path) == 0 else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
                }
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                var err = StandardError()
                print("\(target.path): error: cannot be written (\(error.localizedDescription)); the previous index is unchanged", to: &err)
                throw ExitCode(1)
            }
            print("\(target.path): \(index.count) postcodes in the areas of \(index.forces.count) forces")
            var left: [String] = []
            if result.terminated > 0 { left.append("\(result.terminated) no longer in use") }
            if !result.otherAreas.isEmpty {
                let codes = result.otherAreas.sorted { $0.key < $1.key }.prefix(6).map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                left.append("\(result.otherAreas.values.reduce(0, +)) in no force's area here (\(codes))")
            }
            if result.malformed > 0 { left.append("\(result.malformed) line\(result.malformed == 1 ? "" : "s") not a postcode row (line \(result.malformedLines.map(String.init).joined(separator: ", ")))") }
            if !left.isEmpty { print("left out: " + left.joined(separator: "; ")) }
            let missing = areas.forces.map(\.id).filter { result.perForce[$0] == nil }
            if !missing.isEmpty { print("warning: no postcode for \(missing.joined(separator: ", ")): is the file the whole directory?") }
        }
    }

    struct Lookup: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say which force's area a postcode is in.")
        @Argument(help: "A postcode, e.g. 'CF10 1AA'.") var postcode: String
        @OptionGroup var repository: RepositoryOption
        @Option(help: "The index (default: data/postcodes.idx in the repository).") var index: String?

        func run() throws {
            var err = StandardError()
            let file = URL(fileURLWithPath: index ?? repository.url.appendingPathComponent(AreasCommand.defaultIndex).path)
            let postcodes: PostcodeIndex
            do { postcodes = try PostcodeIndex(contentsOf: file) } catch {
                print("error: \(error)", to: &err)
                throw ExitCode(1)
            }
            guard let normalised = PostcodeIndex.normalised(postcode) else {
                print("error: '\(postcode)' is not a postcode", to: &err)
                throw ExitCode(1)
            }
            guard let force = postcodes.force(for: normalised) else {
                print("\(PostcodeIndex.display(normalised)): not in the index", to: &err)
                throw ExitCode(2)
            }
            print("\(PostcodeIndex.display(normalised)) \(force)")
        }
    }
}
