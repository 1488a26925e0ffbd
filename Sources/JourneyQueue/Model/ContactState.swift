/// The life of one contact at one destination, as drawn in docs/ARCHITECTURE.md.
///
/// Raw values are stored in SQLite; live states sort before final ones so that
/// "live" is `state < confirmed` in SQL.
public enum ContactState: Int, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case queued = 0
    case claimed = 1
    case sending = 2
    case accepted = 3
    case unknown = 4
    case confirmed = 5
    case unverifiable = 6
    case dead = 7
    /// Its `notAfter` passed before it was sent: never sent, final (an operator may redrive it with a new `notAfter`).
    case expired = 8

    /// The lower-case name used in reports, logs and the command line.
    public var description: String {
        switch self {
        case .queued: "queued"
        case .claimed: "claimed"
        case .sending: "sending"
        case .accepted: "accepted"
        case .unknown: "unknown"
        case .confirmed: "confirmed"
        case .unverifiable: "unverifiable"
        case .dead: "dead"
        case .expired: "expired"
        }
    }

    /// Parses a state from its name.
    public init?(name: String) {
        guard let state = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = state
    }

    /// True for the states a contact never leaves on its own (only an operator's redrive moves `dead` and `expired`).
    public var isFinal: Bool { rawValue >= ContactState.confirmed.rawValue }

    /// The transitions docs/ARCHITECTURE.md allows; the store refuses any other.
    public func canMove(to next: ContactState) -> Bool {
        switch (self, next) {
        case (.queued, .claimed): true
        case (.claimed, .sending), (.claimed, .queued), (.claimed, .expired): true
        case (.sending, .accepted), (.sending, .queued), (.sending, .unknown),
            (.sending, .dead), (.sending, .unverifiable), (.sending, .confirmed):
            true
        case (.accepted, .confirmed), (.accepted, .queued), (.accepted, .dead): true
        case (.unknown, .confirmed), (.unknown, .queued), (.unknown, .dead), (.unknown, .unverifiable): true
        case (.dead, .queued), (.expired, .queued): true
        default: false
        }
    }
}
