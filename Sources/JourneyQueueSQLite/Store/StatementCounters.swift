import GRDB
import JourneyQueue

/// The counters a statement of the daemon's hot path moves itself (schema v15): the statement flips `tally` on every row
/// it writes, so that the row triggers skip those rows, and these deltas, taken from the batch it writes, take their
/// place: one upsert per destination and state the statement touched rather than two to five statements per row.
///
/// A contact's share of `contact_count` is the row trigger's formula, the same in `Funnel.of` and `funnelSQL`.
struct StatementCounters {
    /// One (destination, state) cell of `contact_count`.
    struct Cell: Hashable {
        var destinationID: Int64
        var state: Int64
    }

    /// The counted columns of one cell, or a difference between two.
    struct Funnel: Equatable {
        var n: Int64 = 0
        var submitted: Int64 = 0
        var accepted: Int64 = 0
        var retries: Int64 = 0
        var duplicates: Int64 = 0
        var absent: Int64 = 0

        static let zero = Funnel()

        /// One contact's share, as the row trigger computes it.
        static func of(state: Int64, attempts: Int64, hasEvent: Bool, duplicates: Int64, absent: Int64) -> Funnel {
            Funnel(
                n: 1, submitted: attempts > 0 || state > 0 ? 1 : 0,
                accepted: [3, 5, 6].contains(state) || hasEvent ? 1 : 0, retries: max(attempts - 1, 0),
                duplicates: duplicates, absent: absent)
        }

        static func + (a: Funnel, b: Funnel) -> Funnel {
            Funnel(
                n: a.n + b.n, submitted: a.submitted + b.submitted, accepted: a.accepted + b.accepted,
                retries: a.retries + b.retries, duplicates: a.duplicates + b.duplicates, absent: a.absent + b.absent)
        }

        static func - (a: Funnel, b: Funnel) -> Funnel {
            Funnel(
                n: a.n - b.n, submitted: a.submitted - b.submitted, accepted: a.accepted - b.accepted,
                retries: a.retries - b.retries, duplicates: a.duplicates - b.duplicates, absent: a.absent - b.absent)
        }
    }

    private var cells: [Cell: Funnel] = [:]

    /// Adds `funnel` to `cell`.
    mutating func add(_ funnel: Funnel, to cell: Cell) {
        cells[cell, default: .zero] = cells[cell, default: .zero] + funnel
    }

    /// The difference `after - before`, cell by cell.
    static func difference(after: [Cell: Funnel], before: [Cell: Funnel]) -> StatementCounters {
        var counters = StatementCounters()
        for cell in Set(after.keys).union(before.keys) {
            counters.cells[cell] = after[cell, default: .zero] - before[cell, default: .zero]
        }
        return counters
    }

    /// The contacts a statement may move: those of a batch, or those of the batches a look holds (schema v17).
    enum Scope {
        case batch(Int64)
        case heldBy(look: Int64)

        var filter: String {
            switch self {
            case .batch: "batch_id = ?"
            case .heldBy: "batch_id IN (SELECT id FROM batch WHERE look_by = ?)"
            }
        }

        var id: Int64 {
            switch self {
            case .batch(let id), .heldBy(look: let id): id
            }
        }
    }

    /// The scope's contacts summed by destination and state, with the row trigger's formula.
    static func funnelSQL(_ scope: Scope) -> String {
        switch scope {
        case .batch: batchFunnelSQL
        case .heldBy: heldFunnelSQL
        }
    }

    private static let batchFunnelSQL = funnelSQL(filter: Scope.batch(0).filter)
    private static let heldFunnelSQL = funnelSQL(filter: Scope.heldBy(look: 0).filter)

    private static func funnelSQL(filter: String) -> String {
        """
        SELECT destination_id, state, COUNT(*), SUM(attempts > 0 OR state > 0),
            SUM(state IN (\(StateCode.accepted), \(StateCode.confirmed), \(StateCode.unverifiable)) OR event_instance_id IS NOT NULL),
            SUM(MAX(attempts - 1, 0)), SUM(possible_duplicates), SUM(proven_absent)
        FROM contact WHERE \(filter) GROUP BY destination_id, state
        """
    }

    /// The counted columns of the scope's contacts, by destination and state.
    static func funnel(_ db: Database, _ scope: Scope) throws -> [Cell: Funnel] {
        var cells: [Cell: Funnel] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: funnelSQL(scope)), arguments: [scope.id]) {
            cells[Cell(destinationID: row[0], state: row[1])] = Funnel(
                n: row[2], submitted: row[3], accepted: row[4], retries: row[5], duplicates: row[6], absent: row[7])
        }
        return cells
    }

    /// Runs `write`, a statement that flips `tally` on the rows of `scope` it moves and moves none out of it, and moves
    /// the counters by what it changed there. Contacts that reached a final state are counted in `settled_count` at `now`
    /// (the `updated_at` the statement gave them).
    static func around<T>(_ db: Database, _ scope: Scope, now: Int64, _ write: () throws -> T) throws -> T {
        let before = try funnel(db, scope)
        let result = try write()
        try difference(after: funnel(db, scope), before: before).apply(db, settledAt: now)
        return result
    }

    /// Writes the deltas: one upsert per cell that changed, and the contacts that entered a final state into
    /// `settled_count` at each grain.
    func apply(_ db: Database, settledAt now: Int64) throws {
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO contact_count(destination_id, state, n, submitted, accepted, retries, duplicates, absent)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(destination_id, state) DO UPDATE SET n = n + excluded.n, submitted = submitted + excluded.submitted,
                    accepted = accepted + excluded.accepted, retries = retries + excluded.retries,
                    duplicates = duplicates + excluded.duplicates, absent = absent + excluded.absent
                """)
        let settled = try db.cachedStatement(
            sql: """
                INSERT INTO settled_count(destination_id, grain, at, state, n)
                SELECT ?1, g.grain, ?2 / g.grain * g.grain, ?3, ?4
                FROM (SELECT 1000 AS grain UNION ALL SELECT 60000 UNION ALL SELECT 3600000) AS g
                WHERE true
                ON CONFLICT(destination_id, grain, at, state) DO UPDATE SET n = n + excluded.n
                """)
        for (cell, delta) in cells.sorted(by: { ($0.key.destinationID, $0.key.state) < ($1.key.destinationID, $1.key.state) })
        where delta != .zero {
            try upsert.execute(arguments: [
                cell.destinationID, cell.state, delta.n, delta.submitted, delta.accepted, delta.retries, delta.duplicates,
                delta.absent,
            ])
            // The hot path moves live contacts only, so a final state's count can only grow here.
            if cell.state >= ContactState.confirmed.rawValue, delta.n > 0 {
                try settled.execute(arguments: [cell.destinationID, now, cell.state, delta.n])
            }
        }
    }
}
