import GRDB
import JourneyQueue

/// The outbox on SQLite: one writer commits in id order, so an event's id is its place in the feed (`tx` is 0).
extension SQLiteQueueStore {
    static let eventColumns = """
        e.id, e.type, d.name, e.at, e.contact_key, e.state, e.reason, e.event_instance_id, e.request_id, e.attempts, e.cause, e.until
        """

    /// Events after `?1` that the filter keeps (`?2` types, `?3` destinations, JSON arrays or NULL), oldest first.
    static let eventsSQL = """
        SELECT \(eventColumns) FROM event e JOIN destination d ON d.id = e.destination_id
        WHERE e.id > ?1 AND e.id <= ?5 AND (?2 IS NULL OR e.type IN (SELECT value FROM json_each(?2)))
          AND (?3 IS NULL OR d.name IN (SELECT value FROM json_each(?3)))
        ORDER BY e.id LIMIT ?4
        """

    static func event(_ row: Row) -> QueueEvent? {
        guard let type = EventType(rawValue: row[1]) else { return nil }
        return QueueEvent(
            position: EventPosition(tx: 0, id: row[0]), type: type, destination: row[2], at: row[3], contactKey: row[4],
            state: (row[5] as Int?).flatMap(ContactState.init(rawValue:)), reason: row[6], eventInstanceID: row[7], requestID: row[8],
            attempts: row[9], cause: row[10], until: row[11])
    }

    static func fetchEvents(_ db: Database, after: Int64, upTo: Int64 = Int64.max, limit: Int, filter: EventFilter) throws -> [QueueEvent] {
        try Row.fetchAll(db.cachedStatement(sql: eventsSQL), arguments: [after, filter.typesJSON, filter.destinationsJSON, limit, upTo])
            .compactMap(event)
    }

    public func events(after: EventPosition?, limit: Int, filter: EventFilter) async throws -> [QueueEvent] {
        try await pool.read { db in try Self.fetchEvents(db, after: after?.id ?? 0, limit: limit, filter: filter) }
    }

    /// Records a pause or resume of `destinationID` when `after` differs from `before` in what a producer cares about:
    /// paused or not, and the reason (and, for an operator's pause, its end).
    static func recordPauseEvent(
        _ db: Database, destinationID: Int64, cause: String, before: (until: Int64?, reason: String?),
        after: (until: Int64?, reason: String?), now: Int64
    ) throws {
        guard let change = PauseChange(cause: cause, before: before, after: after) else { return }
        try db.cachedStatement(sql: "INSERT INTO event(type, destination_id, cause, reason, until, at) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [change.type.rawValue, destinationID, cause, change.reason, change.until, now])
    }

    @discardableResult
    public func ensureWebhooks(_ names: [String]) async throws -> [String] {
        let now = clock.nowMillis()
        return try await pool.write { db in
            let end = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM event") ?? 0
            for name in names {
                try db.execute(
                    sql: """
                        INSERT INTO webhook_endpoint(name, cursor_id, created_at) VALUES (?1, ?2, ?3)
                        ON CONFLICT(name) DO UPDATE SET retired_at = NULL
                        """, arguments: [name, end, now])
            }
            let configured = "[" + names.map(JSONText.string).joined(separator: ",") + "]"
            return try String.fetchAll(
                db,
                sql:
                    "SELECT name FROM webhook_endpoint WHERE retired_at IS NULL"
                    + " AND name NOT IN (SELECT value FROM json_each(?)) ORDER BY name",
                arguments: [configured])
        }
    }

    public func retireWebhook(endpoint: String) async throws -> WebhookState? {
        guard let before = try await webhookStates(filters: [:]).first(where: { $0.endpoint == endpoint }) else { return nil }
        let now = clock.nowMillis()
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE webhook_endpoint SET retired_at = COALESCE(retired_at, ?) WHERE name = ?", arguments: [now, endpoint])
        }
        return before
    }

    public func claimWebhookBatch(endpoint: String, owner: String, filter: EventFilter, limit: Int, leaseMillis: Int64) async throws
        -> WebhookBatch?
    {
        let now = clock.nowMillis()
        // Most polls find nothing to do: a read says so without taking the write lock.
        let idle = try await pool.read { db -> Bool in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT parked_at IS NOT NULL OR next_attempt_at > ?2 OR (owner IS NOT ?3 AND lease_until > ?2)
                               OR (pending_id IS NULL AND cursor_id >= (SELECT COALESCE(MAX(id), 0) FROM event))
                        FROM webhook_endpoint WHERE name = ?1
                        """, arguments: [endpoint, now, owner])
            else { return true }
            return row[0]
        }
        if idle { return nil }
        // Fsynced: the events a claim hands out, and the batch it forms, are on disk before the endpoint hears of them.
        return try await writes.write(durable: true) { db -> WebhookBatch? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT cursor_id, pending_id, message_id, attempts, pending_since, parked_at, pending_types, owner, lease_until,
                               next_attempt_at, pending_destinations
                        FROM webhook_endpoint WHERE name = ?
                        """, arguments: [endpoint])
            else { return nil }
            let cursor: Int64 = row[0]
            let leaseHolder: String? = row[7]
            if (row[5] as Int64?) != nil { return nil }
            if let leaseHolder, leaseHolder != owner, (row[8] as Int64) > now { return nil }
            if (row[9] as Int64) > now { return nil }
            // A worker that has the endpoint in its config takes it back from an operator's retirement.
            if let pending = row[1] as Int64? {
                // The batch in hand, as it was formed: the same events under the same id, whatever the filter is now.
                let formed = EventFilter(typesJSON: row[6], destinationsJSON: row[10])
                let events = try Self.fetchEvents(db, after: cursor, upTo: pending, limit: Int(Int32.max), filter: formed)
                try db.execute(
                    sql:
                        "UPDATE webhook_endpoint SET owner = ?, lease_until = ?, attempts = attempts + 1, retired_at = NULL WHERE name = ?",
                    arguments: [owner, now + leaseMillis, endpoint])
                return WebhookBatch(
                    endpoint: endpoint, messageID: row[2] ?? WebhookBatch.newMessageID(), events: events, from: EventPosition(id: cursor),
                    to: EventPosition(id: pending), attempt: (row[3] as Int) + 1, since: row[4] ?? now)
            }
            let events = try Self.fetchEvents(db, after: cursor, limit: limit, filter: filter)
            guard let last = events.last else {
                // Nothing it wants: the cursor moves past what the filter skipped, so that retention is not held back.
                try db.execute(
                    sql: "UPDATE webhook_endpoint SET cursor_id = MAX(cursor_id, (SELECT COALESCE(MAX(id), 0) FROM event)) WHERE name = ?",
                    arguments: [endpoint])
                return nil
            }
            let from = EventPosition(id: cursor), to = last.position
            let messageID = WebhookBatch.newMessageID()
            try db.execute(
                sql: """
                    UPDATE webhook_endpoint SET pending_id = ?, pending_count = ?, pending_since = ?, message_id = ?, attempts = 1,
                        owner = ?, lease_until = ?, pending_types = ?, pending_destinations = ?, retired_at = NULL
                    WHERE name = ?
                    """,
                arguments: [
                    to.id, events.count, now, messageID, owner, now + leaseMillis, filter.typesJSON, filter.destinationsJSON, endpoint,
                ])
            return WebhookBatch(endpoint: endpoint, messageID: messageID, events: events, from: from, to: to, attempt: 1, since: now)
        }
    }

    public func webhookDelivered(_ batch: WebhookBatch, owner: String) async throws -> Bool {
        let now = clock.nowMillis()
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_endpoint SET cursor_id = pending_id, pending_id = NULL, pending_count = NULL,
                        pending_since = NULL, message_id = NULL, pending_types = NULL, pending_destinations = NULL,
                        attempts = 0, failing_since = NULL, last_error = NULL, next_attempt_at = 0,
                        delivered = delivered + ?1, deliveries = deliveries + 1,
                        last_delivered_at = ?2, lease_until = 0
                    WHERE name = ?3 AND owner = ?4 AND pending_id = ?5 AND cursor_id = ?6
                    """, arguments: [batch.events.count, now, batch.endpoint, owner, batch.to.id, batch.from.id])
            return db.changesCount == 1
        }
    }

    public func webhookFailed(_ batch: WebhookBatch, owner: String, error: String, nextAttemptAt: Int64, parkAfterMillis: Int64)
        async throws -> WebhookState?
    {
        let now = clock.nowMillis()
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_endpoint SET failing_since = COALESCE(failing_since, ?1), last_error = ?2, next_attempt_at = ?3,
                        parked_at = CASE WHEN ?1 - COALESCE(failing_since, ?1) >= ?4 THEN ?1 END, lease_until = 0
                    WHERE name = ?5 AND owner = ?6 AND pending_id = ?7
                    """, arguments: [now, error, nextAttemptAt, parkAfterMillis, batch.endpoint, owner, batch.to.id])
        }
        return try await webhookStates(filters: [:]).first { $0.endpoint == batch.endpoint }
    }

    public func redeliverWebhook(endpoint: String) async throws -> WebhookState? {
        guard let before = try await webhookStates(filters: [:]).first(where: { $0.endpoint == endpoint }) else { return nil }
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_endpoint SET parked_at = NULL, failing_since = NULL, attempts = 0, next_attempt_at = 0, lease_until = 0
                    WHERE name = ?
                    """, arguments: [endpoint])
        }
        return before
    }

    public func webhookStates(filters: [String: EventFilter]) async throws -> [WebhookState] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT name, delivered, deliveries, last_delivered_at, attempts, failing_since, last_error, next_attempt_at,
                           parked_at, retired_at, cursor_id
                    FROM webhook_endpoint ORDER BY name
                    """
            ).map { row in
                var state = WebhookState(
                    endpoint: row[0], delivered: row[1], deliveries: row[2], lastDeliveredAt: row[3], attempts: row[4],
                    failingSince: row[5], lastError: row[6], nextAttemptAt: row[7], parkedAt: row[8], retiredAt: row[9])
                let filter = filters[state.endpoint] ?? .all
                if let waiting = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT COUNT(*), MIN(e.at) FROM event e JOIN destination d ON d.id = e.destination_id
                            WHERE e.id > ?1 AND (?2 IS NULL OR e.type IN (SELECT value FROM json_each(?2)))
                              AND (?3 IS NULL OR d.name IN (SELECT value FROM json_each(?3)))
                            """), arguments: [row[10] as Int64, filter.typesJSON, filter.destinationsJSON])
                {
                    state.undelivered = waiting[0]
                    state.oldestUndeliveredAt = waiting[1]
                }
                return state
            }
        }
    }

    /// Deletes at most `limit` events older than `before` that every endpoint not retired has been told.
    static func pruneEvents(_ db: Database, before: Int64, limit: Int) throws -> Int {
        try db.execute(
            sql: """
                DELETE FROM event WHERE id IN (
                    SELECT id FROM event WHERE at < ?1
                      AND id <= COALESCE((SELECT MIN(cursor_id) FROM webhook_endpoint WHERE retired_at IS NULL), 9223372036854775807)
                    ORDER BY id LIMIT ?2)
                """, arguments: [before, limit])
        return db.changesCount
    }
}
