import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func counts() async throws -> [DestinationCounts] {
        try await transaction { connection in
            // One snapshot: the counters and the batches in flight are split against each other.
            try await self.execute(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            let destinations = try await self.rows(
                connection,
                """
                SELECT id, name, kind, paused_until, pause_reason, health_paused_until, health_reason, health_since,
                       (SELECT MIN(available_at) FROM contact c WHERE c.destination_id = d.id AND c.state = \(StateCode.queued)),
                       look_paused_until, look_reason, look_since,
                       (SELECT COALESCE(SUM(n), 0)::bigint FROM contact_count k WHERE k.destination_id = d.id
                            AND k.state = \(StateCode.windowWaitCounter)),
                       (SELECT MIN(available_at) FROM contact c WHERE c.destination_id = d.id AND c.state = \(StateCode.queued)
                            AND c.wait_cause = \(StateCode.waitWindow)),
                       health_cause
                FROM destination d ORDER BY name
                """)
            var byState: [Int64: [ContactState: Int]] = [:]
            for row in try await self.rows(connection, "SELECT destination_id, state, SUM(n)::bigint FROM contact_count GROUP BY 1, 2") {
                if let state = ContactState(rawValue: try row[1].decode(Int.self)) {
                    byState[try row[0].decode(Int64.self), default: [:]][state] = try row[2].decode(Int.self)
                }
            }
            for row in try await self.rows(connection, InFlightSQL.sendingByDestination) {
                InFlightSQL.split(&byState[try row[0].decode(Int64.self), default: [:]], sending: try row[1].decode(Int.self))
            }
            var calls: [Int64: [CallPurpose: Int]] = [:]
            for row in try await self.rows(
                connection, "SELECT destination_id, call_purpose, SUM(n)::bigint FROM call_count GROUP BY 1, 2 HAVING SUM(n) > 0")
            {
                if let purpose = CallPurpose(rawValue: try row[1].decode(String.self)) {
                    calls[try row[0].decode(Int64.self), default: [:]][purpose] = try row[2].decode(Int.self)
                }
            }
            return try destinations.map { row in
                var counts = Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0, 0) })
                counts.merge(byState[try row[0].decode(Int64.self)] ?? [:]) { $1 }
                let pause = try row[3].decode(Int64?.self).map {
                    DestinationPause(until: $0, reason: try row[4].decode(String?.self) ?? "paused by an operator", cause: .operator)
                }
                let health = try row[5].decode(Int64?.self).map {
                    DestinationPause(
                        until: $0, reason: try row[6].decode(String?.self) ?? "", since: try row[7].decode(Int64?.self),
                        cause: Self.cause(try row[14].decode(String?.self)))
                }
                let looks = try row[9].decode(Int64?.self).map {
                    DestinationPause(
                        until: $0, reason: try row[10].decode(String?.self) ?? "", since: try row[11].decode(Int64?.self), cause: .looks)
                }
                var result = DestinationCounts(
                    name: try row[1].decode(String.self), kind: try row[2].decode(String?.self), counts: counts, pause: pause,
                    health: health, looks: looks)
                result.calls = calls[try row[0].decode(Int64.self)] ?? [:]
                if (counts[.queued] ?? 0) > 0 { result.oldestQueuedAt = try row[8].decode(Int64?.self) }
                result.waitingForWindow = try row[12].decode(Int.self)
                result.nextWindowOpening = try row[13].decode(Int64?.self)
                return result
            }
        }
    }

    public func setPause(destination: String, paused: Bool, until: Int64?, reason: String?) async throws {
        try await transaction { connection in
            let id = try await self.existingDestinationID(connection, name: destination)
            let after: (until: Int64?, reason: String?) = (
                paused ? (until ?? Int64.max) : nil, paused ? (reason ?? "paused by an operator") : nil
            )
            let before = try await self.rows(
                connection, "SELECT paused_until, pause_reason FROM destination WHERE id = $1 FOR UPDATE", [id]
            ).first
            try await self.execute(
                connection, "UPDATE destination SET paused_until = $1::bigint, pause_reason = $2::text WHERE id = $3",
                [after.until, after.reason, id])
            try await self.recordPauseEvent(
                connection, destinationID: id, cause: "operator",
                before: (try before?[0].decode(Int64?.self), try before?[1].decode(String?.self)), after: after,
                now: self.clock.nowMillis())
        }
    }

    public func reportHealth(destination: String, pause: DestinationPause?) async throws {
        let now = clock.nowMillis()
        try await self.transaction { connection in
            let before = try await self.rows(
                connection, "SELECT id, health_paused_until, health_reason FROM destination WHERE name = $1 FOR UPDATE",
                [destination]
            ).first
            try await self.execute(
                connection,
                """
                UPDATE destination SET health_paused_until = $1::bigint, health_reason = $2::text, health_since = $3::bigint,
                    health_updated_at = $4, health_cause = $6::text
                WHERE name = $5
                """, [pause?.until, pause?.reason, pause?.since, now, destination, pause?.cause.rawValue])
            if let before {
                try await self.recordPauseEvent(
                    connection, destinationID: try before[0].decode(Int64.self), cause: "health",
                    before: (try before[1].decode(Int64?.self), try before[2].decode(String?.self)),
                    after: (pause?.until, pause?.reason), now: now)
            }
        }
    }

    public func reportLookHealth(destination: String, pause: DestinationPause?) async throws {
        try await self.transaction { connection in
            let before = try await self.rows(
                connection, "SELECT id, look_paused_until, look_reason FROM destination WHERE name = $1 FOR UPDATE",
                [destination]
            ).first
            try await self.execute(
                connection,
                "UPDATE destination SET look_paused_until = $1::bigint, look_reason = $2::text, look_since = $3::bigint"
                    + " WHERE name = $4",
                [pause?.until, pause?.reason, pause?.since, destination])
            if let before {
                try await self.recordPauseEvent(
                    connection, destinationID: try before[0].decode(Int64.self), cause: "looks",
                    before: (try before[1].decode(Int64?.self), try before[2].decode(String?.self)),
                    after: (pause?.until, pause?.reason), now: self.clock.nowMillis())
            }
        }
    }

    /// A stored cause; a row written before causes were kept is taken as `unavailable`.
    static func cause(_ text: String?) -> PauseCause { text.flatMap(PauseCause.init(rawValue:)) ?? .unavailable }
}
