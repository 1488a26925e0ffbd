import Tracing

/// The trace the running task is in, whatever tracer is bootstrapped: read through the W3C `traceparent` the tracer
/// would send, so that no code but the composition root knows which tracing backend there is.
public enum TraceIdentity {
    struct Carrier: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    /// The current trace's id (32 lowercase hex digits) when a span is active and sampled; nil otherwise (no tracer,
    /// tracing off, or this trace not sampled: its id would lead nowhere).
    public static func current() -> String? {
        guard let context = InstrumentationContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: Carrier())
        return traceID(fromTraceparent: carrier["traceparent"])
    }

    /// `00-<trace id>-<span id>-<flags>`: the trace id when the sampled flag is set.
    static func traceID(fromTraceparent header: String?) -> String? {
        guard let parts = header?.split(separator: "-"), parts.count == 4, parts[1].count == 32, parts[1].allSatisfy(\.isHexDigit),
            parts[1].contains(where: { $0 != "0" }), let flags = UInt8(parts[3], radix: 16), flags & 1 == 1
        else { return nil }
        return parts[1].lowercased()
    }
}
