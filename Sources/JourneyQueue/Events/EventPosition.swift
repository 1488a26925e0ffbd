/// An event's place in the outbox's order: `(tx, id)`, compared in that order. On SQLite `tx` is always 0 (one writer
/// commits in id order); on PostgreSQL it is the writing transaction's id, because ids are drawn before commits and
/// concurrent transactions commit out of id order.
public struct EventPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var tx: Int64
    public var id: Int64

    public init(tx: Int64 = 0, id: Int64) {
        self.tx = tx
        self.id = id
    }

    /// Before every event.
    public static let start = EventPosition(tx: 0, id: 0)

    public static func < (left: EventPosition, right: EventPosition) -> Bool {
        (left.tx, left.id) < (right.tx, right.id)
    }

    /// The cursor as clients see it: opaque, `id` alone when `tx` is 0, else `tx.id`.
    public var text: String { tx == 0 ? "\(id)" : "\(tx).\(id)" }

    public var description: String { text }

    /// Parses `text`'s form; nil for anything else.
    public init?(text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 18 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let last = Int64(parts[parts.count - 1])
        else { return nil }
        if parts.count == 2 {
            guard let tx = Int64(parts[0]) else { return nil }
            self.init(tx: tx, id: last)
        } else {
            self.init(tx: 0, id: last)
        }
    }
}
