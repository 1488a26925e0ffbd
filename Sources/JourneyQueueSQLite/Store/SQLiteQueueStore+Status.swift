import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func counts() async throws -> [DestinationCounts] {
        try await pool.read { db in
            let destinations = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, name, kind, paused_until, pause_reason, health_paused_until, health_reason, health_since,
                           look_paused_until, look_reason, look_since, health_cause
                    FROM destination ORDER BY name
                    """)
            var byState: [Int64: [ContactState: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT destination_id, state, n FROM contact_count") {
                if let state = ContactState(rawValue: row[1]) { byState[row[0], default: [:]][state] = row[2] }
            }
            for row in try Row.fetchAll(db, sql: InFlightSQL.sendingByDestination) {
                InFlightSQL.split(&byState[row[0], default: [:]], sending: row[1])
            }
            var calls: [Int64: [CallPurpose: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT destination_id, call_purpose, n FROM call_count WHERE n > 0") {
                if let purpose = CallPurpose(rawValue: row[1]) { calls[row[0], default: [:]][purpose] = row[2] }
            }
            return try destinations.map { row in
                var counts = Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0, 0) })
                counts.merge(byState[row[0]] ?? [:]) { $1 }
                let pause = (row[3] as Int64?).map {
                    DestinationPause(until: $0, reason: row[4] ?? "paused by an operator", cause: .operator)
                }
                let health = (row[5] as Int64?).map {
                    DestinationPause(until: $0, reason: row[6] ?? "", since: row[7], cause: Self.cause(row[11]))
                }
                let looks = (row[8] as Int64?).map { DestinationPause(until: $0, reason: row[9] ?? "", since: row[10], cause: .looks) }
                var result = DestinationCounts(name: row[1], kind: row[2], counts: counts, pause: pause, health: health, looks: looks)
                result.calls = calls[row[0]] ?? [:]
                if (counts[.queued] ?? 0) > 0 {
                    result.oldestQueuedAt = try Int64.fetchOne(
                        db.cachedStatement(
                            sql: "SELECT MIN(available_at) FROM contact WHERE destination_id = ? AND state = \(StateCode.queued)"),
                        arguments: [row[0] as Int64])
                    if let waiting = try Row.fetchOne(db.cachedStatement(sql: Self.windowWaitSQL), arguments: [row[0] as Int64]) {
                        result.waitingForWindow = (waiting[0] as Int?) ?? 0
                        result.nextWindowOpening = waiting[1]
                    }
                }
                return result
            }
        }
    }

    /// How many wait for the send window (their counter) and when the first may go (`contact_window_wait`'s first entry).
    static let windowWaitSQL = """
        SELECT (SELECT n FROM contact_count WHERE destination_id = ?1 AND state = \(StateCode.windowWaitCounter)),
               (SELECT MIN(available_at) FROM contact WHERE destination_id = ?1 AND state = \(StateCode.queued)
                 AND wait_cause = \(StateCode.waitWindow))
        """

    public func setPause(destination: String, paused: Bool, until: Int64?, reason: String?) async throws {
        try await pool.write { db in
            let id = try Self.existingDestinationID(db, name: destination)
            let after: (until: Int64?, reason: String?) = (
                paused ? (until ?? Int64.max) : nil, paused ? (reason ?? "paused by an operator") : nil
            )
            let before = try Row.fetchOne(db, sql: "SELECT paused_until, pause_reason FROM destination WHERE id = ?", arguments: [id])
            try db.execute(
                sql: "UPDATE destination SET paused_until = ?, pause_reason = ? WHERE id = ?", arguments: [after.until, after.reason, id])
            try Self.recordPauseEvent(
                db, destinationID: id, cause: "operator", before: (before?[0], before?[1]), after: after, now: clock.nowMillis())
        }
    }

    public func reportHealth(destination: String, pause: DestinationPause?) async throws {
        try await writes.write { [self] db in
            let before = try Row.fetchOne(
                db, sql: "SELECT id, health_paused_until, health_reason FROM destination WHERE name = ?", arguments: [destination])
            try db.execute(
                sql: """
                    UPDATE destination SET health_paused_until = ?, health_reason = ?, health_since = ?, health_updated_at = ?,
                        health_cause = ?
                    WHERE name = ?
                    """, arguments: [pause?.until, pause?.reason, pause?.since, clock.nowMillis(), pause?.cause.rawValue, destination])
            if let before {
                try Self.recordPauseEvent(
                    db, destinationID: before[0], cause: "health", before: (before[1], before[2]), after: (pause?.until, pause?.reason),
                    now: clock.nowMillis())
            }
        }
    }

    public func reportLookHealth(destination: String, pause: DestinationPause?) async throws {
        try await writes.write { [self] db in
            let before = try Row.fetchOne(
                db, sql: "SELECT id, look_paused_until, look_reason FROM destination WHERE name = ?", arguments: [destination])
            try db.execute(
                sql: "UPDATE destination SET look_paused_until = ?, look_reason = ?, look_since = ? WHERE name = ?",
                arguments: [pause?.until, pause?.reason, pause?.since, destination])
            if let before {
                try Self.recordPauseEvent(
                    db, destinationID: before[0], cause: "looks", before: (before[1], before[2]), after: (pause?.until, pause?.reason),
                    now: clock.nowMillis())
            }
        }
    }

    /// A stored cause; a row written before causes were kept is taken as `unavailable`.
    static func cause(_ text: String?) -> PauseCause { text.flatMap(PauseCause.init(rawValue:)) ?? .unavailable }
}
