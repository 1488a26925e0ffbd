import JourneyQueue

/// What one answer says about the destination itself, for its gate: the same rules for every kind.
enum AnswerSignals {
    static func signal(for answer: HTTPAnswer, now: Int64) -> DestinationSignal {
        switch answer.status {
        case 429:
            return .throttled(until: RetryAfter.until(answer, now: now) ?? now)
        case 503:
            // "Unavailable" with a time to come back is the remote saying it is down, not that a request failed.
            if let until = RetryAfter.until(answer, now: now) { return .down(reason: "HTTP 503 with Retry-After", until: until) }
            return .strike(reason: "HTTP 503")
        case 500..<600, 408:
            return .strike(reason: "HTTP \(answer.status)")
        case 300..<400:
            return .down(
                reason:
                    "HTTP \(answer.status) redirect to \(RedactedURL.origin(answer.headers["location"] ?? "?")): "
                    + "journeyq follows no redirect; fix the configured URL",
                until: nil)
        default:
            return .healthy
        }
    }

    static func signal(for failure: TransportFailure) -> DestinationSignal {
        switch failure.kind {
        case .notSent: .down(reason: "not reachable: \(failure.message)", until: nil)
        case .timeout: .strike(reason: "no answer in time")
        case .connectionLost: .strike(reason: "connection lost: \(failure.message)")
        }
    }
}
