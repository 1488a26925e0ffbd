/// What a redrive moved.
public struct RedriveSummary: Sendable, Equatable, Codable {
    /// Dead contacts back in `queued`.
    public var queued: Int
    /// Dead contacts whose last request may have been taken: `unknown`, to be looked for first.
    public var toLookFor: Int
    /// Of `queued`, those whose last request may have been taken at a destination that offers no look (Symplify): sent
    /// again as the operator chose, each counted as a possible duplicate.
    public var possibleDuplicates: Int
    /// Dead contacts left dead because the same key has a newer confirmed or unverifiable row at the destination (it was
    /// enqueued again and delivered, or is in doubt there): a redrive would enter it again.
    public var skipped: Int

    public init(queued: Int = 0, toLookFor: Int = 0, possibleDuplicates: Int = 0, skipped: Int = 0) {
        self.queued = queued
        self.toLookFor = toLookFor
        self.possibleDuplicates = possibleDuplicates
        self.skipped = skipped
    }

    public var total: Int { queued + toLookFor }
}
