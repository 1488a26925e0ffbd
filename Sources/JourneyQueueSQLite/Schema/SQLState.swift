import JourneyQueue

/// Contact and batch states as they appear in SQL text. Statements name the state they mean (`state = \(SQLState.queued)`)
/// while their text still holds the literal number, which the partial indexes of migrations/ are written with.
enum SQLState {
    static let queued = text(.queued)
    static let claimed = text(.claimed)
    static let sending = text(.sending)
    static let accepted = text(.accepted)
    static let unknown = text(.unknown)
    static let confirmed = text(.confirmed)
    static let unverifiable = text(.unverifiable)
    static let dead = text(.dead)
    /// Live states are below this one; it and those above are final.
    static let firstFinal = confirmed

    /// A batch whose lease is held.
    static let batchOpen = "0"
    /// A batch its worker settled.
    static let batchSettled = "1"
    /// A batch whose lease ran out before it was settled (lease recovery closed it).
    static let batchExpired = "2"

    private static func text(_ state: ContactState) -> String { String(state.rawValue) }
}
