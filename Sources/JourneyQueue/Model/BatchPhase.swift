/// The life of a batch (`batch.state`): leased while open, then settled by its worker or expired by lease recovery,
/// and nothing after. Both stores enforce these moves, generated from this definition (`allowedMoveSQL`).
public enum BatchPhase: Int, Sendable, CaseIterable {
    case open = 0
    case settled = 1
    case expired = 2

    /// Whether a batch may move from this phase to `next`: only an open one closes, either way, once.
    public func canMove(to next: BatchPhase) -> Bool { self == .open && next != .open }

    /// The phases a batch in this phase may move to, as a bit mask (bit n: the phase whose raw value is n).
    public var allowedNext: Int { Self.allCases.filter { canMove(to: $0) }.reduce(0) { $0 | 1 << $1.rawValue } }

    /// An SQL condition, the same in both engines' dialects, true when a batch may move from the phase held by `old` to
    /// the one held by `new`.
    public static func allowedMoveSQL(old: String, new: String) -> String {
        let masks = allCases.map { "WHEN \($0.rawValue) THEN \($0.allowedNext)" }.joined(separator: " ")
        return "((CASE \(old) \(masks) ELSE 0 END >> \(new)) & 1) = 1"
    }
}
