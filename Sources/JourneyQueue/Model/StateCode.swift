/// Contact and batch states as they appear in SQL text, for every store. Statements name the state they mean
/// (`state = \(StateCode.queued)`) while their text still holds the literal number, which the partial indexes of migrations/ are written
/// with.
public enum StateCode {
    public static let queued = text(.queued)
    public static let claimed = text(.claimed)
    public static let sending = text(.sending)
    public static let accepted = text(.accepted)
    public static let unknown = text(.unknown)
    public static let confirmed = text(.confirmed)
    public static let unverifiable = text(.unverifiable)
    public static let dead = text(.dead)
    public static let expired = text(.expired)
    /// Live states are below this one; it and those above are final.
    public static let firstFinal = confirmed

    /// `contact.wait_cause`: queued and held back by the destination's send window.
    public static let waitWindow = "1"
    /// `contact.wait_cause`: queued and held back by its own `notBefore`.
    public static let waitNotBefore = "2"

    /// `contact_count.state` under which the count of contacts waiting for the send window is kept (not a contact state).
    public static let windowWaitCounter = "100"

    /// A batch whose lease is held.
    public static let batchOpen = "0"
    /// A batch its worker settled.
    public static let batchSettled = "1"
    /// A batch whose lease ran out before it was settled (lease recovery closed it).
    public static let batchExpired = "2"

    private static func text(_ state: ContactState) -> String { String(state.rawValue) }
}
