import Foundation
import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func claim(destination: String, limit: Int, leaseMillis: Int64) async throws -> ClaimedBatch? {
        precondition(limit > 0, "claim limit must be positive")
        guard let (claimed, lease) = try await leased(ClaimStatement.self, destination: destination, limit: limit, leaseMillis: leaseMillis)
        else { return nil }
        let contacts = try claimed.map { row in
            ClaimedContact(
                id: try row[0].decode(Int64.self), key: try row[1].decode(String.self), dataJSON: try row[2].decode(String.self),
                attempts: try row[3].decode(Int.self), priorMember: try row[4].decode(Int?.self).flatMap(PriorMembership.init(rawValue:)),
                looks: try row[5].decode(Int.self), notAfter: try row[6].decode(Int64?.self))
        }.sorted { $0.id < $1.id }
        return ClaimedBatch(lease: lease, contacts: contacts)
    }

    /// Runs a claim statement (`claimSQL`, `claimVerificationSQL`: parameters destination id, limit, token, until, now;
    /// the batch id last in every row) under a fresh lease; nil when it claimed nothing.
    func leased<Statement: HotStatement>(
        _ statement: Statement.Type, destination: String, limit: Int, leaseMillis: Int64
    ) async throws -> ([PostgresRandomAccessRow], Lease)? {
        guard let destinationID = try await knownDestinationID(destination) else { return nil }
        let now = clock.nowMillis()
        let token = UUID().uuidString
        let until = now + leaseMillis
        let claimed = try await rows(Statement.self, [destinationID, Int64(limit), token, until, now])
        guard let first = claimed.first else { return nil }
        return (
            claimed, Lease(batchID: try first[first.count - 1].decode(Int64.self), token: token, destination: destination, until: until)
        )
    }

    /// The claim: one statement, so one round trip and no transaction around it. Ready contacts are locked with
    /// SKIP LOCKED (another claimer's rows are passed over, never waited for), the batch is created only when some
    /// were found, and the attempt is counted in the same update. The destination comes as its id, a constant the
    /// planner sees: looked up inside the statement, it planned a scan of the whole table and a sort (19 ms a claim of
    /// 100 among 50,000 contacts, against an index range on `contact_ready`).
    static let claimSQL = """
        WITH picked AS (
            SELECT id FROM contact
            WHERE destination_id = $1 AND state = \(StateCode.queued) AND available_at <= $5
            ORDER BY available_at LIMIT $2
            FOR UPDATE SKIP LOCKED),
        b AS (
            INSERT INTO batch(destination_id, lease_token, lease_until, size, created_at)
            SELECT $1, $3, $4, (SELECT count(*) FROM picked), $5 WHERE EXISTS (SELECT 1 FROM picked)
            RETURNING id)
        UPDATE contact c SET state = \(StateCode.claimed), batch_id = b.id, attempts = c.attempts + 1, updated_at = $5, wait_cause = NULL
        FROM picked, b WHERE c.id = picked.id
        RETURNING c.id, c.contact_key, c.data, c.attempts, c.prior_member, c.looks, c.not_after, b.id
        """

    public func renewLease(_ lease: Lease, leaseMillis: Int64) async throws -> Lease {
        let now = clock.nowMillis()
        return try await transaction { connection in
            // Never shorter than it is: a write-ahead may have extended it past its request's deadline.
            let renewed = try await self.rows(
                connection,
                """
                UPDATE batch SET lease_until = GREATEST(lease_until, $1)
                WHERE id = $2 AND lease_token = $3 AND state = \(StateCode.batchOpen) AND lease_until >= $4 RETURNING lease_until
                """, [now + leaseMillis, lease.batchID, lease.token, now])
            guard let row = renewed.first else { throw StoreError.leaseLost(batchID: lease.batchID) }
            let until = try row[0].decode(Int64.self)
            // A look's contacts stay hidden from other looks for as long as its lease lives: the batches it holds follow it.
            try await self.execute(connection, "UPDATE batch SET look_until = $1 WHERE look_by = $2", [until, lease.batchID])
            var longer = lease
            longer.until = until
            return longer
        }
    }

    /// Throws `leaseLost` unless `lease` is the batch's current, unexpired, open lease. Locks the batch row until the
    /// transaction ends, so that lease recovery cannot void it between this check and the writes it guards.
    func checkLease(_ connection: PostgresConnection, _ lease: Lease, now: Int64) async throws -> Int64 {
        let row = try await rows(
            connection, "SELECT lease_token, lease_until, state, destination_id FROM batch WHERE id = $1 FOR UPDATE",
            [lease.batchID]
        ).first
        guard let row, try row[0].decode(String.self) == lease.token, try row[1].decode(Int64.self) >= now,
            try row[2].decode(Int.self) == 0
        else {
            throw StoreError.leaseLost(batchID: lease.batchID)
        }
        return try row[3].decode(Int64.self)
    }

    /// The write-ahead record: the only proof that a request may have left. One statement, so one round trip: the
    /// batch row locked while the token is checked, the ledger row inserted and the batch stamped `sent_at` only when it
    /// holds (its contacts read as `sending` through it: `InFlightSQL`); `set_config(…, true)` makes this one
    /// transaction's commit wait for the disk (sessions commit asynchronously), which also flushes every move committed
    /// before it.
    public func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) async throws -> Int64 {
        let now = clock.nowMillis()
        let row = try await rows(
            WriteAheadStatement.self,
            [
                lease.batchID, lease.token, now, attempt.purpose.rawValue, attempt.method,
                attempt.url, LedgerBody.bounded(attempt.requestBody), attempt.startedAt, attempt.takesContacts,
                attempt.call.rawValue, attempt.traceID, Lease.outliving(now: now, timeoutMillis: attempt.timeoutMillis),
            ])
        let neverSent = try row[0][2].decode([Int64]?.self) ?? [], sentBefore = try row[0][3].decode([Int64]?.self) ?? []
        if !neverSent.isEmpty || !sentBefore.isEmpty {
            throw StoreError.erasedBeforeSend(batchID: lease.batchID, neverSent: neverSent, sentBefore: sentBefore)
        }
        guard let id = try row[0][0].decode(Int64?.self) else { throw StoreError.leaseLost(batchID: lease.batchID) }
        return id
    }

    /// Contacts erased since the claim (`erased`) hold the whole statement back: the request was built with their data.
    /// The members are read `FOR SHARE`: an erasure running now (it locks the contact to mark it) is waited for and its
    /// mark seen, where the statement's snapshot alone would miss it; the lock writes no row version.
    static let writeAheadSQL = """
        WITH held AS (
            SELECT id, destination_id, sent_at FROM batch
            WHERE id = $1 AND lease_token = $2 AND state = \(StateCode.batchOpen) AND lease_until >= $3
            FOR UPDATE),
        members AS (
            SELECT c.id, c.state, c.erased_at FROM contact c, held
            WHERE $9::boolean AND c.batch_id = held.id AND c.state IN (\(StateCode.claimed), \(StateCode.sending))
            FOR SHARE OF c),
        erased AS (
            SELECT m.id, m.state = \(StateCode.claimed) AND held.sent_at IS NULL AS never_sent FROM members m, held
            WHERE m.erased_at IS NOT NULL),
        written AS (
            INSERT INTO attempt(destination_id, batch_id, purpose, attempt_number, method, url, request_body, started_at,
                                call_purpose, trace_id)
            SELECT held.destination_id, held.id, $4, COALESCE((SELECT MAX(attempts) FROM contact WHERE batch_id = held.id), 1),
                   $5, $6, $7, $8, $10::text, $11::text
            FROM held WHERE NOT EXISTS (SELECT 1 FROM erased)
            RETURNING id),
        stamped AS (
            -- A request that carries contacts stamps the batch (a Bulk job's later requests again); the lease outlives the
            -- request's deadline, so that no recovery makes its contacts lookable while it may arrive.
            UPDATE batch b SET sent_at = CASE WHEN $9::boolean THEN $8 ELSE b.sent_at END,
                lease_until = GREATEST(b.lease_until, COALESCE($12::bigint, b.lease_until))
            FROM held WHERE b.id = held.id AND ($9::boolean OR $12::bigint IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM erased)
            RETURNING 1)
        SELECT (SELECT id FROM written), set_config('synchronous_commit', 'on', true),
            (SELECT array_agg(id ORDER BY id) FROM erased WHERE never_sent),
            (SELECT array_agg(id ORDER BY id) FROM erased WHERE NOT never_sent),
            (SELECT count(*) FROM stamped)
        """

    public func prepareBatch(
        _ lease: Lease, priorMembers: [(contactID: Int64, membership: PriorMembership)], released: [Settlement],
        releaseCountsAsLook: Bool, looks: [RecordedAttempt]
    ) async throws {
        let now = clock.nowMillis()
        let memberIDs = priorMembers.map(\.contactID)
        let memberships = priorMembers.map { Int64($0.membership.rawValue) }
        let releasedJSON = Settlement.rowsJSON(released)
        let releasedIDs = released.map(\.contactID)
        let held = try await transaction { connection in
            guard try await self.recordLooks(connection, looks, thenHold: lease, now: now) else { return false }
            if !memberIDs.isEmpty {
                try await self.execute(
                    connection,
                    """
                    UPDATE contact c SET prior_member = s.m FROM unnest($1::bigint[], $2::bigint[]) AS s(id, m)
                    WHERE c.id = s.id AND c.batch_id = $3 AND c.state = \(StateCode.claimed)
                    """, [memberIDs, memberships, lease.batchID])
            }
            if !releasedIDs.isEmpty {
                // Released because the look before the first send failed: that look counts.
                try await self.execute(connection, Self.settleSQL, [releasedJSON, now, lease.batchID, String?.none])
                try await self.execute(
                    connection,
                    """
                    UPDATE contact SET looks = looks + $1, batch_id = NULL WHERE id = ANY($2::bigint[]) AND state = \(StateCode.queued)
                    """, [releaseCountsAsLook ? 1 : 0, releasedIDs])
            }
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    public func recoverExpiredLeases() async throws -> RecoverySummary {
        let now = clock.nowMillis()
        return try await transaction { connection in
            // A batch being settled right now is locked by its holder and skipped: the next pass sees how it ended.
            let batches = try await self.rows(
                connection,
                """
                SELECT b.id, d.settle_ms, b.sent_at FROM batch b JOIN destination d ON d.id = b.destination_id
                WHERE b.state = \(StateCode.batchOpen) AND b.lease_until < $1 FOR UPDATE OF b SKIP LOCKED
                """, [now])
            var summary = RecoverySummary(batches: batches.count)
            for row in batches {
                let batchID = try row[0].decode(Int64.self)
                let settleMillis = try row[1].decode(Int64.self)
                let sentAt = try row[2].decode(Int64?.self)
                if sentAt == nil {
                    // Claimed but never sent: the claim's attempt is given back.
                    summary.requeued += try await self.count(
                        connection,
                        """
                        UPDATE contact SET state = \(StateCode.queued), attempts = attempts - 1, available_at = $1, updated_at = $1
                        WHERE batch_id = $2 AND state = \(StateCode.claimed)
                        """, [now, batchID])
                }
                // Written ahead but never answered: the request may have been taken, and may still be entering them.
                // Those the batch stamped take the stamp as they move (`InFlightSQL`); those an older journeyq stamped
                // `sending` have it already.
                summary.madeUnknown += try await self.count(
                    connection,
                    """
                    UPDATE contact SET state = \(StateCode.unknown), available_at = $1, updated_at = $2, ambiguous = 1,
                        last_error = 'lease expired while the request was in flight (worker died or stalled)',
                        sent_at = CASE WHEN state = \(StateCode.claimed) THEN $4::bigint ELSE sent_at END,
                        looks = CASE WHEN state = \(StateCode.claimed) THEN 0 ELSE looks END,
                        event_instance_id = CASE WHEN state = \(StateCode.claimed) THEN NULL ELSE event_instance_id END,
                        carried = CASE WHEN state = \(StateCode.claimed) THEN COALESCE(carried || ' ', '') || $3::bigint ELSE carried END
                    WHERE batch_id = $3 AND (state = \(StateCode.sending) OR ($4::bigint IS NOT NULL AND state = \(StateCode.claimed)))
                    """, [now + settleMillis, now, batchID, sentAt])
                try await self.execute(
                    connection, "UPDATE batch SET state = \(StateCode.batchExpired), closed_at = $1 WHERE id = $2", [now, batchID])
                try await self.releaseHolds(connection, look: batchID)
                try await self.execute(
                    connection,
                    "UPDATE attempt SET error_class = 'abandoned', finished_at = $1 WHERE batch_id = $2 AND finished_at IS NULL",
                    [now, batchID])
            }
            return summary
        }
    }

    /// Runs an UPDATE or DELETE and returns how many rows it changed.
    func count(_ connection: PostgresConnection, _ sql: String, _ arguments: [Value?]) async throws -> Int {
        try await rows(connection, "WITH changed AS (\(sql) RETURNING 1) SELECT count(*) FROM changed", arguments)[0][0].decode(Int.self)
    }
}
