/// The conditions a redrive puts on each row, in SQL both stores speak (the row is `contact`): written once so that the
/// dead and the expired redrive, on SQLite and on PostgreSQL, cannot drift apart.
public enum RedriveSQL {
    /// The newest row in `state` of a key that is not live again at its destination.
    public static func newestNotLive(state: String) -> String {
        """
        NOT EXISTS (SELECT 1 FROM contact live WHERE live.destination_id = contact.destination_id
                    AND live.contact_key = contact.contact_key AND live.state < \(StateCode.firstFinal))
          AND id = (SELECT MAX(newest.id) FROM contact newest WHERE newest.destination_id = contact.destination_id
                    AND newest.contact_key = contact.contact_key AND newest.state = \(state))
        """
    }

    /// Entered since under a newer row (enqueued again), or in doubt there: redriving it would enter it again.
    public static let superseded = """
        EXISTS (SELECT 1 FROM contact newer WHERE newer.destination_id = contact.destination_id AND newer.contact_key = contact.contact_key
                AND newer.id > contact.id AND newer.state IN (\(StateCode.confirmed), \(StateCode.unverifiable)))
        """
}
