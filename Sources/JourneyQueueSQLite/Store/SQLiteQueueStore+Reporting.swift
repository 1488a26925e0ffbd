import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func reports(destination: String?, since: Int64?) async throws -> [DestinationReport] {
        if let destination, AskedText.namesNothing(destination) { return [] }
        return try await pool.read { db in
            let destinations = try Row.fetchAll(
                db, sql: "SELECT id, name, kind FROM destination WHERE ?1 IS NULL OR name = ?1 ORDER BY name",
                arguments: [destination])
            return try destinations.map { row in
                var report = try report(db, id: row[0], name: row[1], kind: row[2], since: since)
                let status = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT paused_until, pause_reason, health_paused_until, health_reason, health_since, look_paused_until, look_reason,
                               look_since, health_cause
                        FROM destination WHERE id = ?
                        """, arguments: [row[0] as Int64])
                let now = clock.nowMillis()
                report.pause = (status?[0] as Int64?).map {
                    DestinationPause(until: $0, reason: status?[1] ?? "paused by an operator", cause: .operator)
                }
                .flatMap { $0.holds(at: now) ? $0 : nil }
                report.health = (status?[2] as Int64?).map {
                    DestinationPause(until: $0, reason: status?[3] ?? "", since: status?[4], cause: Self.cause(status?[8]))
                }
                report.lookOutage = (status?[5] as Int64?).map {
                    DestinationPause(until: $0, reason: status?[6] ?? "", since: status?[7], cause: .looks)
                }
                if let waiting = try Row.fetchOne(db.cachedStatement(sql: Self.windowWaitSQL), arguments: [row[0] as Int64]) {
                    report.waitingForWindow = (waiting[0] as Int?) ?? 0
                    report.nextWindowOpening = waiting[1]
                }
                return report
            }
        }
    }

    private func report(_ db: Database, id: Int64, name: String, kind: String?, since: Int64?) throws -> DestinationReport {
        // Without a `since` the counters kept beside the rows answer (a few hundred rows at any size); with one, a scan
        // of the window asked for.
        var report =
            try since.map { try scannedReport(db, id: id, name: name, kind: kind, since: $0) }
            ?? countedReport(db, id: id, name: name, kind: kind)
        let from = since ?? 0
        for row in try Row.fetchAll(db.cachedStatement(sql: Self.deadReasonsSQL), arguments: [id, from]) {
            report.deadReasons[row[0]] = row[1]
        }
        for row in try Row.fetchAll(db.cachedStatement(sql: Self.unverifiableReasonsSQL), arguments: [id, from]) {
            report.unverifiableReasons[row[0]] = row[1]
        }
        report.recentRemoteIDs = try String.fetchAll(db.cachedStatement(sql: Self.recentRemoteIDsSQL), arguments: [id, from])
        return report
    }

    /// Dead contacts by reason: reads the dead only (`contact_dead`), so it costs what the dead number.
    static let deadReasonsSQL = """
        SELECT COALESCE(dead_reason, '(none)'), COUNT(*) FROM contact
        WHERE destination_id = ? AND state = \(StateCode.dead) AND enqueued_at >= ?
        GROUP BY 1 ORDER BY 2 DESC LIMIT 50
        """

    /// Unverifiable contacts by reason, through their own index (`contact_final` would range over every final contact).
    static let unverifiableReasonsSQL = """
        SELECT COALESCE(last_error, '(accepted; no way to look)'), COUNT(*) FROM contact INDEXED BY contact_unverifiable
        WHERE destination_id = ? AND state = \(StateCode.unverifiable) AND enqueued_at >= ?
        GROUP BY 1 ORDER BY 2 DESC LIMIT 50
        """

    /// The last remote ids, through `batch_remote`.
    static let recentRemoteIDsSQL = """
        SELECT remote_id FROM batch WHERE destination_id = ? AND remote_id IS NOT NULL AND created_at >= ? ORDER BY id DESC LIMIT 20
        """

    /// Counts by state and the funnel, from `contact_count`.
    static let countedFunnelSQL = """
        SELECT state, n, submitted, accepted, retries, duplicates, absent FROM contact_count
        WHERE destination_id = ? AND state <> \(StateCode.windowWaitCounter)
        """

    /// The ledger's figures, from `request_count`, and the first request's time through `attempt_destination_start`.
    static let countedRequestsSQL = """
        SELECT submits, throttled, looks, uploads, uploads_failed, last_finished, remote_batches,
               (SELECT MIN(started_at) FROM attempt WHERE destination_id = ?1)
        FROM (SELECT ?1 AS id) LEFT JOIN request_count ON destination_id = id
        """

    /// The first and last second in which a contact of the destination reached a final state: two probes of
    /// `settled_count`'s primary key (its emptied rows are deleted by its triggers).
    static let settledSpanSQL = """
        SELECT (SELECT at FROM settled_count WHERE destination_id = ?1 AND grain = 1000 AND n <> 0 ORDER BY at LIMIT 1),
               (SELECT at FROM settled_count WHERE destination_id = ?1 AND grain = 1000 AND n <> 0 ORDER BY at DESC LIMIT 1)
        """

    /// Final contacts by grain start and state over a span, from `settled_count`'s primary key.
    static let settledBarsSQL = """
        SELECT at, state, n FROM settled_count WHERE destination_id = ?1 AND grain = ?2 AND at >= ?3 AND at <= ?4 AND n <> 0
        """

    /// The latency histogram, from `latency_count`.
    static let latencyHistogramSQL = "SELECT le, n, total FROM latency_count WHERE destination_id = ? AND n > 0 ORDER BY le"

    private func countedReport(_ db: Database, id: Int64, name: String, kind: String?) throws -> DestinationReport {
        var counts = Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0.description, 0) })
        var funnel = DestinationReport.Funnel(enqueued: 0, submitted: 0, accepted: 0, confirmed: 0, unverifiable: 0, dead: 0)
        var retries = 0, duplicates = 0, absent = 0
        for row in try Row.fetchAll(db.cachedStatement(sql: Self.countedFunnelSQL), arguments: [id]) {
            guard let state = ContactState(rawValue: row[0]) else { continue }
            let n: Int = row[1]
            counts[state.description] = n
            funnel.enqueued += n
            funnel.submitted += row[2] as Int
            funnel.accepted += row[3] as Int
            retries += row[4] as Int
            duplicates += row[5] as Int
            absent += row[6] as Int
        }
        InFlightSQL.split(
            &counts, sending: try Int.fetchOne(db.cachedStatement(sql: InFlightSQL.sendingAt(destination: "?1")), arguments: [id]) ?? 0)
        funnel.confirmed = counts[ContactState.confirmed.description] ?? 0
        funnel.unverifiable = counts[ContactState.unverifiable.description] ?? 0
        funnel.dead = counts[ContactState.dead.description] ?? 0
        let requests = try Row.fetchOne(db.cachedStatement(sql: Self.countedRequestsSQL), arguments: [id])!
        let firstStarted: Int64? = requests[7]
        let spanMillis = firstStarted.map { ((requests[5] as Int64?) ?? 0) - $0 } ?? 0
        let histogram = try Row.fetchAll(db.cachedStatement(sql: Self.latencyHistogramSQL), arguments: [id]).map {
            ReportMaths.LatencyBucket(le: $0[0], n: $0[1], total: $0[2])
        }
        let span = try Row.fetchOne(db.cachedStatement(sql: Self.settledSpanSQL), arguments: [id])
        let first = (span?[0] as Int64?) ?? 0, last = (span?[1] as Int64?) ?? 0
        let barMillis = ReportMaths.barMillis(first: first, last: last)
        let grain = ReportMaths.grain(barMillis: barMillis)
        let settled = try Row.fetchAll(
            db.cachedStatement(sql: Self.settledBarsSQL), arguments: [id, grain, first / grain * grain, last / grain * grain]
        ).compactMap { row in ContactState(rawValue: row[1]).map { (at: row[0] as Int64, state: $0, n: row[2] as Int) } }
        let submits: Int = requests[0] ?? 0
        var report = DestinationReport(
            name: name, kind: kind, counts: counts, funnel: funnel, retries: retries, deadReasons: [:], requests: submits,
            throttled: requests[1] ?? 0, looks: requests[2] ?? 0, possibleDuplicates: duplicates,
            latency: ReportMaths.latency(histogram: histogram),
            contactsPerSecond: ReportMaths.perSecond(funnel.confirmed + funnel.unverifiable + funnel.dead, spanMillis: spanMillis),
            requestsPerSecond: ReportMaths.perSecond(submits, spanMillis: spanMillis),
            throughput: ReportMaths.bars(settled, barMillis: barMillis), bucketMillis: barMillis, recentRemoteIDs: [])
        report.remoteBatches = requests[6] ?? 0
        report.uploads = requests[3] ?? 0
        report.uploadsFailed = requests[4] ?? 0
        report.provenAbsent = absent
        var calls: [CallPurpose: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT call_purpose, n FROM call_count WHERE destination_id = ? AND n > 0", arguments: [id]) {
            if let purpose = CallPurpose(rawValue: row[0]) { calls[purpose] = row[1] }
        }
        report.setCalls(calls)
        return report
    }

    private func scannedReport(_ db: Database, id: Int64, name: String, kind: String?, since: Int64) throws -> DestinationReport {
        var counts = Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0.description, 0) })
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT \(InFlightSQL.state), COUNT(*) FROM contact c \(InFlightSQL.join)
                WHERE c.destination_id = ? AND c.enqueued_at >= ? GROUP BY 1
                """,
            arguments: [id, since])
        {
            if let state = ContactState(rawValue: row[0]) { counts[state.description] = row[1] }
        }
        let funnelRow = try Row.fetchOne(
            db,
            sql: """
                SELECT COUNT(*), SUM(attempts > 0 OR state > \(StateCode.queued)),
                       SUM(state IN (\(StateCode.accepted), \(StateCode.confirmed), \(StateCode.unverifiable))
                           OR event_instance_id IS NOT NULL),
                       SUM(state = \(StateCode.confirmed)), SUM(state = \(StateCode.unverifiable)), SUM(state = \(StateCode.dead)),
                       SUM(MAX(attempts - 1, 0)), SUM(possible_duplicates), SUM(proven_absent)
                FROM contact WHERE destination_id = ? AND enqueued_at >= ?
                """, arguments: [id, since])!
        let funnel = DestinationReport.Funnel(
            enqueued: funnelRow[0], submitted: funnelRow[1] ?? 0, accepted: funnelRow[2] ?? 0,
            confirmed: funnelRow[3] ?? 0, unverifiable: funnelRow[4] ?? 0, dead: funnelRow[5] ?? 0)
        let requestRow = try Row.fetchOne(
            db,
            sql: """
                SELECT SUM(purpose = 'submit'), SUM(purpose = 'submit' AND status = 429), SUM(purpose = 'reconcile'),
                       MIN(started_at), MAX(finished_at)
                FROM attempt WHERE destination_id = ? AND started_at >= ?
                """, arguments: [id, since])!
        let latencies = try Int64.fetchAll(
            db,
            sql: """
                SELECT latency_ms FROM attempt
                WHERE destination_id = ? AND purpose = 'submit' AND latency_ms IS NOT NULL AND started_at >= ?
                ORDER BY latency_ms
                """, arguments: [id, since])
        let requests: Int = requestRow[0] ?? 0
        let spanMillis = ((requestRow[4] as Int64?) ?? 0) - ((requestRow[3] as Int64?) ?? 0)
        let span = try Row.fetchOne(
            db,
            sql: """
                SELECT MIN(updated_at), MAX(updated_at) FROM contact INDEXED BY contact_final
                WHERE destination_id = ? AND state >= \(StateCode.firstFinal) AND enqueued_at >= ?
                """,
            arguments: [id, since])
        let barMillis = ReportMaths.barMillis(first: (span?[0] as Int64?) ?? 0, last: (span?[1] as Int64?) ?? 0)
        var buckets: [DestinationReport.Bucket] = []
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT updated_at / ?1 * ?1 AS minute, SUM(state = \(StateCode.confirmed)), SUM(state = \(StateCode.unverifiable)),
                       SUM(state = \(StateCode.dead))
                FROM contact INDEXED BY contact_final WHERE destination_id = ?2 AND state >= \(StateCode.firstFinal) AND enqueued_at >= ?3
                GROUP BY minute ORDER BY minute
                """, arguments: [barMillis, id, since])
        {
            buckets.append(DestinationReport.Bucket(minute: row[0], confirmed: row[1], unverifiable: row[2], dead: row[3]))
        }
        let remote = try Row.fetchOne(
            db,
            sql: """
                SELECT (SELECT COUNT(*) FROM batch WHERE destination_id = ?1 AND remote_id IS NOT NULL AND created_at >= ?2),
                       SUM(method = 'PUT' AND status BETWEEN 200 AND 299),
                       SUM(method = 'PUT' AND (status IS NULL OR status NOT BETWEEN 200 AND 299))
                FROM attempt WHERE destination_id = ?1 AND purpose = 'submit' AND started_at >= ?2
                """, arguments: [id, since])
        var report = DestinationReport(
            name: name, kind: kind, counts: counts, funnel: funnel, retries: funnelRow[6] ?? 0, deadReasons: [:],
            requests: requests, throttled: requestRow[1] ?? 0, looks: requestRow[2] ?? 0, possibleDuplicates: funnelRow[7] ?? 0,
            latency: ReportMaths.latency(sorted: latencies),
            contactsPerSecond: ReportMaths.perSecond(funnel.confirmed + funnel.unverifiable + funnel.dead, spanMillis: spanMillis),
            requestsPerSecond: ReportMaths.perSecond(requests, spanMillis: spanMillis), throughput: buckets, bucketMillis: barMillis,
            recentRemoteIDs: [])
        report.remoteBatches = remote?[0] ?? 0
        report.uploads = remote?[1] ?? 0
        report.uploadsFailed = remote?[2] ?? 0
        report.provenAbsent = funnelRow[8] ?? 0
        var calls: [CallPurpose: Int] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT COALESCE(call_purpose, CASE purpose WHEN 'submit' THEN 'submission' WHEN 'token' THEN 'token' ELSE 'look-after' END),
                       COUNT(*)
                FROM attempt WHERE destination_id = ? AND started_at >= ? GROUP BY 1
                """, arguments: [id, since])
        {
            if let purpose = CallPurpose(rawValue: row[0]) { calls[purpose] = row[1] }
        }
        report.setCalls(calls)
        return report
    }

    /// Rows per read transaction of `eachContact`: a slow consumer (a pipe, a spreadsheet download) then never holds a
    /// snapshot that keeps the WAL from being checkpointed and reset.
    static let exportPageSize = 1_000

    public func eachContact(destination: String?, state: ContactState?, since: Int64?, _ body: (ContactRow) async throws -> Void)
        async throws
    {
        let destinations = try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, name FROM destination WHERE ?1 IS NULL OR name = ?1 ORDER BY name", arguments: [destination]
            )
            .map { ($0[0] as Int64, $0[1] as String) }
        }
        for (id, name) in destinations {
            var after: Int64 = 0
            while true {
                // Keyset pages, each its own short snapshot: a contact shows at most once, in the state its page saw.
                let from = after
                let page = try await pool.read { db in
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT ?1, c.contact_key, \(InFlightSQL.state), c.attempts, c.last_error, c.dead_reason,
                                   \(InFlightSQL.eventInstanceID), c.request_id, c.enqueued_at, \(InFlightSQL.updatedAt), c.data, c.id
                            FROM contact c \(InFlightSQL.join)
                            WHERE c.destination_id = ?2 AND c.id > ?3 AND (?4 IS NULL OR \(InFlightSQL.state) = ?4) AND c.enqueued_at >= ?5
                            ORDER BY c.id LIMIT ?6
                            """, arguments: [name, id, from, state?.rawValue, since ?? 0, Self.exportPageSize]
                    ).map { (Self.contactRow($0), $0[11] as Int64) }
                }
                for (row, _) in page { try await body(row) }
                guard page.count == Self.exportPageSize, let last = page.last else { break }
                after = last.1
            }
        }
    }

    static func contactRow(_ row: Row) -> ContactRow {
        ContactRow(
            destination: row[0], key: row[1], state: ContactState(rawValue: row[2])?.description ?? "?", attempts: row[3],
            lastError: row[4], deadReason: row[5], eventInstanceID: row[6], requestID: row[7], enqueuedAt: row[8],
            updatedAt: row[9], dataJSON: row[10])
    }

    public func timeline(contactKey: String, before: Int64?, limit: Int) async throws -> [(ContactRow, [LedgerEntry])] {
        if AskedText.namesNothing(contactKey) { return [] }
        let limit = max(limit, 1)
        return try await pool.read { db in
            let contacts = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.name, c.contact_key, \(InFlightSQL.state), c.attempts, c.last_error, c.dead_reason,
                           \(InFlightSQL.eventInstanceID), c.request_id, c.enqueued_at, \(InFlightSQL.updatedAt), c.data,
                           c.destination_id, c.evidence, c.not_before, c.not_after, c.available_at, c.wait_cause,
                           c.erased_at, \(InFlightSQL.carried)
                    FROM contact c JOIN destination d ON d.id = c.destination_id \(InFlightSQL.join)
                    WHERE c.contact_key = ? ORDER BY c.id
                    """, arguments: [contactKey])
            let carriedFrom = try Int64.fetchOne(db, sql: "SELECT MAX(attempt_id) FROM ledger_carried_from") ?? 0
            return try contacts.map { row in
                // The ledger rows of the batches that carried the contact, through attempt_batch.
                let batches = ((row[18] as String?) ?? "").split(separator: " ").compactMap { Int64($0) }
                var ids = try Int64.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT id FROM attempt WHERE batch_id IN (SELECT value FROM json_each(?1)) AND id < ?2 ORDER BY id DESC LIMIT ?3
                            """),
                    arguments: ["[" + batches.map(String.init).joined(separator: ",") + "]", before ?? Int64.max, limit])
                // A contact claimed before the ledger recorded who each batch carried: its earlier requests are the ones
                // that name it (a JSON string, or the first field of a Bulk CSV line), searched for among the rows of
                // that older ledger only, between its enqueue and its last change.
                let state: Int = row[2]
                if carriedFrom > 0, ids.count < limit, (row[3] as Int) > 0 || state > ContactState.queued.rawValue {
                    let first = try Self.attemptID(db, atOrAfter: (row[8] as Int64) - Self.ledgerOrderSlackMillis)
                    let last =
                        state < ContactState.confirmed.rawValue
                        ? carriedFrom : min(carriedFrom, try Self.attemptID(db, atOrAfter: (row[9] as Int64) + Self.ledgerOrderSlackMillis))
                    if first <= last {
                        ids += try Int64.fetchAll(
                            db,
                            sql: """
                                SELECT id FROM attempt_text WHERE id >= ?4 AND id <= ?5 AND id < ?6 AND destination_id = ?1
                                    AND (instr(request_body, ?2) > 0 OR instr(request_body, ?3) > 0) ORDER BY id DESC LIMIT ?7
                                """,
                            arguments: [
                                row[11] as Int64, JSONText.string(contactKey), "\n" + CSVDocument.line([contactKey]).dropLast() + ",",
                                first, last, before ?? Int64.max, limit,
                            ])
                    }
                }
                let page = Array(Set(ids).sorted(by: >).prefix(limit))
                let entries = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, purpose, attempt_number, method, url, request_body, started_at, status, response_headers, response_body,
                               remote_id, latency_ms, error_class, trace_id
                        FROM attempt_text WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id DESC
                        """, arguments: ["[" + page.map(String.init).joined(separator: ",") + "]"]
                ).map { entry in
                    LedgerEntry(
                        id: entry[0], purpose: entry[1], attemptNumber: entry[2], method: entry[3], url: entry[4], requestBody: entry[5],
                        startedAt: entry[6], status: entry[7], responseHeaders: entry[8], responseBody: entry[9], remoteID: entry[10],
                        latencyMillis: entry[11], errorClass: entry[12], traceID: entry[13])
                }
                var contact = Self.contactRow(row)
                contact.evidence = row[12]
                contact.notBefore = row[13]
                contact.notAfter = row[14]
                contact.erasedAt = row[17]
                if state == ContactState.queued.rawValue {
                    contact.availableAt = row[15]
                    contact.waitingFor = ContactRow.waitingFor(cause: row[16])
                }
                return (contact, entries)
            }
        }
    }

    public func redrive(destination: String, reason: String?, lookable: Bool) async throws -> RedriveSummary {
        try await pool.write { db in
            let id = try Self.existingDestinationID(db, name: destination)
            if let reason, AskedText.namesNothing(reason) { return RedriveSummary() }
            let now = clock.nowMillis()
            // The newest dead row of a key that is not live again.
            let candidate = """
                destination_id = ?3 AND state = \(StateCode.dead) AND erased_at IS NULL AND (?4 IS NULL OR instr(dead_reason, ?4) > 0)
                  AND \(RedriveSQL.newestNotLive(state: StateCode.dead))
                """
            let superseded = RedriveSQL.superseded
            let eligible = "\(candidate) AND NOT \(superseded)"
            let skipped =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM contact WHERE ?1 = ?2 AND \(candidate) AND \(superseded)",
                    arguments: [now, now, id, reason]) ?? 0
            // One whose last request may have been taken goes to `unknown`, lookable once the settle time after that request
            // has passed: it is looked for before any re-send. Its membership before that request still describes it.
            try db.execute(
                sql: """
                    UPDATE contact SET state = \(StateCode.unknown), attempts = 0, looks = 0, dead_reason = NULL, updated_at = ?2,
                        available_at = MAX(?1, COALESCE(sent_at, 0) + (SELECT settle_ms FROM destination WHERE id = ?3)),
                        last_error = 'redriven, to be looked for first (the last request may have been taken) after: '
                                     || COALESCE(dead_reason, '')
                    WHERE ambiguous = 1 AND ?5 AND \(eligible)
                    """, arguments: [now, now, id, reason, lookable])
            let toLookFor = db.changesCount
            // Where nobody can look, the operator's choice: sent again, each a possible duplicate, counted for good.
            try db.execute(
                sql: """
                    UPDATE contact SET state = \(StateCode.queued), attempts = 0, looks = 0, available_at = ?1,
                        dead_reason = NULL, prior_member = NULL,
                        ambiguous = 0, possible_duplicates = possible_duplicates + 1, updated_at = ?2,
                        last_error = 'redriven by an operator although the last request may have been taken (a possible duplicate) after: '
                                     || COALESCE(dead_reason, '')
                    WHERE ambiguous = 1 AND NOT ?5 AND \(eligible)
                    """, arguments: [now, now, id, reason, lookable])
            let duplicates = db.changesCount
            // The rest go back to the queue, to be looked for afresh (membership before their next first request) when claimed.
            try db.execute(
                sql: """
                    UPDATE contact SET state = \(StateCode.queued), attempts = 0, looks = 0, available_at = ?1,
                        dead_reason = NULL, prior_member = NULL,
                        last_error = 'redriven after: ' || COALESCE(dead_reason, ''), updated_at = ?2
                    WHERE ambiguous = 0 AND \(eligible)
                    """, arguments: [now, now, id, reason])
            return RedriveSummary(
                queued: db.changesCount + duplicates, toLookFor: toLookFor, possibleDuplicates: duplicates, skipped: skipped)
        }
    }

    public func redriveExpired(destination: String, notAfter: Int64?) async throws -> RedriveSummary {
        try await pool.write { db in
            let id = try Self.existingDestinationID(db, name: destination)
            let now = clock.nowMillis()
            let candidate = """
                destination_id = ?2 AND state = \(StateCode.expired) AND erased_at IS NULL
                  AND \(RedriveSQL.newestNotLive(state: StateCode.expired))
                """
            let superseded = RedriveSQL.superseded
            let skipped =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM contact WHERE ?1 = ?1 AND \(candidate) AND \(superseded)",
                    arguments: [now, id]) ?? 0
            try db.execute(
                sql: """
                    UPDATE contact SET state = \(StateCode.queued), attempts = 0, looks = 0, prior_member = NULL,
                        not_after = ?3, updated_at = ?1, available_at = MAX(?1, COALESCE(not_before, 0)),
                        wait_cause = CASE WHEN not_before > ?1 THEN \(StateCode.waitNotBefore) END,
                        last_error = 'redriven after expiry: ' || COALESCE(last_error, '')
                    WHERE \(candidate) AND NOT \(superseded)
                    """, arguments: [now, id, notAfter])
            return RedriveSummary(queued: db.changesCount, skipped: skipped)
        }
    }

    public func deadLetters(destination: String, reason: String?, after: Int64?, limit: Int) async throws -> [DeadLetter] {
        try await pool.read { db in
            let id = try Self.existingDestinationID(db, name: destination)
            if let reason, AskedText.namesNothing(reason) { return [] }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, contact_key, COALESCE(dead_reason, ''), last_error, attempts, request_id, updated_at FROM contact
                    WHERE destination_id = ?1 AND state = \(StateCode.dead) AND id > ?2 AND (?3 IS NULL OR instr(dead_reason, ?3) > 0)
                    ORDER BY id LIMIT ?4
                    """, arguments: [id, after ?? 0, reason, min(max(limit, 1), 1_000)]
            ).map { row in
                DeadLetter(
                    id: row[0], contactKey: row[1], reason: row[2], lastError: row[3], attempts: row[4], requestID: row[5],
                    updatedAt: row[6])
            }
        }
    }

    public func searchContacts(_ text: String, prefix: Bool, limit: Int) async throws -> [ContactRow] {
        if AskedText.namesNothing(text) { return [] }
        return try await pool.read { db in
            // A range on the key index, not LIKE: exact bytes, any character, and the index used either way.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.name, c.contact_key, \(InFlightSQL.state), c.attempts, c.last_error, c.dead_reason,
                           \(InFlightSQL.eventInstanceID), c.request_id, c.enqueued_at, \(InFlightSQL.updatedAt), c.data
                    FROM contact c JOIN destination d ON d.id = c.destination_id \(InFlightSQL.join)
                    WHERE c.contact_key >= ?1 AND c.contact_key <= ?2 ORDER BY c.contact_key, d.name LIMIT ?3
                    """, arguments: [text, prefix ? text + "\u{10FFFF}" : text, min(max(limit, 1), 500)])
            return rows.map(Self.contactRow)
        }
    }

    public func probeWritable() async throws {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "ROLLBACK")
        }
    }

    /// How far a ledger row's id order may stray from its `started_at` order: looks are recorded when they finish.
    static let ledgerOrderSlackMillis: Int64 = 15 * 60_000

    /// The first ledger id whose request started at or after `millis`, by binary search over ids, which follow start
    /// times but for `ledgerOrderSlackMillis`; one past the last id when none did.
    static func attemptID(_ db: Database, atOrAfter millis: Int64) throws -> Int64 {
        guard let range = try Row.fetchOne(db, sql: "SELECT MIN(id), MAX(id) FROM attempt"), let low: Int64 = range[0],
            let high: Int64 = range[1]
        else {
            return 0
        }
        var lo = low, hi = high + 1
        let probe = try db.cachedStatement(sql: "SELECT id, started_at FROM attempt WHERE id >= ? ORDER BY id LIMIT 1")
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            guard let row = try Row.fetchOne(probe, arguments: [mid]), let id: Int64 = row[0], id < hi else { hi = mid; continue }
            if (row[1] as Int64) < millis { lo = id + 1 } else { hi = id }
        }
        return lo
    }
}
