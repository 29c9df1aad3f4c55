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

    /// `file:line:col: error: message`, the shape compilers use so editors can jump to it.
    public var description: String {
        var text = "\(file):\(line):\(column): \(severity.rawValue): \(message)"
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

    /// The start of a file, for problems that concern the whole file.
    public static func start(of file: String) -> SourceLocation {
        SourceLocation(file: file, line: 1, column: 1)
    }
}

/// Collects diagnostics so that loading reports every problem in one run.
public struct DiagnosticBag: Sendable {
    public private(set) var all: [Diagnostic] = []

    public init() {}

    public mutating func add(_ diagnostic: Diagnostic) { all.append(diagnostic) }
    public mutating func add(contentsOf other: [Diagnostic]) { all.append(contentsOf: other) }

    public mutating func error(_ location: SourceLocation, _ message: String, hint: String? = nil) {
        all.append(.error(location, message, hint: hint))
    }

    public mutating func warning(_ location: SourceLocation, _ message: String, hint: String? = nil) {
        all.append(.warning(location, message, hint: hint))
    }

    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    /// Sorted by file, line and column, without repeats.
    public var sorted: [Diagnostic] { Array(Set(all)).sorted() }
}

/// Thrown when loading or building cannot go on; carries everything found so far.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
