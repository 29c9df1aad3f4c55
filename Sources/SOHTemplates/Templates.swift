import Foundation
import SOHModel

/// A theme's Mustache templates by name (layouts and partials share one set of names), and
/// how a page is rendered with them from its typed context.
///
/// The rules are Mustache's, as swift-mustache 2.1 applied them when it rendered these themes
/// (the tests render templates with it and compare): names are looked up from the innermost
/// context outwards, a dotted name from the first object that has its first part; sections
/// repeat for lists and push what they find; `{{…}}` escapes for HTML; a standalone partial or
/// block is indented as its tag, which indents the lines of its output that start a line of the
/// template's own output (so, as there, not the second item of a section); a child's blocks
/// replace its parent's, the outermost definition winning.
public struct Templates: Sendable {
    private(set) var named: [String: Template] = [:]

    public init() {}

    public subscript(_ name: String) -> Template? { named[name] }

    public mutating func add(_ template: Template, named name: String) { named[name] = template }

    /// A chain of templates that leads back to its first (`a → b → a`), nil when there is none.
    /// Rendering one would never end, so a theme with one is refused.
    public func cycle() -> [String]? {
        var done = Set<String>()
        func visit(_ name: String, _ path: [String]) -> [String]? {
            if let start = path.firstIndex(of: name) { return Array(path[start...]) + [name] }
            guard !done.contains(name), let template = named[name] else { return nil }
            for included in Self.included(by: template) {
                if let found = visit(included, path + [name]) { return found }
            }
            done.insert(name)
            return nil
        }
        for name in named.keys.sorted() {
            if let found = visit(name, []) { return found }
        }
        return nil
    }

    /// `name` and every template it names through partials and parents, at any depth, sorted.
    /// Names the theme has no template for are included: adding one changes what renders.
    public func reachable(from name: String) -> [String] {
        var seen: Set<String> = []
        var queue = [name]
        while let next = queue.popLast() {
            guard seen.insert(next).inserted, let template = named[next] else { continue }
            queue += Self.included(by: template)
        }
        return seen.sorted()
    }

    /// The partials and parents a template names, in its blocks and sections too.
    static func included(by template: Template) -> [String] {
        template.tokens.flatMap { token -> [String] in
            switch token {
            case .text, .variable: []
            case .section(_, let inner), .invertedSection(_, let inner), .blockDefinition(_, let inner): included(by: inner)
            case .block(_, let fallback, _): included(by: fallback)
            case .partial(let name, _, let overrides): [name] + (overrides ?? [:]).keys.sorted().flatMap { included(by: overrides![$0]!) }
            }
        }
    }

    // MARK: Rendering

    struct Context {
        var stack: [TemplateValue]
        var indentation: String?
        var inherited: [String: Template]?
        /// How many partials and blocks deep the render is.
        var depth = 0
    }

    /// Partials and blocks nested deeper than this stop the render: a block whose content
    /// includes its own parent, or a block of its own name, would otherwise render for ever
    /// (`cycle()` finds plainer circles at load).
    public static let maximumDepth = 64

    struct TooDeep: Error {}

    /// The page, or nil when there is no template called `name` or its partials nest without end.
    public func render(_ context: TemplateContext, withTemplate name: String) -> String? {
        guard let template = named[name] else { return nil }
        var out = ""
        out.reserveCapacity(16_384)
        do {
            try render(template, Context(stack: [.map(context)]), into: &out)
        } catch {
            return nil
        }
        return out
    }

    func render(_ template: Template, _ context: Context, into out: inout String) throws(TooDeep) {
        guard let indentation = context.indentation, !indentation.isEmpty else {
            for token in template.tokens { try render(token, context, into: &out) }
            return
        }
        var own = ""
        for token in template.tokens {
            var piece = ""
            try render(token, context, into: &piece)
            if !piece.isEmpty, own.last == "\n" { own += indentation }
            own += piece
        }
        out += own
    }

    func render(_ token: Template.Token, _ context: Context, into out: inout String) throws(TooDeep) {
        switch token {
        case .text(let text):
            out += text
        case .variable(let name, let escaped):
            switch lookup(name, context) {
            case .text(let text)?: out += escaped ? Escape.html(text) : text
            case .bool(let truth)?: out += truth ? "true" : "false"
            case .list?, .map?, nil: break
            }
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
            inner.depth += 1
            guard inner.depth <= Self.maximumDepth else { throw TooDeep() }
            if let indentation { inner.indentation = (context.indentation ?? "") + indentation }
            try render(context.inherited?[name] ?? fallback, inner, into: &out)
        case .blockDefinition:
            // Gathered by the parser into the parent's overrides; never left among tokens.
            break
        case .partial(let name, let indentation, let overrides):
            guard let template = named[name] else { return }
            var inner = context
            inner.depth += 1
            guard inner.depth <= Self.maximumDepth else { throw TooDeep() }
            if let indentation { inner.indentation = (context.indentation ?? "") + indentation }
            if let overrides {
                // Overrides from further out win over the ones this partial tag gives.
                inner.inherited = context.inherited.map { $0.merging(overrides) { outer, _ in outer } } ?? overrides
            }
            try render(template, inner, into: &out)
        }
    }

    func pushing(_ value: TemplateValue, on context: Context) -> Context {
        var inner = context
        inner.stack.append(value)
        return inner
    }

    /// `.` is the innermost value; `.name` looks in it only; `a.b.c` finds `a` in the innermost
    /// value that has it, then `b` and `c` inside that alone.
    func lookup(_ name: Template.Name, _ context: Context) -> TemplateValue? {
        guard let innermost = context.stack.last else { return nil }
        if name.implicit { return innermost }
        guard let first = name.parts.first else { return nil }
        var found: TemplateValue?
        if name.local {
            found = innermost[first]
        } else {
            for object in context.stack.reversed() {
                if let child = object[first] {
                    found = child
                    break
                }
            }
        }
        for part in name.parts.dropFirst() {
            guard let object = found else { return nil }
            found = object[part]
        }
        return found
    }
}
