import JourneyQueue
import PostgresNIO

/// The outbox on PostgreSQL. Concurrent transactions commit out of id order, so events are ordered by (tx, id) and a
/// reader sees only events of transactions older than every transaction still running (the snapshot's xmin): those
/// can no longer be joined by an event that sorts before them.
extension PostgresQueueStore {
    /// The oldest transaction still running: every event with a smaller tx is committed or gone for good.
    static let horizonSQL = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"

    /// Events in ((`$1`,`$2`), (`$6`,`$7`)] of transactions before `$5` that the filter keeps (`$3` types, `$4`
    /// destinations, JSON arrays or NULL), in order.
    static let eventsSQL = """
        SELECT e.tx, e.id, e.type, d.name, e.at, e.contact_key, e.state, e.reason, e.event_instance_id, e.request_id, e.attempts,
               e.cause, e.until
        FROM event e JOIN destination d ON d.id = e.destination_id
        WHERE (e.tx, e.id) > ($1::bigint, $2::bigint) AND (e.tx, e.id) <= ($6::bigint, $7::bigint) AND e.tx < $5::bigint
          AND ($3::text IS NULL OR e.type IN (SELECT jsonb_array_elements_text($3::text::jsonb)))
          AND ($4::text IS NULL OR d.name IN (SELECT jsonb_array_elements_text($4::text::jsonb)))
        ORDER BY e.tx, e.id LIMIT $8
        """

    func fetchEvents(
        _ connection: PostgresConnection, after: EventPosition, upTo: EventPosition = EventPosition(tx: Int64.max, id: Int64.max),
        horizon: Int64, limit: Int, filter: EventFilter
    ) async throws -> [QueueEvent] {
        try await rows(
            connection, Self.eventsSQL, [after.tx, after.id, filter.typesJSON, filter.destinationsJSON, horizon, upTo.tx, upTo.id, limit]
        )
        .compactMap { row in
            guard let type = EventType(rawValue: try row[2].decode(String.self)) else { return nil }
            return QueueEvent(
                position: EventPosition(tx: try row[0].decode(Int64.self), id: try row[1].decode(Int64.self)), type: type,
                destination: try row[3].decode(String.self), at: try row[4].decode(Int64.self), contactKey: try row[5].decode(String?.self),
                state: try row[6].decode(Int?.self).flatMap(ContactState.init(rawValue:)), reason: try row[7].decode(String?.self),
                eventInstanceID: try row[8].decode(String?.self), requestID: try row[9].decode(String?.self),
                attempts: try row[10].decode(Int?.self), cause: try row[11].decode(String?.self), until: try row[12].decode(Int64?.self))
        }
    }

    func horizon(_ connection: PostgresConnection) async throws -> Int64 {
        try await rows(connection, Self.horizonSQL)[0][0].decode(Int64.self)
    }

    public func events(after: EventPosition?, limit: Int, filter: EventFilter) async throws -> [QueueEvent] {
        try await transaction { connection in
            let horizon = try await self.horizon(connection)
            let events = try await self.fetchEvents(connection, after: after ?? .start, horizon: horizon, limit: limit, filter: filter)
            // Queue moves commit without waiting for the disk: before anyone reads these events, a commit that waits
            // for it (an id drawn makes this transaction one) puts them, written before it, on disk too.
            if !events.isEmpty { try await self.makeDurable(connection) }
            return events
        }
    }

    /// Makes the transaction's commit wait for the disk, and gives it a transaction id so that it has a commit to wait
    /// for: everything committed before it is then on disk too.
    func makeDurable(_ connection: PostgresConnection) async throws {
        try await execute(connection, "SELECT set_config('synchronous_commit', 'on', true), pg_current_xact_id()")
    }

    /// Records a pause or resume, as the SQLite store does, in the transaction that changed it.
    func recordPauseEvent(
        _ connection: PostgresConnection, destinationID: Int64, cause: String, before: (until: Int64?, reason: String?),
        after: (until: Int64?, reason: String?), now: Int64
    ) async throws {
        guard let change = PauseChange(cause: cause, before: before, after: after) else { return }
        try await execute(
            connection, "INSERT INTO event(type, destination_id, cause, reason, until, at) VALUES ($1, $2, $3, $4, $5::bigint, $6)",
            [change.type.rawValue, destinationID, cause, change.reason, change.until, now])
    }

    @discardableResult
    public func ensureWebhooks(_ names: [String]) async throws -> [String] {
        let now = clock.nowMillis()
        return try await transaction { connection in
            // A new endpoint is told of what happens from now on: everything of transactions still running, or later.
            let horizon = try await self.horizon(connection)
            for name in names {
                try await self.execute(
                    connection,
                    """
                    INSERT INTO webhook_endpoint(name, cursor_tx, cursor_id, created_at) VALUES ($1, $2, \(Int64.max), $3)
                    ON CONFLICT (name) DO UPDATE SET retired_at = NULL
                    """, [name, horizon - 1, now])
            }
            let configured = "[" + names.map(JSONText.string).joined(separator: ",") + "]"
            return try await self.rows(
                connection,
                """
                SELECT name FROM webhook_endpoint WHERE retired_at IS NULL
                  AND name NOT IN (SELECT jsonb_array_elements_text($1::text::jsonb)) ORDER BY name
                """, [configured]
            ).map { try $0[0].decode(String.self) }
        }
    }

    public func retireWebhook(endpoint: String) async throws -> WebhookState? {
        guard let before = try await webhookStates(filters: [:]).first(where: { $0.endpoint == endpoint }) else { return nil }
        let now = clock.nowMillis()
        try await transaction { connection in
            try await self.execute(
                connection, "UPDATE webhook_endpoint SET retired_at = COALESCE(retired_at, $1) WHERE name = $2", [now, endpoint])
        }
        return before
    }

    public func claimWebhookBatch(endpoint: String, owner: String, filter: EventFilter, limit: Int, leaseMillis: Int64) async throws
        -> WebhookBatch?
    {
        let now = clock.nowMillis()
        return try await transaction { connection -> WebhookBatch? in
            guard
                let row = try await self.rows(
                    connection,
                    """
                    SELECT cursor_tx, cursor_id, pending_tx, pending_id, message_id, attempts, pending_since, parked_at, pending_types,
                           owner, lease_until, next_attempt_at, pending_destinations
                    FROM webhook_endpoint WHERE name = $1 FOR UPDATE
                    """, [endpoint]
                ).first
            else { return nil }
            let cursor = EventPosition(tx: try row[0].decode(Int64.self), id: try row[1].decode(Int64.self))
            if try row[7].decode(Int64?.self) != nil { return nil }
            if let holder = try row[9].decode(String?.self), holder != owner, try row[10].decode(Int64.self) > now { return nil }
            if try row[11].decode(Int64.self) > now { return nil }
            if let pendingTx = try row[2].decode(Int64?.self), let pendingID = try row[3].decode(Int64?.self) {
                let pending = EventPosition(tx: pendingTx, id: pendingID)
                // The batch in hand, as it was formed: the same events under the same id, whatever the filter is now.
                let formed = EventFilter(typesJSON: try row[8].decode(String?.self), destinationsJSON: try row[12].decode(String?.self))
                let events = try await self.fetchEvents(
                    connection, after: cursor, upTo: pending, horizon: Int64.max, limit: Int(Int32.max), filter: formed)
                try await self.execute(
                    connection,
                    """
                    UPDATE webhook_endpoint SET owner = $1, lease_until = $2, attempts = attempts + 1, retired_at = NULL WHERE name = $3
                    """, [owner, now + leaseMillis, endpoint])
                try await self.makeDurable(connection)
                return WebhookBatch(
                    endpoint: endpoint, messageID: try row[4].decode(String?.self) ?? WebhookBatch.newMessageID(),
                    events: events, from: cursor, to: pending, attempt: try row[5].decode(Int.self) + 1,
                    since: try row[6].decode(Int64?.self) ?? now)
            }
            let horizon = try await self.horizon(connection)
            let events = try await self.fetchEvents(connection, after: cursor, horizon: horizon, limit: limit, filter: filter)
            guard let last = events.last else {
                // Nothing it wants among what can no longer be overtaken: the cursor moves past it.
                let end = EventPosition(tx: horizon - 1, id: Int64.max)
                if cursor < end {
                    try await self.execute(
                        connection, "UPDATE webhook_endpoint SET cursor_tx = $1, cursor_id = $2 WHERE name = $3",
                        [end.tx, end.id, endpoint])
                }
                return nil
            }
            let messageID = WebhookBatch.newMessageID()
            try await self.execute(
                connection,
                """
                UPDATE webhook_endpoint SET pending_tx = $1, pending_id = $2, pending_count = $3, pending_since = $4,
                    message_id = $5, attempts = 1,
                    owner = $6, lease_until = $7, pending_types = $8, pending_destinations = $9, retired_at = NULL
                WHERE name = $10
                """,
                [
                    last.position.tx, last.position.id, events.count, now, messageID, owner, now + leaseMillis, filter.typesJSON,
                    filter.destinationsJSON,
                    endpoint,
                ])
            // Queue moves (the verdicts among them) commit without waiting for the disk; this commit waits, and with it
            // every event it hands out, before the endpoint hears of them.
            try await self.makeDurable(connection)
            return WebhookBatch(
                endpoint: endpoint, messageID: messageID, events: events, from: cursor, to: last.position, attempt: 1, since: now)
        }
    }

    public func webhookDelivered(_ batch: WebhookBatch, owner: String) async throws -> Bool {
        let now = clock.nowMillis()
        return try await transaction { connection in
            try await self.count(
                connection,
                """
                UPDATE webhook_endpoint SET cursor_tx = pending_tx, cursor_id = pending_id, pending_tx = NULL, pending_id = NULL,
                    pending_count = NULL, pending_since = NULL, message_id = NULL, pending_types = NULL, pending_destinations = NULL,
                    attempts = 0, failing_since = NULL, last_error = NULL, next_attempt_at = 0,
                    delivered = delivered + $1, deliveries = deliveries + 1, last_delivered_at = $2, lease_until = 0
                WHERE name = $3 AND owner = $4 AND pending_tx = $5 AND pending_id = $6 AND cursor_tx = $7 AND cursor_id = $8
                """, [batch.events.count, now, batch.endpoint, owner, batch.to.tx, batch.to.id, batch.from.tx, batch.from.id]) == 1
        }
    }

    public func webhookFailed(_ batch: WebhookBatch, owner: String, error: String, nextAttemptAt: Int64, parkAfterMillis: Int64)
        async throws -> WebhookState?
    {
        let now = clock.nowMillis()
        try await transaction { connection in
            try await self.execute(
                connection,
                """
                UPDATE webhook_endpoint SET failing_since = COALESCE(failing_since, $1), last_error = $2, next_attempt_at = $3,
                    parked_at = CASE WHEN $1 - COALESCE(failing_since, $1) >= $4 THEN $1 END, lease_until = 0
                WHERE name = $5 AND owner = $6 AND pending_tx = $7 AND pending_id = $8
                """, [now, error, nextAttemptAt, parkAfterMillis, batch.endpoint, owner, batch.to.tx, batch.to.id])
        }
        return try await webhookStates(filters: [:]).first { $0.endpoint == batch.endpoint }
    }

    public func redeliverWebhook(endpoint: String) async throws -> WebhookState? {
        guard let before = try await webhookStates(filters: [:]).first(where: { $0.endpoint == endpoint }) else { return nil }
        try await transaction { connection in
            try await self.execute(
                connection,
                """
                UPDATE webhook_endpoint SET parked_at = NULL, failing_since = NULL, attempts = 0, next_attempt_at = 0, lease_until = 0
                WHERE name = $1
                """, [endpoint])
        }
        return before
    }

    public func webhookStates(filters: [String: EventFilter]) async throws -> [WebhookState] {
        try await transaction { connection in
            var states: [WebhookState] = []
            for row in try await self.rows(
                connection,
                """
                SELECT name, delivered, deliveries, last_delivered_at, attempts, failing_since, last_error, next_attempt_at,
                       parked_at, retired_at, cursor_tx, cursor_id
                FROM webhook_endpoint ORDER BY name
                """)
            {
                var state = WebhookState(
                    endpoint: try row[0].decode(String.self), delivered: try row[1].decode(Int64.self),
                    deliveries: try row[2].decode(Int64.self), lastDeliveredAt: try row[3].decode(Int64?.self),
                    attempts: try row[4].decode(Int.self), failingSince: try row[5].decode(Int64?.self),
                    lastError: try row[6].decode(String?.self), nextAttemptAt: try row[7].decode(Int64.self),
                    parkedAt: try row[8].decode(Int64?.self), retiredAt: try row[9].decode(Int64?.self))
                let filter = filters[state.endpoint] ?? .all
                let waiting = try await self.rows(
                    connection,
                    """
                    SELECT count(*)::bigint, MIN(e.at) FROM event e JOIN destination d ON d.id = e.destination_id
                    WHERE (e.tx, e.id) > ($1::bigint, $2::bigint)
                      AND ($3::text IS NULL OR e.type IN (SELECT jsonb_array_elements_text($3::text::jsonb)))
                      AND ($4::text IS NULL OR d.name IN (SELECT jsonb_array_elements_text($4::text::jsonb)))
                    """, [try row[10].decode(Int64.self), try row[11].decode(Int64.self), filter.typesJSON, filter.destinationsJSON])
                state.undelivered = try waiting[0][0].decode(Int64.self)
                state.oldestUndeliveredAt = try waiting[0][1].decode(Int64?.self)
                states.append(state)
            }
            return states
        }
    }
}
