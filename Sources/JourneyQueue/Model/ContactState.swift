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

    /// The lifecycle: the moves docs/ARCHITECTURE.md allows. Both stores' guards are generated from it
    /// (`allowedMoveSQL`), so that a statement moving a contact any other way fails in the store itself.
    /// - Only a claim takes a contact out of the queue, and only its write-ahead record sends it.
    /// - A claimed, sent or looked-for contact takes any verdict, or goes back to the queue.
    /// - A queued contact is otherwise only withdrawn by an erasure (dead); confirmed and unverifiable are for good; dead
    ///   and expired leave only by an operator's redrive (dead to `unknown` when its last request may have been taken:
    ///   looked for before anything is sent).
    public func canMove(to next: ContactState) -> Bool {
        guard next != self else { return false }
        switch (self, next) {
        case (_, .claimed): return self == .queued
        case (_, .sending): return self == .claimed
        case (.queued, _): return next == .dead
        case (.confirmed, _), (.unverifiable, _): return false
        case (.dead, _): return next == .queued || next == .unknown
        case (.expired, _): return next == .queued
        default: return true
        }
    }

    /// The states a contact in this state may move to, as a bit mask (bit n: the state whose raw value is n).
    public var allowedNext: Int {
        Self.allCases.filter { canMove(to: $0) }.reduce(0) { $0 | 1 << $1.rawValue }
    }

    /// An SQL condition, the same in both engines' dialects, true when a contact may move from the state held by the
    /// expression `old` to the one held by `new` (integer columns).
    public static func allowedMoveSQL(old: String, new: String) -> String {
        let masks = allCases.map { "WHEN \($0.rawValue) THEN \($0.allowedNext)" }.joined(separator: " ")
        return "((CASE \(old) \(masks) ELSE 0 END >> \(new)) & 1) = 1"
    }
}
