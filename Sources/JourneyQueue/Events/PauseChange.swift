/// Whether a destination's pause changed in a way its producers are told of, and how: paused or resumed, why, until when.
public struct PauseChange: Sendable, Equatable {
    public var type: EventType
    public var reason: String?
    /// The pause's end; nil for "until resumed" (stored as `Int64.max`) and for a resume.
    public var until: Int64?

    /// nil when nothing worth telling changed: the same pause reported again (a worker's health, renewed), or no pause
    /// before and after. An operator's pause tells a new end; a worker's only a new reason.
    public init?(cause: String, before: (until: Int64?, reason: String?), after: (until: Int64?, reason: String?)) {
        switch (before.until, after.until) {
        case (nil, nil):
            return nil
        case (.some, nil):
            self.init(type: .destinationResumed, reason: nil, until: nil)
        case (nil, .some(let until)):
            self.init(type: .destinationPaused, reason: after.reason, until: until == Int64.max ? nil : until)
        case (.some(let old), .some(let new)):
            let changed = before.reason != after.reason || (cause == "operator" && old != new)
            guard changed else { return nil }
            self.init(type: .destinationPaused, reason: after.reason, until: new == Int64.max ? nil : new)
        }
    }

    init(type: EventType, reason: String?, until: Int64?) {
        self.type = type
        self.reason = reason
        self.until = until
    }
}
