/// How many times a contact is tried, and how long it waits between tries:
/// capped exponential backoff with full jitter.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts a contact gets before it goes `dead`.
    public var maxAttempts: Int
    /// The first backoff's ceiling, in milliseconds.
    public var baseDelayMillis: Int64
    /// The largest backoff ceiling, in milliseconds.
    public var maxDelayMillis: Int64

    public init(maxAttempts: Int = 8, baseDelayMillis: Int64 = 1_000, maxDelayMillis: Int64 = 300_000) {
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

    /// A delay drawn uniformly from [0, ceiling] ("full jitter"), so that retries of one failed batch spread out.
    public func delay<G: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout G) -> Int64 {
        Int64.random(in: 0...ceiling(afterAttempt: attempt), using: &generator)
    }

    /// True when a contact that has had `attempts` tries may have another.
    public func allowsAnother(after attempts: Int) -> Bool { attempts < maxAttempts }
}
