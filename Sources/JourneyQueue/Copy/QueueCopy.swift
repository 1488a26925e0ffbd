/// One value of a copied row.
public enum CopyValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case null
}

/// A column as the copy moves it: its name and whether it holds integers or text.
public struct CopyColumn: Sendable {
    public var name: String
    public var isInteger: Bool

    init(_ name: String, integer: Bool) {
        self.name = name
        isInteger = integer
    }
}

/// A table of the queue, with the columns both engines' schemas share, read in the order of its first column.
public struct CopyTable: Sendable {
    public var name: String
    public var columns: [CopyColumn]
    /// Whether the first column is an identity the target must take as given (and continue after).
    public var hasIdentity: Bool
    /// The key a table without an identity is read in the order of.
    public var order: String

    /// The queue's tables in an order that satisfies their references. Counters are not copied: the target's own
    /// keep them as the contacts arrive.
    public static let all: [CopyTable] = [
        CopyTable(
            name: "destination", integers: ["id"], texts: ["name", "kind"],
            more: [
                ("created_at", true), ("settle_ms", true), ("paused_until", true), ("pause_reason", false), ("health_paused_until", true),
                ("health_reason", false), ("health_since", true), ("health_updated_at", true), ("look_paused_until", true),
                ("look_reason", false), ("look_since", true), ("health_cause", false),
            ]),
        CopyTable(
            name: "batch", integers: ["id", "destination_id"], texts: ["lease_token"],
            more: [
                ("lease_until", true), ("state", true), ("size", true), ("remote_id", false), ("created_at", true), ("closed_at", true),
                ("sent_at", true),
            ]),
        CopyTable(
            name: "contact", integers: ["id", "destination_id"], texts: ["contact_key", "data"],
            more: [
                ("state", true), ("attempts", true), ("available_at", true), ("batch_id", true), ("request_id", false),
                ("event_instance_id", false), ("last_error", false), ("dead_reason", false), ("enqueued_at", true), ("updated_at", true),
                ("looks", true), ("prior_member", true), ("sent_at", true), ("ambiguous", true), ("possible_duplicates", true),
                ("evidence", false), ("proven_absent", true), ("not_before", true), ("not_after", true), ("wait_cause", true),
                ("erased_at", true), ("carried", false),
            ]),
        CopyTable(
            name: "attempt", integers: ["id", "destination_id", "batch_id"], texts: ["purpose"],
            more: [
                ("attempt_number", true), ("method", false), ("url", false), ("request_body", false), ("started_at", true),
                ("status", true),
                ("response_headers", false), ("response_body", false), ("remote_id", false), ("latency_ms", true), ("error_class", false),
                ("finished_at", true), ("call_purpose", false), ("trace_id", false),
            ]),
        // Where the source's ledger began recording who each batch carried (older rows are found by their bodies): the
        // target reads the largest of its own mark and this one.
        CopyTable(name: "ledger_carried_from", integers: ["attempt_id"], texts: [], more: [], identity: false, order: "attempt_id"),
        CopyTable(
            name: "idempotency_key", integers: ["destination_id"], texts: ["key", "response"], more: [("created_at", true)],
            identity: false,
            order: "destination_id, key"),
        // The outbox's events keep their ids (PostgreSQL orders the copied ones by the copy's transaction, before any
        // later event), and each webhook endpoint its cursor and batch in hand (`CopyTarget` moves their ordering over).
        CopyTable(
            name: "event", integers: ["id", "destination_id"], texts: ["type"],
            more: [
                ("contact_id", true), ("contact_key", false), ("state", true), ("reason", false), ("event_instance_id", false),
                ("request_id", false), ("attempts", true), ("cause", false), ("until", true), ("at", true),
            ]),
        // Erasures (a pending one is finished by the target once its contact settles) and the operators' audit trail.
        CopyTable(
            name: "erasure", integers: ["id"], texts: ["key_sha256"],
            more: [
                ("contact_key", false), ("requested_at", true), ("requested_by", false), ("done_at", true), ("contacts", true),
                ("bodies", true),
            ]),
        CopyTable(
            name: "audit", integers: ["id"], texts: ["actor", "action"], more: [("at", true), ("target", false), ("detail", false)]),
        CopyTable(
            name: "webhook_endpoint", integers: ["cursor_tx", "cursor_id"], texts: ["name"],
            more: [
                ("pending_tx", true), ("pending_id", true), ("pending_count", true), ("pending_since", true), ("message_id", false),
                ("attempts", true), ("failing_since", true), ("last_error", false), ("next_attempt_at", true), ("parked_at", true),
                ("delivered", true), ("deliveries", true), ("last_delivered_at", true), ("owner", false), ("lease_until", true),
                ("retired_at", true), ("created_at", true),
            ], identity: false, order: "name"),
    ]

    init(name: String, integers: [String], texts: [String], more: [(String, Bool)], identity: Bool = true, order: String = "id") {
        self.name = name
        self.order = order
        columns =
            integers.map { CopyColumn($0, integer: true) } + texts.map { CopyColumn($0, integer: false) }
            + more.map { CopyColumn($0.0, integer: $0.1) }
        hasIdentity = identity
    }
}

/// Pages through a table of one snapshot.
public protocol CopyReader {
    func read(_ table: CopyTable, page: Int, _ each: ([[CopyValue]]) async throws -> Void) async throws
}

/// Adds rows to a table inside the copy's transaction.
public protocol CopyWriter {
    func insert(_ table: CopyTable, _ rows: [[CopyValue]]) async throws
}

/// A store a queue can be copied out of, in one consistent snapshot.
public protocol CopySource {
    /// Calls `body` with a reader of one read snapshot of the store.
    func withSnapshot<T>(_ body: (any CopyReader) async throws -> T) async throws -> T
    /// Leases still held at `now`: a daemon is working the source.
    func liveLeases(now: Int64) async throws -> Int
    /// Marks the source as moved to `url`: from then on nothing works it (it would send what the target's fleet sends).
    func markMoved(to url: String, at: Int64) async throws
}

/// A store a queue can be copied into, all of it in one transaction.
public protocol CopyTarget {
    /// Rows in the target's queue tables (it must be 0 before a copy).
    func rowCount() async throws -> Int
    /// Runs `body` in one transaction, committed when it returns.
    func withTransaction(_ body: (any CopyWriter) async throws -> Void) async throws
    /// Where the target is, without a password: what the moved source names.
    var locationDescription: String { get }
}

/// What a copy moved, per table.
public struct CopySummary: Sendable, Equatable {
    public var rows: [String: Int] = [:]
}

/// Why a copy was refused or failed.
public struct CopyError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Copies a whole queue from one store to another (`journeyq copy`).
public enum QueueCopier {
    /// Rows per insert.
    static let pageSize = 1_000

    /// Copies everything of `source` into the empty `target` in one transaction, then checks that the per-state
    /// counts of every destination agree and marks the source as moved there. Refuses a target that is not empty and a
    /// source whose leases are still held.
    public static func copy(from source: any CopySource & QueueStore, to target: any CopyTarget & QueueStore, now: Int64) async throws
        -> CopySummary
    {
        guard try await target.rowCount() == 0 else {
            throw CopyError(reason: "the target already holds a queue; journeyq copies only into an empty database")
        }
        let live = try await source.liveLeases(now: now)
        guard live == 0 else {
            throw CopyError(
                reason:
                    "\(live) batch lease(s) are still held on the source: stop every daemon on it "
                    + "(and wait for their leases to run out) first"
            )
        }
        var summary = CopySummary()
        try await source.withSnapshot { reader in
            try await target.withTransaction { writer in
                for table in CopyTable.all {
                    var moved = 0
                    try await reader.read(table, page: pageSize) { rows in
                        try await writer.insert(table, rows)
                        moved += rows.count
                    }
                    summary.rows[table.name] = moved
                }
            }
        }
        let before = try await source.counts().map { ($0.name, $0.counts) }
        let after = try await target.counts().map { ($0.name, $0.counts) }
        guard before.map(\.0) == after.map(\.0), zip(before, after).allSatisfy({ $0.1 == $1.1 }) else {
            throw CopyError(reason: "the copy's counts differ from the source's: \(after) against \(before)")
        }
        // From now on the source is not a queue: a daemon started on it by mistake would send what the fleet sends.
        try await source.markMoved(to: target.locationDescription, at: now)
        return summary
    }
}
