/// What a redrive moved.
public struct RedriveSummary: Sendable, Equatable, Codable {
    /// Dead contacts back in `queued`.
    public var queued: Int
    /// Dead contacts whose last request may have been taken: `unknown`, to be looked for first.
    public var toLookFor: Int

    public init(queued: Int = 0, toLookFor: Int = 0) {
        self.queued = queued
        self.toLookFor = toLookFor
    }

    public var total: Int { queued + toLookFor }
}
