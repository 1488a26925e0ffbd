/// The next look's contacts as far as they are known: how many wait (up to a full look) and when the last of them is due.
public struct LookFill: Sendable, Equatable {
    /// Contacts waiting, at most the count asked for.
    public var contacts: Int
    /// When the last of them comes due (`available_at`).
    public var dueAt: Int64

    public init(contacts: Int, dueAt: Int64) {
        self.contacts = contacts
        self.dueAt = dueAt
    }

    /// The fill from the contacts no look holds (`free`, the first `count` along the look's index, the last due at
    /// `freeDueAt`) and those live looks hold (`held`, their holds ending by `heldUntil`). Held ones come after the free
    /// ones, due when their hold ends, as a look's claim used to make them by writing its lease's end into each: so that
    /// while a look is out, the others wait for the contacts it may hand back (a recheck) instead of looking for the
    /// rest without them.
    public static func combining(free: Int, freeDueAt: Int64?, held: Int, heldUntil: Int64?, count: Int) -> LookFill? {
        guard free < count, held > 0, let heldUntil else { return freeDueAt.map { LookFill(contacts: free, dueAt: $0) } }
        return LookFill(contacts: min(count, free + held), dueAt: max(freeDueAt ?? heldUntil, heldUntil))
    }
}
