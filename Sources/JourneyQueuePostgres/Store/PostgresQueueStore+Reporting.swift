import Foundation
import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func reports(destination: String?, since: Int64?) async throws -> [DestinationReport] {
        if let destination, AskedText.namesNothing(destination) { return [] }
        let now = clock.nowMillis()
        // One snapshot for every figure of every destination, as SQLite's read transaction gives.
        return try await transaction { connection in
            try await self.execute(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            let destinations = try await self.rows(
                connection,
                """
                SELECT id, name, kind, paused_until, pause_reason, health_paused_until, health_reason, health_since,
                       look_paused_until, look_reason, look_since,
                       (SELECT COALESCE(SUM(n), 0)::bigint FROM contact_count k WHERE k.destination_id = d.id
                            AND k.state = \(StateCode.windowWaitCounter)),
                       (SELECT MIN(available_at) FROM contact c WHERE c.destination_id = d.id AND c.state = \(StateCode.queued)
                            AND c.wait_cause = \(StateCode.waitWindow)),
                       health_cause
                FROM destination d WHERE $1::text IS NULL OR name = $1::text ORDER BY name
                """, [destination])
            var reports: [DestinationReport] = []
            for row in destinations {
                var report = try await self.report(
                    connection, id: try row[0].decode(Int64.self), name: try row[1].decode(String.self),
                    kind: try row[2].decode(String?.self), since: since)
                report.pause = try row[3].decode(Int64?.self).map {
                    DestinationPause(until: $0, reason: try row[4].decode(String?.self) ?? "paused by an operator", cause: .operator)
                }
                .flatMap { $0.holds(at: now) ? $0 : nil }
                report.health = try row[5].decode(Int64?.self).map {
                    DestinationPause(
                        until: $0, reason: try row[6].decode(String?.self) ?? "", since: try row[7].decode(Int64?.self),
                        cause: Self.cause(try row[13].decode(String?.self)))
                }
                report.lookOutage = try row[8].decode(Int64?.self).map {
                    DestinationPause(
                        until: $0, reason: try row[9].decode(String?.self) ?? "", since: try row[10].decode(Int64?.self), cause: .looks)
                }
                report.waitingForWindow = try row[11].decode(Int.self)
                report.nextWindowOpening = try row[12].decode(Int64?.self)
                reports.append(report)
            }
            return reports
        }
    }

    private func report(_ connection: PostgresConnection, id: Int64, name: String, kind: String?, since: Int64?) async throws
        -> DestinationReport
    {
        // Without a `since` the counters kept beside the rows answer (a few hundred rows at any size); with one, a scan
        // of the window asked for.
        var report =
            if let since {
                try await scannedReport(connection, id: id, name: name, kind: kind, since: since)
            } else {
                try await countedReport(connection, id: id, name: name, kind: kind)
            }
        let from = since ?? 0
        for row in try await rows(connection, Self.deadReasonsSQL, [id, from]) {
            report.deadReasons[try row[0].decode(String.self)] = try row[1].decode(Int.self)
        }
        for row in try await rows(connection, Self.unverifiableReasonsSQL, [id, from]) {
            report.unverifiableReasons[try row[0].decode(String.self)] = try row[1].decode(Int.self)
        }
        report.recentRemoteIDs = try await rows(connection, Self.recentRemoteIDsSQL, [id, from]).map { try $0[0].decode(String.self) }
        return report
    }

    /// Dead contacts by reason: reads the dead only (`contact_dead`), so it costs what the dead number.
    static let deadReasonsSQL = """
        SELECT COALESCE(dead_reason, '(none)'), COUNT(*) FROM contact
        WHERE destination_id = $1 AND state = \(StateCode.dead) AND enqueued_at >= $2
        GROUP BY 1 ORDER BY 2 DESC LIMIT 50
        """

    /// Unverifiable contacts by reason, through `contact_final` (its equality on the state).
    static let unverifiableReasonsSQL = """
        SELECT COALESCE(last_error, '(accepted; no way to look)'), COUNT(*) FROM contact
        WHERE destination_id = $1 AND state = \(StateCode.unverifiable) AND enqueued_at >= $2
        GROUP BY 1 ORDER BY 2 DESC LIMIT 50
        """

    /// The last remote ids, through `batch_remote`.
    static let recentRemoteIDsSQL = """
        SELECT remote_id FROM batch WHERE destination_id = $1 AND remote_id IS NOT NULL AND created_at >= $2 ORDER BY id DESC LIMIT 20
        """

    /// Counts by state and the funnel, from `contact_count` (its slots added up).
    static let countedFunnelSQL = """
        SELECT state, SUM(n)::bigint, SUM(submitted)::bigint, SUM(accepted)::bigint, SUM(retries)::bigint,
               SUM(duplicates)::bigint, SUM(absent)::bigint
        FROM contact_count WHERE destination_id = $1 AND state <> \(StateCode.windowWaitCounter) GROUP BY state
        """

    /// The ledger's figures, from `request_count`, and the first request's time through `attempt_destination_started`.
    static let countedRequestsSQL = """
        SELECT COALESCE(SUM(submits), 0)::bigint, COALESCE(SUM(throttled), 0)::bigint, COALESCE(SUM(looks), 0)::bigint,
               COALESCE(SUM(uploads), 0)::bigint, COALESCE(SUM(uploads_failed), 0)::bigint, MAX(last_finished),
               COALESCE(SUM(remote_batches), 0)::bigint, (SELECT MIN(started_at) FROM attempt WHERE destination_id = $1)
        FROM request_count WHERE destination_id = $1
        """

    /// The first and last time a contact of the destination reached a final state, one index probe per state.
    static let settledSpanSQL: String = {
        let probes = ContactState.allCases.filter(\.isFinal).map { state in
            """
            SELECT (SELECT MIN(updated_at) FROM contact WHERE destination_id = $1 AND state = \(state.rawValue)) AS lo,
                   (SELECT MAX(updated_at) FROM contact WHERE destination_id = $1 AND state = \(state.rawValue)) AS hi
            """
        }
        return "SELECT MIN(lo), MAX(hi) FROM (" + probes.joined(separator: " UNION ALL ") + ") AS spans"
    }()

    /// Final contacts by grain start and state over a span, from `settled_count`'s primary key.
    static let settledBarsSQL = """
        SELECT at, state, SUM(n)::bigint FROM settled_count
        WHERE destination_id = $1 AND grain = $2 AND at >= $3 AND at <= $4 GROUP BY at, state HAVING SUM(n) <> 0
        """

    /// The latency histogram, from `latency_count`.
    static let latencyHistogramSQL = """
        SELECT le, SUM(n)::bigint, SUM(total)::bigint FROM latency_count WHERE destination_id = $1 GROUP BY le HAVING SUM(n) > 0
        ORDER BY le
        """

    private func countedReport(_ connection: PostgresConnection, id: Int64, name: String, kind: String?) async throws
        -> DestinationReport
    {
        var counts = Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0.description, 0) })
        var funnel = DestinationReport.Funnel(enqueued: 0, submitted: 0, accepted: 0, confirmed: 0, unverifiable: 0, dead: 0)
        var retries = 0, duplicates = 0, absent = 0
        for row in try await rows(connection, Self.countedFunnelSQL, [id]) {
            guard let state = ContactState(rawValue: try row[0].decode(Int.self)) else { continue }
            let n = try row[1].decode(Int.self)
            counts[state.description] = n
            funnel.enqueued += n
            funnel.submitted += try row[2].decode(Int.self)
            funnel.accepted += try row[3].decode(Int.self)
            retries += try row[4].decode(Int.self)
            duplicates += try row[5].decode(Int.self)
            absent += try row[6].decode(Int.self)
        }
        InFlightSQL.split(
            &counts, sending: try await rows(connection, InFlightSQL.sendingAt(destination: "$1"), [id]).first?[0].decode(Int.self) ?? 0)
        funnel.confirmed = counts[ContactState.confirmed.description] ?? 0
        funnel.unverifiable = counts[ContactState.unverifiable.description] ?? 0
        funnel.dead = counts[ContactState.dead.description] ?? 0
        let requests = try await rows(connection, Self.countedRequestsSQL, [id])[0]
        let lastFinished = try requests[5].decode(Int64?.self)
        let spanMillis = try requests[7].decode(Int64?.self).map { (lastFinished ?? 0) - $0 } ?? 0
        let histogram = try await rows(connection, Self.latencyHistogramSQL, [id]).map {
            ReportMaths.LatencyBucket(le: try $0[0].decode(Int64.self), n: try $0[1].decode(Int.self), total: try $0[2].decode(Int64.self))
        }
        let span = try await rows(connection, Self.settledSpanSQL, [id])[0]
        let first = try span[0].decode(Int64?.self) ?? 0, last = try span[1].decode(Int64?.self) ?? 0
        let barMillis = ReportMaths.barMillis(first: first, last: last)
        let grain = ReportMaths.grain(barMillis: barMillis)
        let settled = try await rows(connection, Self.settledBarsSQL, [id, grain, first / grain * grain, last / grain * grain])
            .compactMap { row -> (at: Int64, state: ContactState, n: Int)? in
                guard let state = ContactState(rawValue: try row[1].decode(Int.self)) else { return nil }
                return (at: try row[0].decode(Int64.self), state: state, n: try row[2].decode(Int.self))
            }
        let submits = try requests[0].decode(Int.self)
        var report = DestinationReport(
            name: name, kind: kind, counts: counts, funnel: funnel, retries: retries, deadReasons: [:], requests: submits,
            throttled: try requests[1].decode(Int.self), looks: try requests[2].decode(Int.self), possibleDuplicates: duplicates,
            latency: ReportMaths.latency(histogram: histogram),
            contactsPerSecond: ReportMaths.perSecond(funnel.confirmed + funnel.unverifiable + funnel.dead, spanMillis: spanMillis),
            requestsPerSecond: ReportMaths.perSecond(submits, spanMillis: spanMillis),
            throughput: ReportMaths.bars(settled, barMillis: barMillis), bucketMillis: barMillis, recentRemoteIDs: [])
        report.remoteBatches = try requests[6].decode(Int.self)
        report.uploads = try requests[3].decode(Int.self)
        report.uploadsFailed = try requests[4].decode(Int.self)
        report.provenAbsent = absent
        var calls: [CallPurpose: Int] = [:]
        for row in try await rows(
            connection, "SELECT call_purpose, SUM(n)::bigint FROM call_count WHERE destination_id = $1 GROUP BY 1 HAVING SUM(n) > 0",
            [id])
        {
            if let purpose = CallPurpose(rawValue: try row[0].decode(String.self)) { calls[purpose] = try row[1].decode(Int.self) }
        }
        report.setCalls(calls)
        return report
    }

    private func scannedReport(_ connection: PostgresConnection, id: Int64, name: String, kind: String?, since: Int64) async throws
        -> DestinationReport
    {
        var counts = Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0.description, 0) })
        for row in try await rows(
            connection,
            """
            SELECT \(InFlightSQL.state), COUNT(*) FROM contact c \(InFlightSQL.join)
            WHERE c.destination_id = $1 AND c.enqueued_at >= $2 GROUP BY 1
            """, [id, since])
        {
            if let state = ContactState(rawValue: try row[0].decode(Int.self)) { counts[state.description] = try row[1].decode(Int.self) }
        }
        let funnelRow = try await rows(
            connection,
            """
            SELECT COUNT(*), COUNT(*) FILTER (WHERE attempts > 0 OR state > \(StateCode.queued)),
                   COUNT(*) FILTER (WHERE state IN (\(StateCode.accepted), \(StateCode.confirmed), \(StateCode.unverifiable))
                       OR event_instance_id IS NOT NULL),
                   COUNT(*) FILTER (WHERE state = \(StateCode.confirmed)), COUNT(*) FILTER (WHERE state = \(StateCode.unverifiable)),
                   COUNT(*) FILTER (WHERE state = \(StateCode.dead)), COALESCE(SUM(GREATEST(attempts - 1, 0)), 0)::bigint,
                   COALESCE(SUM(possible_duplicates), 0)::bigint, COALESCE(SUM(proven_absent), 0)::bigint
            FROM contact WHERE destination_id = $1 AND enqueued_at >= $2
            """, [id, since])[0]
        let funnel = DestinationReport.Funnel(
            enqueued: try funnelRow[0].decode(Int.self), submitted: try funnelRow[1].decode(Int.self),
            accepted: try funnelRow[2].decode(Int.self), confirmed: try funnelRow[3].decode(Int.self),
            unverifiable: try funnelRow[4].decode(Int.self), dead: try funnelRow[5].decode(Int.self))
        let requestRow = try await rows(
            connection,
            """
            SELECT COUNT(*) FILTER (WHERE purpose = 'submit'), COUNT(*) FILTER (WHERE purpose = 'submit' AND status = 429),
                   COUNT(*) FILTER (WHERE purpose = 'reconcile'), MIN(started_at), MAX(finished_at),
                   COUNT(*) FILTER (WHERE method = 'PUT' AND purpose = 'submit' AND status BETWEEN 200 AND 299),
                   COUNT(*) FILTER (WHERE method = 'PUT' AND purpose = 'submit' AND (status IS NULL OR status NOT BETWEEN 200 AND 299))
            FROM attempt WHERE destination_id = $1 AND started_at >= $2
            """, [id, since])[0]
        // Only the three ranks travel (ReportMaths.rank), not every latency of the window.
        let ranked = try await rows(
            connection,
            """
            SELECT i, latency_ms FROM (
                SELECT latency_ms, row_number() OVER (ORDER BY latency_ms) - 1 AS i, count(*) OVER () AS n
                FROM attempt WHERE destination_id = $1 AND purpose = 'submit' AND latency_ms IS NOT NULL AND started_at >= $2) ranked
            WHERE i IN ((n - 1) * 50 / 100, (n - 1) * 95 / 100, (n - 1) * 99 / 100) ORDER BY i
            """, [id, since]
        ).map { try $0[1].decode(Int64.self) }
        let latency =
            ranked.isEmpty
            ? nil : DestinationReport.Latency(p50: ranked[0], p95: ranked[min(1, ranked.count - 1)], p99: ranked[ranked.count - 1])
        let requests = try requestRow[0].decode(Int.self)
        let spanMillis = (try requestRow[4].decode(Int64?.self) ?? 0) - (try requestRow[3].decode(Int64?.self) ?? 0)
        let span = try await rows(
            connection,
            """
            SELECT MIN(updated_at), MAX(updated_at) FROM contact
            WHERE destination_id = $1 AND state >= \(StateCode.firstFinal) AND enqueued_at >= $2
            """, [id, since])[0]
        let barMillis = ReportMaths.barMillis(first: try span[0].decode(Int64?.self) ?? 0, last: try span[1].decode(Int64?.self) ?? 0)
        var buckets: [DestinationReport.Bucket] = []
        for row in try await rows(
            connection,
            """
            SELECT updated_at / $1 * $1 AS minute, COUNT(*) FILTER (WHERE state = \(StateCode.confirmed)),
                   COUNT(*) FILTER (WHERE state = \(StateCode.unverifiable)), COUNT(*) FILTER (WHERE state = \(StateCode.dead))
            FROM contact WHERE destination_id = $2 AND state >= \(StateCode.firstFinal) AND enqueued_at >= $3
            GROUP BY minute ORDER BY minute
            """, [barMillis, id, since])
        {
            buckets.append(
                DestinationReport.Bucket(
                    minute: try row[0].decode(Int64.self), confirmed: try row[1].decode(Int.self),
                    unverifiable: try row[2].decode(Int.self), dead: try row[3].decode(Int.self)))
        }
        let remoteBatches = try await rows(
            connection,
            """
            SELECT COUNT(*) FROM batch WHERE destination_id = $1 AND remote_id IS NOT NULL AND created_at >= $2
            """, [id, since])[0][0].decode(Int.self)
        var report = DestinationReport(
            name: name, kind: kind, counts: counts, funnel: funnel, retries: try funnelRow[6].decode(Int.self), deadReasons: [:],
            requests: requests, throttled: try requestRow[1].decode(Int.self), looks: try requestRow[2].decode(Int.self),
            possibleDuplicates: try funnelRow[7].decode(Int.self), latency: latency,
            contactsPerSecond: ReportMaths.perSecond(funnel.confirmed + funnel.unverifiable + funnel.dead, spanMillis: spanMillis),
            requestsPerSecond: ReportMaths.perSecond(requests, spanMillis: spanMillis), throughput: buckets, bucketMillis: barMillis,
            recentRemoteIDs: [])
        report.remoteBatches = remoteBatches
        report.uploads = try requestRow[5].decode(Int.self)
        report.uploadsFailed = try requestRow[6].decode(Int.self)
        report.provenAbsent = try funnelRow[8].decode(Int.self)
        var calls: [CallPurpose: Int] = [:]
        for row in try await rows(
            connection,
            """
            SELECT call_purpose_of(call_purpose, purpose), COUNT(*) FROM attempt WHERE destination_id = $1 AND started_at >= $2 GROUP BY 1
            """, [id, since])
        {
            if let purpose = CallPurpose(rawValue: try row[0].decode(String.self)) { calls[purpose] = try row[1].decode(Int.self) }
        }
        report.setCalls(calls)
        return report
    }

    /// Rows per page of `eachContact`, each page its own short query.
    static let exportPageSize = 1_000

    public func eachContact(destination: String?, state: ContactState?, since: Int64?, _ body: (ContactRow) async throws -> Void)
        async throws
    {
        let destinations = try await rows(
            "SELECT id, name FROM destination WHERE $1::text IS NULL OR name = $1::text ORDER BY name", [destination]
        )
        .map { (try $0[0].decode(Int64.self), try $0[1].decode(String.self)) }
        for (id, name) in destinations {
            var after: Int64 = 0
            while true {
                let from = after
                // Keyset pages: a contact shows at most once, in the state its page saw.
                let page = try await rows(
                    """
                    SELECT $1::text, c.contact_key, \(InFlightSQL.state), c.attempts, c.last_error, c.dead_reason,
                           \(InFlightSQL.eventInstanceID), c.request_id, c.enqueued_at, \(InFlightSQL.updatedAt), c.data, c.id
                    FROM contact c \(InFlightSQL.join)
                    WHERE c.destination_id = $2 AND c.id > $3 AND ($4::int IS NULL OR \(InFlightSQL.state) = $4::int)
                        AND c.enqueued_at >= $5
                    ORDER BY c.id LIMIT $6
                    """, [name, id, from, state.map { Int64($0.rawValue) }, since ?? 0, Self.exportPageSize]
                )
                .map { (try Self.contactRow($0), try $0[11].decode(Int64.self)) }
                for (row, _) in page { try await body(row) }
                guard page.count == Self.exportPageSize, let last = page.last else { break }
                after = last.1
            }
        }
    }

    static func contactRow(_ row: PostgresRandomAccessRow) throws -> ContactRow {
        ContactRow(
            destination: try row[0].decode(String.self), key: try row[1].decode(String.self),
            state: ContactState(rawValue: try row[2].decode(Int.self))?.description ?? "?", attempts: try row[3].decode(Int.self),
            lastError: try row[4].decode(String?.self), deadReason: try row[5].decode(String?.self),
            eventInstanceID: try row[6].decode(String?.self), requestID: try row[7].decode(String?.self),
            enqueuedAt: try row[8].decode(Int64.self), updatedAt: try row[9].decode(Int64.self), dataJSON: try row[10].decode(String.self))
    }

    /// How far a ledger row's start may precede the contact's enqueue or follow its last change (looks are recorded
    /// when they finish).
    static let ledgerSlackMillis: Int64 = 15 * 60_000

    public func timeline(contactKey: String, before: Int64?, limit: Int) async throws -> [(ContactRow, [LedgerEntry])] {
        if AskedText.namesNothing(contactKey) { return [] }
        let limit = Int64(max(limit, 1))
        let contacts = try await rows(
            """
            SELECT d.name, c.contact_key, \(InFlightSQL.state), c.attempts, c.last_error, c.dead_reason,
                   \(InFlightSQL.eventInstanceID), c.request_id, c.enqueued_at, \(InFlightSQL.updatedAt), c.data,
                   c.destination_id, c.evidence, c.not_before, c.not_after, c.available_at, c.wait_cause,
                   c.erased_at, \(InFlightSQL.carried)
            FROM contact c JOIN destination d ON d.id = c.destination_id \(InFlightSQL.join)
            WHERE c.contact_key COLLATE "C" = $1 ORDER BY c.id
            """, [contactKey])
        let carriedFrom = try await rows("SELECT MAX(attempt_id) FROM ledger_carried_from").first?[0].decode(Int64?.self) ?? 0
        var result: [(ContactRow, [LedgerEntry])] = []
        for row in contacts {
            // The ledger rows of the batches that carried the contact, through attempt_batch.
            let batches = (try row[18].decode(String?.self) ?? "").split(separator: " ").compactMap { Int64($0) }
            var ids = try await rows(
                "SELECT id FROM attempt WHERE batch_id = ANY($1::bigint[]) AND id < $2 ORDER BY id DESC LIMIT $3",
                [batches, before ?? Int64.max, limit]
            ).map { try $0[0].decode(Int64.self) }
            // A contact claimed before the ledger recorded who each batch carried: its earlier requests are the ones that
            // name it (a JSON string, or the first field of a Bulk CSV line), searched for among the rows of that older
            // ledger only, started between its enqueue and its last change.
            let state = try row[2].decode(Int.self)
            if carriedFrom > 0, ids.count < limit, try row[3].decode(Int.self) > 0 || state > ContactState.queued.rawValue {
                let first = try row[8].decode(Int64.self) - Self.ledgerSlackMillis
                let last = state >= ContactState.confirmed.rawValue ? try row[9].decode(Int64.self) + Self.ledgerSlackMillis : Int64.max
                ids += try await rows(
                    """
                    SELECT id FROM attempt WHERE destination_id = $1 AND started_at BETWEEN $4 AND $5 AND id <= $6 AND id < $7
                        AND (strpos(request_body, $2) > 0 OR strpos(request_body, $3) > 0) ORDER BY id DESC LIMIT $8
                    """,
                    [
                        try row[11].decode(Int64.self), JSONText.string(contactKey),
                        String("\n" + CSVDocument.line([contactKey]).dropLast() + ","),
                        first, last, carriedFrom, before ?? Int64.max, limit,
                    ]
                ).map { try $0[0].decode(Int64.self) }
            }
            let page = Array(Set(ids).sorted(by: >).prefix(Int(limit)))
            let entries = try await rows(
                """
                SELECT id, purpose, attempt_number, method, url, request_body, started_at, status, response_headers, response_body,
                       remote_id, latency_ms, error_class, trace_id
                FROM attempt WHERE id = ANY($1::bigint[]) ORDER BY id DESC
                """, [page]
            ).map { entry in
                LedgerEntry(
                    id: try entry[0].decode(Int64.self), purpose: try entry[1].decode(String.self),
                    attemptNumber: try entry[2].decode(Int.self),
                    method: try entry[3].decode(String.self), url: try entry[4].decode(String.self),
                    requestBody: try entry[5].decode(String.self),
                    startedAt: try entry[6].decode(Int64.self), status: try entry[7].decode(Int?.self),
                    responseHeaders: try entry[8].decode(String?.self), responseBody: try entry[9].decode(String?.self),
                    remoteID: try entry[10].decode(String?.self), latencyMillis: try entry[11].decode(Int64?.self),
                    errorClass: try entry[12].decode(String?.self), traceID: try entry[13].decode(String?.self))
            }
            var contact = try Self.contactRow(row)
            contact.evidence = try row[12].decode(String?.self)
            contact.notBefore = try row[13].decode(Int64?.self)
            contact.notAfter = try row[14].decode(Int64?.self)
            contact.erasedAt = try row[17].decode(Int64?.self)
            if state == ContactState.queued.rawValue {
                contact.availableAt = try row[15].decode(Int64?.self)
                contact.waitingFor = ContactRow.waitingFor(cause: try row[16].decode(Int?.self))
            }
            result.append((contact, entries))
        }
        return result
    }

    public func redriveExpired(destination: String, notAfter: Int64?) async throws -> RedriveSummary {
        let now = clock.nowMillis()
        return try await transaction { connection in
            let id = try await self.existingDestinationID(connection, name: destination)
            let candidate = """
                destination_id = $2 AND state = \(StateCode.expired) AND erased_at IS NULL
                  AND \(RedriveSQL.newestNotLive(state: StateCode.expired))
                """
            let superseded = RedriveSQL.superseded
            let skipped = try await self.rows(
                connection, "SELECT COUNT(*) FROM contact WHERE $1::bigint IS NOT NULL AND \(candidate) AND \(superseded)",
                [now, id])[0][0].decode(Int.self)
            let queued = try await self.count(
                connection,
                """
                UPDATE contact SET state = \(StateCode.queued), attempts = 0, looks = 0, prior_member = NULL,
                    not_after = $3::bigint, updated_at = $1, available_at = GREATEST($1, COALESCE(not_before, 0)),
                    wait_cause = CASE WHEN not_before > $1 THEN \(StateCode.waitNotBefore) END,
                    last_error = 'redriven after expiry: ' || COALESCE(last_error, '')
                WHERE \(candidate) AND NOT \(superseded)
                """, [now, id, notAfter])
            return RedriveSummary(queued: queued, skipped: skipped)
        }
    }

    public func redrive(destination: String, reason: String?, lookable: Bool) async throws -> RedriveSummary {
        if let reason, AskedText.namesNothing(reason) {
            _ = try await transaction { connection in try await self.existingDestinationID(connection, name: destination) }
            return RedriveSummary()
        }
        let now = clock.nowMillis()
        return try await transaction { connection in
            let id = try await self.existingDestinationID(connection, name: destination)
            // The newest dead row of a key that is not live again (as the SQLite store says, step by step).
            let candidate = """
                destination_id = $2 AND state = \(StateCode.dead) AND erased_at IS NULL
                  AND ($3::text IS NULL OR strpos(dead_reason, $3::text) > 0)
                  AND \(RedriveSQL.newestNotLive(state: StateCode.dead))
                """
            let superseded = RedriveSQL.superseded
            let eligible = "\(candidate) AND NOT \(superseded)"
            let skipped = try await self.rows(
                connection, "SELECT COUNT(*) FROM contact WHERE $1::bigint IS NOT NULL AND \(candidate) AND \(superseded)",
                [now, id, reason])[0][0].decode(Int.self)
            let toLookFor = try await self.count(
                connection,
                """
                UPDATE contact SET state = \(StateCode.unknown), attempts = 0, looks = 0, dead_reason = NULL, updated_at = $1,
                    available_at = GREATEST($1, COALESCE(sent_at, 0) + (SELECT settle_ms FROM destination WHERE id = $2)),
                    last_error = 'redriven, to be looked for first (the last request may have been taken) after: '
                                 || COALESCE(dead_reason, '')
                WHERE ambiguous = 1 AND $4::boolean AND \(eligible)
                """, [now, id, reason, lookable])
            let duplicates = try await self.count(
                connection,
                """
                UPDATE contact SET state = \(StateCode.queued), attempts = 0, looks = 0, available_at = $1,
                    dead_reason = NULL, prior_member = NULL,
                    ambiguous = 0, possible_duplicates = possible_duplicates + 1, updated_at = $1,
                    last_error = 'redriven by an operator although the last request may have been taken (a possible duplicate) after: '
                                 || COALESCE(dead_reason, '')
                WHERE ambiguous = 1 AND NOT $4::boolean AND \(eligible)
                """, [now, id, reason, lookable])
            let queued = try await self.count(
                connection,
                """
                UPDATE contact SET state = \(StateCode.queued), attempts = 0, looks = 0, available_at = $1,
                    dead_reason = NULL, prior_member = NULL,
                    last_error = 'redriven after: ' || COALESCE(dead_reason, ''), updated_at = $1
                WHERE ambiguous = 0 AND \(eligible)
                """, [now, id, reason])
            return RedriveSummary(queued: queued + duplicates, toLookFor: toLookFor, possibleDuplicates: duplicates, skipped: skipped)
        }
    }

    public func deadLetters(destination: String, reason: String?, after: Int64?, limit: Int) async throws -> [DeadLetter] {
        try await transaction { connection in
            let id = try await self.existingDestinationID(connection, name: destination)
            if let reason, AskedText.namesNothing(reason) { return [] }
            return try await self.rows(
                connection,
                """
                SELECT id, contact_key, COALESCE(dead_reason, ''), last_error, attempts, request_id, updated_at FROM contact
                WHERE destination_id = $1 AND state = \(StateCode.dead) AND id > $2
                  AND ($3::text IS NULL OR strpos(dead_reason, $3::text) > 0)
                ORDER BY id LIMIT $4
                """, [id, after ?? 0, reason, min(max(limit, 1), 1_000)]
            ).map { row in
                DeadLetter(
                    id: try row[0].decode(Int64.self), contactKey: try row[1].decode(String.self), reason: try row[2].decode(String.self),
                    lastError: try row[3].decode(String?.self), attempts: try row[4].decode(Int.self),
                    requestID: try row[5].decode(String?.self),
                    updatedAt: try row[6].decode(Int64.self))
            }
        }
    }

    public func searchContacts(_ text: String, prefix: Bool, limit: Int) async throws -> [ContactRow] {
        // No key holds a NUL, and a prefix up to one matches nothing: keys with those bytes are above the range.
        if AskedText.namesNothing(text) { return [] }
        // A range on the key index in byte order, not LIKE: exact bytes, any character, and the index used either way.
        return try await rows(
            """
            SELECT d.name, c.contact_key, \(InFlightSQL.state), c.attempts, c.last_error, c.dead_reason,
                   \(InFlightSQL.eventInstanceID), c.request_id, c.enqueued_at, \(InFlightSQL.updatedAt), c.data
            FROM contact c JOIN destination d ON d.id = c.destination_id \(InFlightSQL.join)
            WHERE c.contact_key COLLATE "C" >= $1 AND c.contact_key COLLATE "C" <= $2 ORDER BY c.contact_key COLLATE "C", d.name LIMIT $3
            """, [text, prefix ? text + "\u{10FFFF}" : text, min(max(limit, 1), 500)]
        ).map(Self.contactRow)
    }

    public func probeWritable() async throws {
        // A standby answers reads but takes no write.
        let row = try await rows("SELECT pg_is_in_recovery()")
        if try row[0][0].decode(Bool.self) {
            throw PostgresStoreError(
                operation: "readiness probe", sqlState: nil, message: "\(location) is a standby in recovery: it takes no writes")
        }
    }
}
