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
}
