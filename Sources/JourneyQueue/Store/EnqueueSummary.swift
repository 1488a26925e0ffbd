/// What one enqueue did.
public struct EnqueueSummary: Sendable, Equatable, Codable {
    public var enqueued: Int
    /// Contacts already live for the destination (or twice in the input): not enqueued again.
    public var duplicates: Int
    /// Records rejected by validation (only with `--skip-invalid`).
    public var rejected: Int
    /// Records whose data named no known time zone for the destination's send window (they use its default zone);
    /// nil when the enqueue did not know the window.
    public var withoutZone: Int?

    public init(enqueued: Int = 0, duplicates: Int = 0, rejected: Int = 0) {
        self.enqueued = enqueued
        self.duplicates = duplicates
        self.rejected = rejected
    }
}
