/// What the sandbox does to one request, drawn from the `FaultProfile` before the request is handled.
public enum FaultDecision: String, Sendable, CaseIterable {
    case none
    case throttleWithRetryAfter = "throttle_50100"
    case throttleBlocked = "throttle_50200"
    case serverError = "server_error"
    case serverErrorAfterTaken = "server_error_after_taken"
    case timeoutAfterTaken = "timeout_after_taken"
    case dropBeforeTaken = "drop_before_taken"
    /// Taken after the client gave up: a request whose bytes the network delivered late (a retransmission after a
    /// partition healed), which the remote enters though nobody waits for its answer any more.
    case takenLate = "taken_late"
    case absurdThrottle = "absurd_throttle"
    case redirect

    /// Draws one decision; at most one fault per request.
    static func draw(_ profile: FaultProfile, using random: inout SeededRandom) -> FaultDecision {
        let roll = Double.random(in: 0..<1, using: &random)
        var edge = 0.0
        for (decision, rate) in [
            (FaultDecision.throttleWithRetryAfter, profile.throttleWithRetryAfter),
            (.throttleBlocked, profile.throttleBlocked), (.serverError, profile.serverError),
            (.serverErrorAfterTaken, profile.serverErrorAfterTaken), (.timeoutAfterTaken, profile.timeoutAfterTaken),
            (.dropBeforeTaken, profile.dropBeforeTaken), (.absurdThrottle, profile.absurdThrottle),
            (.redirect, profile.redirect), (.takenLate, profile.takenLate),
        ] {
            edge += rate
            if roll < edge { return decision }
        }
        return .none
    }

    /// True when the request is processed (contacts taken) despite the fault.
    var processes: Bool {
        switch self {
        case .none, .serverErrorAfterTaken, .timeoutAfterTaken, .takenLate: true
        default: false
        }
    }
}
