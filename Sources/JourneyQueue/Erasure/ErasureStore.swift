import Crypto
import Foundation

/// What one erasure did.
public struct ErasureSummary: Sendable, Codable, Equatable {
    /// Contact records with the key (one per destination and enqueue).
    public var contacts = 0
    /// Records whose data is erased now.
    public var erased = 0
    /// Records in flight: never sent again, erased once their request is settled (the daemon finishes it).
    public var pending = 0
    /// Queued records taken out of the queue unsent (dead, "erased on request").
    public var withdrawn = 0
    /// Ledger bodies rewritten without the contact's data.
    public var bodies = 0

    public init() {}

    public static func + (lhs: ErasureSummary, rhs: ErasureSummary) -> ErasureSummary {
        var sum = lhs
        sum.contacts += rhs.contacts
        sum.erased += rhs.erased
        sum.pending += rhs.pending
        sum.withdrawn += rhs.withdrawn
        sum.bodies += rhs.bodies
        return sum
    }
}

/// Erasure of one person's data on request (GDPR art. 17): their contact records keep key, states, ids and times as the
/// proof of what was done; their data leaves the records, the ledger's bodies and the messages.
public protocol ErasureStore: Sendable {
    /// Erases the data of every record with `contactKey`, records the erasure and an audit entry by `actor`.
    func forget(contactKey: String, actor: String) async throws -> ErasureSummary
    /// Finishes the erasures left pending by records that were in flight; returns how many finished.
    func finishErasures() async throws -> Int
}

extension ContactErasure {
    /// How an erasure names its contact in the audit log: the key's SHA-256, so that the log proves an erasure to whoever
    /// knows the key without keeping the key.
    public static func keyDigest(_ key: String) -> String {
        "sha256:" + SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
