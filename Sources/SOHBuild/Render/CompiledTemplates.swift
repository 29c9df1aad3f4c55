import Foundation
import Mustache
import SOHModel

/// The theme's Mustache templates, rendered without swift-mustache's dynamic casts.
///
/// swift-mustache parses every template (its errors are the ones users see) and defines what
/// the output is. Rendering through it costs a protocol cast for every name looked up at every
/// level of the context, which made it a quarter of a build. This renderer takes the templates
/// swift-mustache parsed, turns the render context into plain values once per page, and follows
/// the same rules: names looked up from the innermost context outwards, dotted names resolved
/// from the first object that has their first part, the same truthiness for sections, the same
/// escaping, standalone-line indentation for partials and blocks, and template inheritance.
///
/// It covers the Mustache the themes use; a template using anything else (transforms,
/// dynamically named partials, pragmas) or a context holding a kind of value it does not know
/// makes `render` return nil, and the caller renders with swift-mustache instead. The tests render
/// every page of the repository both ways and compare the bytes.
struct CompiledTemplates: Sendable {
    final class Template: Sendable {
        let tokens: [Token]
        init(_ tokens: [Token]) { self.tokens = tokens }
    }

    enum Token: Sendable {
        case text(String)
        /// A name split at its dots; `implicit` for `{{.}}`, `local` for a name starting with a dot.
        case variable(Name, escaped: Bool)
        case section(Name, Template)
        case invertedSection(Name, Template)
        case block(String, default: Template, indentation: String?)
        case partial(String, indentation: String?, overrides: [String: Template]?)
    }

    struct Name: Sendable {
        var parts: [String]
        var implicit: Bool
        var local: Bool

        init(_ name: String) {
            implicit = name == "."
            local = !implicit && name.first == "."
            parts = name.split(separator: ".").map(String.init)
        }
    }

    /// A context value, converted once from the `[String: Any]` the renderer builds.
    enum Value: Sendable {
        case string(String)
        case bool(Bool)
        case number(String)
        case map([String: Value])
        case list([Value])
        /// An optional without a value stored in a context: prints "nil" and counts as
        /// present, as in swift-mustache.
        case absentOptional
    }

    struct Unsupported: Error {}

    let templates: [String: Template]

    /// Nil when a template uses something this renderer leaves to swift-mustache.
    init?(_ library: MustacheLibrary, names: some Sequence<String>) {
        var templates: [String: Template] = [:]
        for name in names {
            guard let template = library.getTemplate(named: name), let compiled = try? Self.compile(template) else { return nil }
            templates[name] = compiled
        }
        self.templates = templates
    }

    // MARK: Compiling swift-mustache's parse

    /// Reads the tokens of a parsed template. swift-mustache keeps them internal, so they are
    /// read by reflection; any shape not expected here (another version, another feature)
    /// throws, and the theme is rendered by swift-mustache alone.
    static func compile(_ template: MustacheTemplate) throws -> Template {
        guard let tokens = Mirror(reflecting: template).children.first(where: { $0.label == "tokens" })?.value as? [Any] else {
            throw Unsupported()
        }
        return Template(try tokens.map(compileToken))
    }

    static func compileToken(_ token: Any) throws -> Token {
        guard let (kind, payload) = Mirror(reflecting: token).children.first.map({ ($0.label ?? "", $0.value) }) else { throw Unsupported() }
        let fields = Mirror(reflecting: payload).children.map(\.value)
        func string(_ i: Int) throws -> String {
            guard i < fields.count, let s = fields[i] as? String else { throw Unsupported() }
            return s
        }
        func noTransforms(_ i: Int) throws {
            guard i < fields.count, let transforms = fields[i] as? [String], transforms.isEmpty else { throw Unsupported() }
        }
        func template(_ i: Int) throws -> Template {
            guard i < fields.count, let t = fields[i] as? MustacheTemplate else { throw Unsupported() }
            return try compile(t)
        }
        func optionalString(_ i: Int) throws -> String? {
            guard i < fields.count else { throw Unsupported() }
            if let s = fields[i] as? String { return s }
            if let s = fields[i] as? String? { return s }
            throw Unsupported()
        }
        switch kind {
        case "text":
            guard let text = payload as? String else { throw Unsupported() }
            return .text(text)
        case "variable", "unescapedVariable":
            try noTransforms(1)
            return .variable(Name(try string(0)), escaped: kind == "variable")
        case "section", "invertedSection":
            try noTransforms(1)
            let name = Name(try string(0))
            return kind == "section" ? .section(name, try template(2)) : .invertedSection(name, try template(2))
        case "blockExpansion":
            return .block(try string(0), default: try template(1), indentation: try optionalString(2))
        case "partial":
            guard fields.count == 3 else { throw Unsupported() }
            var overrides: [String: Template]?
            if let given = fields[2] as? [String: MustacheTemplate] {
                overrides = try given.mapValues(compile)
            } else if fields[2] as? [String: MustacheTemplate]? == nil {
                throw Unsupported()
            }
            return .partial(try string(0), indentation: try optionalString(1), overrides: overrides)
        default:
            // Transforms' lambdas, dynamic partials, content-type pragmas.
            throw Unsupported()
        }
    }

    // MARK: Context values

    /// The context as plain values. Only these exact types are converted, so a conversion never
    /// changes what a value is; anything else throws.
    static func value(_ any: Any) throws(Unsupported) -> Value {
        let type = ObjectIdentifier(Swift.type(of: any))
        if type == ObjectIdentifier(String.self), let s = any as? String { return .string(s) }
        if type == ObjectIdentifier([String: Any].self), let d = any as? [String: Any] { return .map(try map(d)) }
        if type == ObjectIdentifier([String: String].self), let d = any as? [String: String] { return .map(d.mapValues { .string($0) }) }
        if type == ObjectIdentifier(Bool.self), let b = any as? Bool { return .bool(b) }
        if type == ObjectIdentifier([[String: Any]].self), let a = any as? [[String: Any]] {
            var items: [Value] = []
            items.reserveCapacity(a.count)
            for d in a { items.append(.map(try map(d))) }
            return .list(items)
        }
        if type == ObjectIdentifier([[String: String]].self), let a = any as? [[String: String]] {
            return .list(a.map { .map($0.mapValues { .string($0) }) })
        }
        if type == ObjectIdentifier([String].self), let a = any as? [String] { return .list(a.map { .string($0) }) }
        if type == ObjectIdentifier([Any].self), let a = any as? [Any] {
            var items: [Value] = []
            items.reserveCapacity(a.count)
            for element in a { items.append(try value(element)) }
            return .list(items)
        }
        if type == ObjectIdentifier(Int.self), let n = any as? Int { return .number(String(n)) }
        if let optional = any as? OptionalValue {
            guard let wrapped = optional.wrappedValue else { return .absentOptional }
            return try value(wrapped)
        }
        throw Unsupported()
    }

    static func map(_ dictionary: [String: Any]) throws(Unsupported) -> [String: Value] {
        var fields: [String: Value] = [:]
        fields.reserveCapacity(dictionary.count)
        for (key, element) in dictionary { fields[key] = try value(element) }
        return fields
    }

    // MARK: Rendering

    struct Context {
        var stack: [Value]
        var indentation: String?
        var inherited: [String: Template]?
    }

    /// The page, or nil when swift-mustache must render it.
    func render(_ context: [String: Any], withTemplate name: String) -> String? {
        guard let template = templates[name] else { return nil }
        do {
            let root = Value.map(try Self.map(context))
            var out = ""
            out.reserveCapacity(16_384)
            try render(template, Context(stack: [root]), into: &out)
            return out
        } catch {
            return nil
        }
    }

    func render(_ template: Template, _ context: Context, into out: inout String) throws(Unsupported) {
        guard let indentation = context.indentation, !indentation.isEmpty else {
            for token in template.tokens { try render(token, context, into: &out) }
            return
        }
        // Inside an indented partial or block: a token's output is indented when it starts a
        // line of this template's own output (so, as in swift-mustache, the second item of a
        // section is not: the section's output is one piece).
        var own = ""
        for token in template.tokens {
            var piece = ""
            try render(token, context, into: &piece)
            if !piece.isEmpty, own.last == "\n" { own += indentation }
            own += piece
        }
        out += own
    }

    func render(_ token: Token, _ context: Context, into out: inout String) throws(Unsupported) {
        switch token {
        case .text(let text):
            out += text
        case .variable(let name, let escaped):
            guard let value = lookup(name, context) else { return }
            let text = try Self.text(value)
            out += escaped ? Escape.html(text) : text
        case .section(let name, let template):
            switch lookup(name, context) {
            case .list(let items)?:
                for item in items { try render(template, pushing(item, on: context), into: &out) }
            case .bool(let truth)?:
                if truth { try render(template, context, into: &out) }
            case let value?:
                try render(template, pushing(value, on: context), into: &out)
            case nil:
                break
            }
        case .invertedSection(let name, let template):
            switch lookup(name, context) {
            case .list(let items)?:
                if items.isEmpty { try render(template, pushing(.list(items), on: context), into: &out) }
            case .bool(let truth)?:
                if !truth { try render(template, context, into: &out) }
            case .some:
                break
            case nil:
                try render(template, context, into: &out)
            }
        case .block(let name, let fallback, let indentation):
            var inner = context
            if let indentation { inner.indentation = (context.indentation ?? "") + indentation }
            try render(context.inherited?[name] ?? fallback, inner, into: &out)
        case .partial(let name, let indentation, let overrides):
            guard let template = templates[name] else { return }
            var inner = context
            if let indentation { inner.indentation = (context.indentation ?? "") + indentation }
            if let overrides {
                // Overrides from further out win over the ones this partial tag gives.
                inner.inherited = context.inherited.map { $0.merging(overrides) { outer, _ in outer } } ?? overrides
            }
            try render(template, inner, into: &out)
        }
    }

    func pushing(_ value: Value, on context: Context) -> Context {
        var inner = context
        inner.stack.append(value)
        return inner
    }

    /// swift-mustache's lookup: `.` is the innermost value; `.name` looks in it only; `a.b.c`
    /// finds `a` in the innermost value that has it, then `b` and `c` inside that alone.
    func lookup(_ name: Name, _ context: Context) -> Value? {
        guard let innermost = context.stack.last else { return nil }
        if name.implicit { return innermost }
        guard let first = name.parts.first else { return nil }
        var found: Value?
        if name.local {
            found = Self.child(first, of: innermost)
        } else {
            for object in context.stack.reversed() {
                if let child = Self.child(first, of: object) {
                    found = child
                    break
                }
            }
        }
        for part in name.parts.dropFirst() {
            guard let object = found else { return nil }
            found = Self.child(part, of: object)
        }
        return found
    }

    static func child(_ name: String, of value: Value) -> Value? {
        if case .map(let fields) = value { return fields[name] }
        return nil
    }

    /// How swift-mustache prints a value (`String(describing:)`). A dictionary or list printed
    /// whole has no stable order, so such a page is left to swift-mustache.
    static func text(_ value: Value) throws(Unsupported) -> String {
        switch value {
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        case .number(let n): n
        case .absentOptional: "nil"
        case .map, .list: throw Unsupported()
        }
    }
}

/// An optional seen through `Any`, so that a context value holding one can be unwrapped.
protocol OptionalValue {
    var wrappedValue: Any? { get }
}

extension Optional: OptionalValue {
    var wrappedValue: Any? { self.map { $0 as Any } }
}
