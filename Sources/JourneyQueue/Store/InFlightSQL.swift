/// How readers see a contact whose request is in flight, the same in both engines' dialects.
///
/// The write-ahead record writes its batch only (`batch.sent_at`, schema v16 / PostgreSQL v10), not each contact: a
/// contact stored `claimed` in a batch that has sent it is `sending`. The settle or lease recovery that moves it next
/// copies the batch's stamp into its row (`sent_at`, `looks` from zero, `carried`). Every reader of a contact's state
/// joins its batch through these fragments, so that `show`, the API, exports and reports still give its exact state.
public enum InFlightSQL {
    /// Joins the batch of a contact aliased `c` as `fb`, only when that batch has sent it.
    public static let join =
        "LEFT JOIN batch fb ON fb.id = c.batch_id AND c.state = \(StateCode.claimed) AND fb.sent_at IS NOT NULL"

    /// The state readers see (with `join`).
    public static let state = "CASE WHEN fb.id IS NULL THEN c.state ELSE \(StateCode.sending) END"

    /// The batches that carried the contact, the one sending it included (with `join`).
    public static let carried = "CASE WHEN fb.id IS NULL THEN c.carried ELSE COALESCE(c.carried || ' ', '') || fb.id END"

    /// Its eventInstanceId: none while a request carries it (an id from an earlier request no longer describes it; the
    /// settle forgets it, with `join`).
    public static let eventInstanceID = "CASE WHEN fb.id IS NULL THEN c.event_instance_id END"

    /// Its last change: the start of the request carrying it, while it is in flight (with `join`).
    public static let updatedAt = "COALESCE(fb.sent_at, c.updated_at)"

    /// Contacts in flight per destination: stored `claimed` in an open batch that has sent them. The counters count
    /// them as `claimed` (their stored state); `split` moves them to `sending`. Reads open batches only.
    public static let sendingByDestination = """
        SELECT c.destination_id, COUNT(*) FROM batch b JOIN contact c ON c.batch_id = b.id
        WHERE b.state = \(StateCode.batchOpen) AND b.sent_at IS NOT NULL AND c.state = \(StateCode.claimed)
        GROUP BY c.destination_id
        """

    /// Moves `sending` of the counted `claimed` contacts to `sending`.
    public static func split(_ counts: inout [ContactState: Int], sending: Int) {
        guard sending > 0 else { return }
        let moved = min(sending, counts[.claimed, default: 0])
        counts[.claimed, default: 0] -= moved
        counts[.sending, default: 0] += moved
    }

    /// `split` for counts keyed by the states' names (reports).
    public static func split(_ counts: inout [String: Int], sending: Int) {
        var byState = [ContactState: Int]()
        for state in [ContactState.claimed, .sending] { byState[state] = counts[state.description] }
        split(&byState, sending: sending)
        for (state, n) in byState { counts[state.description] = n }
    }

    /// Contacts in flight at the destination whose id the parameter `destination` (`?1`, `$1`) holds.
    public static func sendingAt(destination: String) -> String {
        """
        SELECT COUNT(*) FROM batch b JOIN contact c ON c.batch_id = b.id
        WHERE b.destination_id = \(destination) AND b.state = \(StateCode.batchOpen) AND b.sent_at IS NOT NULL
            AND c.state = \(StateCode.claimed)
        """
    }
}
