/// How many times a contact is tried, and how long it waits between tries:
/// capped exponential backoff with full jitter.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts a contact gets before it goes `dead`.
    public var maxAttempts: Int
    /// The first backoff's ceiling, in milliseconds.
    public var baseDelayMillis: Int64
    /// The largest backoff ceiling, in milliseconds.
    public var maxDelayMillis: Int64

    public init(
        maxAttempts: Int = DestinationSettings.Retry.maxAttempts.defaultInt,
        baseDelayMillis: Int64 = DestinationSettings.Retry.baseDelay.defaultMillis,
        maxDelayMillis: Int64 = DestinationSettings.Retry.maxDelay.defaultMillis
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelayMillis = baseDelayMillis
        self.maxDelayMillis = maxDelayMillis
    }

    /// The backoff ceiling after `attempt` (1-based) failed: base × 2^(attempt-1), capped.
    public func ceiling(afterAttempt attempt: Int) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 40)
        let raw = baseDelayMillis.multipliedReportingOverflow(by: Int64(1) << exponent)
        return raw.overflow ? maxDelayMillis : min(raw.partialValue, maxDelayMillis)
    }

    /// A delay drawn uniformly from [0, ceiling] ("full jitter"), so that retries of different batches spread out.
    public func delay<G: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout G) -> Int64 {
        delay(afterAttempt: attempt, jitter: Double.random(in: 0..<1, using: &generator))
    }

    /// The delay at `jitter` (0 ≤ jitter < 1) of the ceiling. One batch's contacts share one jitter, so that
    /// they come back together as one batch instead of as many small ones (Bulk jobs are counted per day).
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Int64 {
        Int64((Double(ceiling(afterAttempt: attempt)) * min(max(jitter, 0), 1)).rounded(.down))
    }

    /// True when a contact that has had `attempts` tries may have another.
    public func allowsAnother(after attempts: Int) -> Bool { attempts < maxAttempts }
}

/// Where backoff jitter comes from (0 ≤ value < 1): injected, so that tests can fix it.
public protocol JitterSource: Sendable {
    func next() -> Double
}

/// The system's random numbers.
public struct SystemJitter: JitterSource {
    public init() {}
    public func next() -> Double { Double.random(in: 0..<1) }
}

/// The same value every time (tests).
public struct FixedJitter: JitterSource {
    public let value: Double
    public init(_ value: Double) { self.value = min(max(value, 0), 0.999_999) }
    public func next() -> Double { value }
}
