/// A problem found in a user's file: where it is, what is wrong, and what to do about it.
public struct Diagnostic: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    public var severity: Severity
    /// Path relative to the site root, e.g. `forces/kent.yml`.
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var hint: String?

    public init(
        _ severity: Severity, _ file: String, line: Int, column: Int, _ message: String, hint: String? = nil
    ) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    public static func error(_ location: SourceLocation, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(.error, location.file, line: location.line, column: location.column, message, hint: hint)
    }

    public static func warning(_ location: SourceLocation, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(.warning, location.file, line: location.line, column: location.column, message, hint: hint)
    }

    /// A problem with no place in a file (a command-line option, a missing database): its
    /// description has no location rather than a made-up one.
    public static func general(_ severity: Severity, _ message: String, hint: String? = nil, file: String = "") -> Diagnostic {
        Diagnostic(severity, file, line: 0, column: 0, message, hint: hint)
    }

    /// `file:line:col: error: message`, the shape compilers use so editors can jump to it;
    /// `file: error: …` for a whole file, `error: …` for no file at all.
    public var description: String {
        let place = file.isEmpty ? "" : line > 0 ? "\(file):\(line):\(column): " : "\(file): "
        var text = "\(place)\(severity.rawValue): \(message)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    public static func < (a: Diagnostic, b: Diagnostic) -> Bool {
        (a.file, a.line, a.column, a.message) < (b.file, b.line, b.column, b.message)
    }
}

/// A position in a source file; lines and columns count from 1.
public struct SourceLocation: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A whole file or folder, with no line: a file that is missing, or a folder.
    public static func whole(_ file: String) -> SourceLocation {
        SourceLocation(file: file, line: 0, column: 0)
    }

    /// The start of a file, for problems that concern the whole file.
    public static func start(of file: String) -> SourceLocation {
        SourceLocation(file: file, line: 1, column: 1)
    }
}

/// The one place diagnostics are collected: every parser and loader writes into the sink it
/// is given, so that one run reports every problem. Work done in parallel gives each task its
/// own sink and adds them up after (`Parallel`).
public final class DiagnosticSink {
    public private(set) var all: [Diagnostic] = []

    public init() {}

    public func add(_ diagnostic: Diagnostic) { all.append(diagnostic) }
    public func add(contentsOf other: [Diagnostic]) { all.append(contentsOf: other) }

    public func error(_ location: SourceLocation, _ message: String, hint: String? = nil) {
        all.append(.error(location, message, hint: hint))
    }

    public func warning(_ location: SourceLocation, _ message: String, hint: String? = nil) {
        all.append(.warning(location, message, hint: hint))
    }

    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    /// Sorted by file, line and column, without repeats.
    public var sorted: [Diagnostic] { Array(Set(all)).sorted() }
}

/// Thrown when loading or building cannot go on; carries everything found so far.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    /// The forces whose output was written before the failure (a build that fails while
    /// writing); empty when it failed before writing anything.
    public var writtenForces: [String] = []
    /// The forces whose output was being written when it failed: some of their files are new.
    public var partlyWrittenForces: [String] = []
    public init(_ diagnostics: [Diagnostic], writtenForces: [String] = [], partlyWrittenForces: [String] = []) {
        self.diagnostics = diagnostics
        self.writtenForces = writtenForces
        self.partlyWrittenForces = partlyWrittenForces
    }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Names a set of forces in a message: every name when there are few, else a count, the first
/// names and how many more (`on 43 forces: avon-and-somerset, bedfordshire, … and 40 more`).
public enum ForceList {
    public static func text(_ forces: [String]) -> String {
        switch forces.count {
        case 0: ""
        case 1: "on \(forces[0])"
        case 2...6: "on \(forces.count) forces: \(forces.joined(separator: ", "))"
        default: "on \(forces.count) forces: \(forces.prefix(3).joined(separator: ", ")) and \(forces.count - 3) more"
        }
    }
}
