/// What one request's answer said about the destination itself (not about the contacts it carried).
public enum DestinationSignal: Sendable, Equatable {
    /// An answer that shows the destination working: a 2xx, or a 4xx about the request itself.
    case healthy
    /// A 429: no request before `until`. Throttling is the remote working as designed, not an outage.
    case throttled(until: Int64)
    /// A 5xx or a timeout: one strike; a run of them across consecutive requests opens the circuit.
    case strike(reason: String)
    /// The destination is unwell (connection refused, DNS or TLS failure, no token, a 503 with Retry-After, a redirect,
    /// a 401 after a token refresh): open the circuit, until `until` if the remote said.
    case down(reason: String, until: Int64?)
}

/// Paces one destination's requests (rate, requests in flight, throttling pauses, an open circuit, an operator's pause)
/// and learns the destination's health from their answers. Every request calls `enter()` once before it leaves, then
/// `report(_:)` once after its answer, or `leave(purpose:)` if it never left.
public protocol RequestGate: Sendable {
    /// Waits until one more request of this purpose may start. An operator's pause stops every request; a journey that
    /// takes no entries stops submissions, while the looks that find out whether that hold may end still go.
    func enter(purpose: AttemptPurpose) async throws
    /// What the request's answer said about the destination. Only submissions' failures add up to an open circuit:
    /// a look endpoint that fails proves nothing about the entry endpoint (but a failed probe is a failed probe).
    func report(_ signal: DestinationSignal, purpose: AttemptPurpose) async
    /// A request that entered and was not sent after all (its write-ahead record failed, the lease was lost): its place
    /// among the requests in flight is given back.
    func leave(purpose: AttemptPurpose) async
}

/// A gate that never waits (tools and tests that talk to one destination directly).
public struct OpenGate: RequestGate {
    public init() {}
    public func enter(purpose: AttemptPurpose) async throws {}
    public func report(_ signal: DestinationSignal, purpose: AttemptPurpose) async {}
    public func leave(purpose: AttemptPurpose) async {}
}
