import Dispatch

/// Work spread over the machine's cores, with results in the input's order (so output and
/// diagnostics stay deterministic).
public enum Parallel {
    /// `transform` applied to every element, several at once.
    public static func map<T: Sendable, U: Sendable>(_ items: [T], _ transform: @Sendable (T) -> U) -> [U] {
        guard items.count > 1 else { return items.map(transform) }
        var results = [U?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes its own slot only.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: items.count) { i in slots[i] = transform(items[i]) }
        }
        return results.compactMap { $0 }
    }

    /// `transform` applied to every element with a diagnostic sink of its own; the diagnostics
    /// go to `sink` afterwards, in the elements' order.
    public static func map<T: Sendable, U: Sendable>(
        _ items: [T], sink: DiagnosticSink, _ transform: @Sendable (T, DiagnosticSink) -> U
    ) -> [U] {
        let results = map(items) { item -> (U, [Diagnostic]) in
            let own = DiagnosticSink()
            let result = transform(item, own)
            return (result, own.all)
        }
        for (_, diagnostics) in results { sink.add(contentsOf: diagnostics) }
        return results.map(\.0)
    }
}
