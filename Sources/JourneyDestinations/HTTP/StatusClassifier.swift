import JourneyQueue

/// The verdict an HTTP status alone gives for every contact of a request, before any per-member answer.
enum StatusClassifier {
    /// nil for a 2xx (the body decides); a verdict for everything else.
    static func verdict(for answer: HTTPAnswer) -> Verdict? {
        switch answer.status {
        case 200..<300: return nil
        case 429: return .throttled(reason: "HTTP 429 \(summary(answer))")
        // A refused token after a fresh one, or a redirect, is the configuration's problem, never the contacts'.
        case 401: return .unavailable(reason: "HTTP 401 after a token refresh \(summary(answer))")
        case 300..<400:
            return .unavailable(
                reason:
                    "HTTP \(answer.status) redirect to \(RedactedURL.origin(answer.headers["location"] ?? "?")) "
                    + "(journeyq follows no redirect)"
            )
        case 503 where answer.headers["retry-after"] != nil:
            return .ambiguous(reason: "HTTP 503 \(summary(answer))", destinationFault: true)
        case 408, 500..<600: return .ambiguous(reason: "HTTP \(answer.status) \(summary(answer))")
        default: return .permanent(reason: "HTTP \(answer.status) \(summary(answer))")
        }
    }

    /// The verdict for a request that got no answer.
    static func verdict(for failure: TransportFailure) -> Verdict {
        switch failure.kind {
        case .notSent: .unavailable(reason: "not sent: \(failure.message)")
        case .timeout: .ambiguous(reason: "no answer in time: \(failure.message)")
        case .connectionLost: .ambiguous(reason: "connection lost: \(failure.message)")
        }
    }

    /// When a throttled destination may be tried again: what the answer asks for, else the configured pause; clamped
    /// to the destination's longest pause.
    static func throttledUntil(_ answer: HTTPAnswer, now: Int64, policy: OutcomePolicy) -> Int64 {
        policy.clampedPause(until: RetryAfter.until(answer, now: now) ?? now + policy.throttlePauseMillis, now: now)
    }

    /// Whether a look answered `status` tells something of the contacts looked at. A 5xx or a 408 is an outage of the
    /// look endpoint (the gate's look circuit waits it out); a 429, a redirect or a 401 left after a token refresh is the
    /// destination's state (its gate pauses it): none of them costs the contacts a look. Only an answer about the
    /// request itself (another 4xx) does.
    static func lookFailureCounts(status: Int) -> Bool {
        (400..<500).contains(status) && status != 429 && status != 401 && status != 408
    }

    /// A short description of an error answer for reasons and logs: errorcode and message when the body has them.

    static func summary(_ answer: HTTPAnswer) -> String {
        func short(_ text: String?) -> String? { text.map { String($0.prefix(200)) } }
        let json = JSONValue.parse(answer.body)
        if case .object = json {
            let code = json?["errorcode"]?.scalarText.map { "errorcode \($0)" } ?? short(json?["error"]?.string).map { "error \($0)" }
            let message = short(json?["message"]?.string ?? json?["error_description"]?.string)
            return [code.map { String($0.prefix(220)) }, message].compactMap { $0 }.joined(separator: ": ")
        }
        if let first = json?.array?.first {
            return [short(first["errorCode"]?.string), short(first["message"]?.string)].compactMap { $0 }.joined(separator: ": ")
        }
        return String(answer.bodyText.prefix(200))
    }
}
