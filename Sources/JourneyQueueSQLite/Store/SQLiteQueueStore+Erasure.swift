import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func forget(contactKey: String, actor: String) async throws -> ErasureSummary {
        let now = clock.nowMillis()
        let compress = compressLedger
        let summary = try await pool.write { db -> ErasureSummary in
            let summary = try Self.erase(db, key: contactKey, now: now, compress: compress)
            let digest = ContactErasure.keyDigest(contactKey)
            try db.execute(
                sql: """
                    INSERT INTO erasure(key_sha256, contact_key, requested_at, requested_by, done_at, contacts, bodies)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    digest, summary.pending > 0 ? contactKey : nil, now, actor, summary.pending > 0 ? nil : now, summary.contacts,
                    summary.bodies,
                ])
            try Self.audit(db, at: now, actor: actor, action: "forget", target: digest, detail: AuditDetail.json(summary))
            return summary
        }
        // The WAL still holds the pages as they were: it is checkpointed into the file (where secure_delete zeroed the
        // old content) and truncated. A reader holding an old snapshot delays that to a later checkpoint.
        try? await checkpoint(passive: false)
        return summary
    }

    public func finishErasures() async throws -> Int {
        let now = clock.nowMillis()
        let compress = compressLedger
        let finished = try await pool.write { db -> Int in
            var finished = 0
            let pending = try Row.fetchAll(
                db, sql: "SELECT id, contact_key FROM erasure WHERE done_at IS NULL AND contact_key IS NOT NULL ORDER BY id")
            for row in pending {
                let key: String = row[1]
                let inFlight =
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM contact WHERE contact_key = ? AND state IN (\(StateCode.claimed), \(StateCode.sending))
                            """, arguments: [key]) ?? 0
                guard inFlight == 0 else { continue }
                let summary = try Self.erase(db, key: key, now: now, compress: compress)
                try db.execute(
                    sql: "UPDATE erasure SET done_at = ?, contact_key = NULL, bodies = bodies + ? WHERE id = ?",
                    arguments: [now, summary.bodies, row[0] as Int64])
                finished += 1
            }
            return finished
        }
        if finished > 0 { try? await checkpoint(passive: false) }
        return finished
    }

    public func recordAudit(actor: String, action: String, target: String?, detail: String?) async throws {
        let now = clock.nowMillis()
        try await pool.write { db in try Self.audit(db, at: now, actor: actor, action: action, target: target, detail: detail) }
    }

    public func auditEntries(after: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, at, actor, action, target, detail FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [after ?? 0, max(1, min(limit, 1_000))]
            ).map { row in
                AuditEntry(id: row[0], at: row[1], actor: row[2], action: row[3], target: row[4], detail: row[5])
            }
        }
    }

    static func audit(_ db: Database, at: Int64, actor: String, action: String, target: String?, detail: String?) throws {
        try db.execute(
            sql: "INSERT INTO audit(at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [at, actor, action, target, detail])
    }

    /// Erases every record of `key` that is not in flight (those get `erased_at` and a `notAfter` of now, so that they
    /// are never sent again and `finishErasures` takes them later), with the ledger bodies that carried them.
    static func erase(_ db: Database, key: String, now: Int64, compress: Bool) throws -> ErasureSummary {
        var summary = ErasureSummary()
        let records = try Row.fetchAll(
            db,
            sql: """
                SELECT id, destination_id, state, data, enqueued_at, last_error, dead_reason, evidence FROM contact
                WHERE contact_key = ? ORDER BY id
                """, arguments: [key])
        for record in records {
            summary.contacts += 1
            let id: Int64 = record[0]
            let state: Int = record[2]
            if state == ContactState.claimed.rawValue || state == ContactState.sending.rawValue {
                try db.execute(
                    sql:
                        "UPDATE contact SET erased_at = COALESCE(erased_at, ?1), not_after = MIN(COALESCE(not_after, ?1), ?1)"
                        + " WHERE id = ?2",
                    arguments: [now, id])
                summary.pending += 1
                continue
            }
            let values = ContactErasure.values(ofData: record[3])
            let lastError: String? = record[5], deadReason: String? = record[6], evidence: String? = record[7]
            let scrubbedError = lastError.map { ContactErasure.scrub(text: $0, values: values) ?? $0 }
            if state == ContactState.queued.rawValue {
                try db.execute(
                    sql: """
                        UPDATE contact SET state = \(StateCode.dead), dead_reason = ?, last_error = ?, data = '{}',
                            erased_at = COALESCE(erased_at, ?3), updated_at = ?3, wait_cause = NULL WHERE id = ?4
                        """, arguments: [ContactErasure.deadReason, scrubbedError, now, id])
                summary.withdrawn += 1
            } else {
                // One waiting for a look keeps its look (a key is all it needs); should the look send it back to the queue,
                // its notAfter of now expires it there instead of sending it again.
                try db.execute(
                    sql: """
                        UPDATE contact SET data = '{}', last_error = ?1, dead_reason = ?2, erased_at = COALESCE(erased_at, ?3),
                            evidence = ?5,
                            not_after = CASE WHEN state < \(StateCode.firstFinal) THEN MIN(COALESCE(not_after, ?3), ?3) ELSE not_after END
                        WHERE id = ?4
                        """,
                    arguments: [
                        scrubbedError, deadReason.map { ContactErasure.scrub(text: $0, values: values) ?? $0 }, now, id,
                        evidence.map { ContactErasure.scrub(text: $0, values: values) ?? $0 },
                    ])
            }
            summary.erased += 1
            guard !values.isEmpty else { continue }
            for event in try Row.fetchAll(
                db, sql: "SELECT id, reason FROM event WHERE contact_id = ? AND reason IS NOT NULL", arguments: [id])
            {
                if let scrubbed = ContactErasure.scrub(text: event[1], values: values) {
                    try db.execute(sql: "UPDATE event SET reason = ? WHERE id = ?", arguments: [scrubbed, event[0] as Int64])
                }
            }
            summary.bodies += try eraseLedger(
                db, destinationID: record[1], key: key, values: values,
                since: (record[4] as Int64) - ledgerOrderSlackMillis, compress: compress)
        }
        return summary
    }

    /// Rewrites the destination's ledger bodies since `since` that carry `key`, request and answer alike, without the
    /// contact's data; returns how many requests were rewritten. Bodies are inflated to be read, and stored as they were.
    static func eraseLedger(_ db: Database, destinationID: Int64, key: String, values: Set<String>, since: Int64, compress: Bool) throws
        -> Int
    {
        let first = try attemptID(db, atOrAfter: since)
        var rewrites: [(id: Int64, request: LedgerCompression.Stored?, response: LedgerCompression.Stored?)] = []
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT id, request_body, request_zip, request_size, response_body, response_zip, response_size
                FROM attempt WHERE id >= ? AND destination_id = ? ORDER BY id
                """, arguments: [first, destinationID])
        func text(_ body: String?, _ zip: Data?, _ size: Int?) -> String? {
            guard let zip, let size else { return body }
            return LedgerCompression.inflate(zip, size: size).map { String(decoding: $0, as: UTF8.self) }
        }
        while let row = try rows.next() {
            let requestZip: Data? = row[2], responseZip: Data? = row[5]
            let request = text(row[1], requestZip, row[3])
            let response = text(row[4], responseZip, row[6])
            let newRequest = request.flatMap { $0.contains(key) ? ContactErasure.erase(body: $0, key: key, values: values) : nil }
            let newResponse = response.flatMap { $0.contains(key) ? ContactErasure.erase(body: $0, key: key, values: values) : nil }
            guard newRequest != nil || newResponse != nil else { continue }
            rewrites.append(
                (
                    row[0], newRequest.map { LedgerCompression.stored($0, compress: compress && requestZip != nil) },
                    newResponse.map { LedgerCompression.stored($0, compress: compress && responseZip != nil) }
                ))
        }
        for rewrite in rewrites {
            if let request = rewrite.request {
                try db.execute(
                    sql: "UPDATE attempt SET request_body = ?, request_zip = ?, request_size = ? WHERE id = ?",
                    arguments: [request.text, request.zip, request.size, rewrite.id])
            }
            if let response = rewrite.response {
                try db.execute(
                    sql: "UPDATE attempt SET response_body = ?, response_zip = ?, response_size = ? WHERE id = ?",
                    arguments: [response.text, response.zip, response.size, rewrite.id])
            }
        }
        return rewrites.count
    }
}
