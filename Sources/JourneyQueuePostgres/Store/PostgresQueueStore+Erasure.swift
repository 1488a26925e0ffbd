import Foundation
import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func forget(contactKey: String, actor: String) async throws -> ErasureSummary {
        let now = clock.nowMillis()
        return try await transaction { connection in
            let summary = try await self.erase(connection, key: contactKey, now: now)
            let digest = ContactErasure.keyDigest(contactKey)
            try await self.execute(
                connection,
                """
                INSERT INTO erasure(key_sha256, contact_key, requested_at, requested_by, done_at, contacts, bodies)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [
                    digest, summary.pending > 0 ? contactKey : nil, now, actor, summary.pending > 0 ? nil : now, summary.contacts,
                    summary.bodies,
                ])
            try await self.audit(connection, at: now, actor: actor, action: "forget", target: digest, detail: AuditDetail.json(summary))
            return summary
        }
    }

    public func finishErasures() async throws -> Int {
        let now = clock.nowMillis()
        return try await transaction { connection in
            var finished = 0
            let pending = try await self.rows(
                connection, "SELECT id, contact_key FROM erasure WHERE done_at IS NULL AND contact_key IS NOT NULL ORDER BY id")
            for row in pending {
                let id = try row[0].decode(Int64.self), key = try row[1].decode(String.self)
                let inFlight = try await self.rows(
                    connection,
                    """
                    SELECT COUNT(*) FROM contact
                    WHERE contact_key COLLATE "C" = $1 AND state IN (\(StateCode.claimed), \(StateCode.sending))
                    """, [key])[0][0].decode(Int.self)
                guard inFlight == 0 else { continue }
                let summary = try await self.erase(connection, key: key, now: now)
                try await self.execute(
                    connection, "UPDATE erasure SET done_at = $1, contact_key = NULL, bodies = bodies + $2 WHERE id = $3",
                    [now, summary.bodies, id])
                finished += 1
            }
            return finished
        }
    }

    public func recordAudit(actor: String, action: String, target: String?, detail: String?) async throws {
        let now = clock.nowMillis()
        try await transaction { connection in
            try await self.audit(connection, at: now, actor: actor, action: action, target: target, detail: detail)
        }
    }

    public func auditEntries(after: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await rows(
            "SELECT id, at, actor, action, target, detail FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
            [after ?? 0, Int64(max(1, min(limit, 1_000)))]
        ).map { row in
            AuditEntry(
                id: try row[0].decode(Int64.self), at: try row[1].decode(Int64.self), actor: try row[2].decode(String.self),
                action: try row[3].decode(String.self), target: try row[4].decode(String?.self), detail: try row[5].decode(String?.self))
        }
    }

    func audit(_ connection: PostgresConnection, at: Int64, actor: String, action: String, target: String?, detail: String?) async throws {
        try await execute(
            connection, "INSERT INTO audit(at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
            [at, actor, action, target, detail])
    }

    /// As SQLite's: every record of `key` not in flight is erased with the ledger bodies that carried it; those in
    /// flight get `erased_at` and a `notAfter` of now, and wait for `finishErasures`.
    func erase(_ connection: PostgresConnection, key: String, now: Int64) async throws -> ErasureSummary {
        var summary = ErasureSummary()
        let records = try await rows(
            connection,
            """
            SELECT id, destination_id, state, data, enqueued_at, last_error, dead_reason, evidence FROM contact
            WHERE contact_key COLLATE "C" = $1 ORDER BY id FOR UPDATE
            """, [key])
        for record in records {
            summary.contacts += 1
            let id = try record[0].decode(Int64.self)
            let state = try record[2].decode(Int.self)
            if state == ContactState.claimed.rawValue || state == ContactState.sending.rawValue {
                try await execute(
                    connection,
                    "UPDATE contact SET erased_at = COALESCE(erased_at, $1), not_after = LEAST(COALESCE(not_after, $1), $1) WHERE id = $2",
                    [now, id])
                summary.pending += 1
                continue
            }
            let values = ContactErasure.values(ofData: try record[3].decode(String.self))
            let lastError = try record[5].decode(String?.self), deadReason = try record[6].decode(String?.self)
            let evidence = try record[7].decode(String?.self)
            let scrubbedError = lastError.map { ContactErasure.scrub(text: $0, values: values) ?? $0 }
            if state == ContactState.queued.rawValue {
                try await execute(
                    connection,
                    """
                    UPDATE contact SET state = \(StateCode.dead), dead_reason = $1, last_error = $2, data = '{}',
                        erased_at = COALESCE(erased_at, $3), updated_at = $3, wait_cause = NULL WHERE id = $4
                    """, [ContactErasure.deadReason, scrubbedError, now, id])
                summary.withdrawn += 1
            } else {
                try await execute(
                    connection,
                    """
                    UPDATE contact SET data = '{}', last_error = $1, dead_reason = $2, erased_at = COALESCE(erased_at, $3), evidence = $5,
                        not_after = CASE WHEN state < \(StateCode.firstFinal) THEN LEAST(COALESCE(not_after, $3), $3) ELSE not_after END
                    WHERE id = $4
                    """,
                    [
                        scrubbedError, deadReason.map { ContactErasure.scrub(text: $0, values: values) ?? $0 }, now, id,
                        evidence.map { ContactErasure.scrub(text: $0, values: values) ?? $0 },
                    ])
            }
            summary.erased += 1
            guard !values.isEmpty else { continue }
            for event in try await rows(connection, "SELECT id, reason FROM event WHERE contact_id = $1 AND reason IS NOT NULL", [id]) {
                if let scrubbed = ContactErasure.scrub(text: try event[1].decode(String.self), values: values) {
                    try await execute(
                        connection, "UPDATE event SET reason = $1 WHERE id = $2", [scrubbed, try event[0].decode(Int64.self)])
                }
            }
            let since = try record[4].decode(Int64.self) - Self.ledgerSlackMillis
            let bodies = try await rows(
                connection,
                """
                SELECT id, request_body, response_body FROM attempt
                WHERE destination_id = $1 AND started_at >= $2 AND (strpos(request_body, $3) > 0 OR strpos(response_body, $3) > 0)
                """, [try record[1].decode(Int64.self), since, key])
            for body in bodies {
                let request = try body[1].decode(String.self), response = try body[2].decode(String?.self)
                let newRequest = ContactErasure.erase(body: request, key: key, values: values)
                let newResponse = response.flatMap { ContactErasure.erase(body: $0, key: key, values: values) }
                guard newRequest != nil || newResponse != nil else { continue }
                try await execute(
                    connection,
                    "UPDATE attempt SET request_body = COALESCE($1, request_body), response_body = COALESCE($2, response_body)"
                        + " WHERE id = $3",
                    [newRequest, newResponse, try body[0].decode(Int64.self)])
                summary.bodies += 1
            }
        }
        return summary
    }
}
