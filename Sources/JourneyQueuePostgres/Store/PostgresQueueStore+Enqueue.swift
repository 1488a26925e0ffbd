import Foundation
import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func enqueue(destination: String, _ produce: (inout any EnqueueSink) throws -> Void) throws -> EnqueueSummary {
        try enqueue(destination: destination, idempotency: nil, produce)
    }

    public func enqueue(destination: String, idempotency: IdempotencyRecord, _ produce: (inout any EnqueueSink) throws -> Void) throws
        -> EnqueueSummary
    {
        try enqueue(destination: destination, idempotency: Optional(idempotency), produce)
    }

    /// One transaction on a connection of its own (the producer is synchronous and the transaction spans its calls):
    /// contacts go in groups of `PostgresEnqueueSink.groupSize`, the idempotency record with the last of them.
    private func enqueue(destination: String, idempotency: IdempotencyRecord?, _ produce: (inout any EnqueueSink) throws -> Void) throws
        -> EnqueueSummary
    {
        // A producer may delete its file once enqueue returns: this commit waits for the disk.
        let connection = try dedicated.beginDurable(bridge: bridge)
        var reusable = false
        defer { dedicated.giveBack(connection, reusable: reusable) }
        let now = clock.nowMillis()
        let destinationID = try bridge.run { try await self.destinationID(connection, name: destination, kind: nil, now: now) }
        do {
            var sink: any EnqueueSink = PostgresEnqueueSink(store: self, connection: connection, destinationID: destinationID, now: now)
            try produce(&sink)
            var done = sink as! PostgresEnqueueSink
            try done.flush()
            let summary = EnqueueSummary(enqueued: done.inserted, duplicates: done.duplicates)
            let record = idempotency.map { (key: $0.key, response: $0.response(summary)) }
            try bridge.run {
                if let record {
                    do {
                        try await self.execute(
                            connection, "INSERT INTO idempotency_key(destination_id, key, response, created_at) VALUES ($1, $2, $3, $4)",
                            [destinationID, record.key, record.response, now])
                    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                        // Another request with the same key won: this one rolls back whole.
                        throw StoreError.duplicateIdempotencyKey(record.key)
                    }
                }
                try await connection.query("COMMIT", logger: self.logger)
            }
            reusable = true
            return summary
        } catch {
            if (try? bridge.run({ try await connection.query("ROLLBACK", logger: self.logger) })) != nil { reusable = true }
            // The producer's own errors (a rejected file, a bad record) reach the caller as they are.
            if error is PSQLError { throw PostgresStoreError.wrap(error, doing: "enqueue") }
            throw error
        }
    }

    public func idempotentResponse(destination: String, key: String) async throws -> String? {
        try await rows(
            """
            SELECT i.response FROM idempotency_key i JOIN destination d ON d.id = i.destination_id WHERE d.name = $1 AND i.key = $2
            """, [destination, key]
        ).first?[0].decode(String.self)
    }
}

/// Collects contacts and inserts them a group at a time inside the enqueue transaction; a duplicate live key is
/// skipped by the partial unique index.
struct PostgresEnqueueSink: EnqueueSink {
    /// Contacts per INSERT: one round trip each, arrays bound as two parameters.
    static let groupSize = 2_000

    let store: PostgresQueueStore
    let connection: PostgresConnection
    let destinationID: Int64
    let now: Int64
    var keys: [String] = []
    var data: [String] = []
    /// Each record's limits, 0 for none (PostgresNIO binds no arrays of optionals).
    var notBefore: [Int64] = []
    var notAfter: [Int64] = []
    var inserted = 0
    var duplicates = 0

    mutating func add(_ record: ContactRecord) throws {
        keys.append(record.key)
        data.append(record.dataJSON)
        notBefore.append(record.notBefore ?? 0)
        notAfter.append(record.notAfter ?? 0)
        if keys.count >= Self.groupSize { try flush() }
    }

    mutating func flush() throws {
        guard !keys.isEmpty else { return }
        let (keys, data, store, connection, destinationID, now) = (
            self.keys, self.data, self.store, self.connection, self.destinationID, self.now
        )
        let (notBefore, notAfter) = (self.notBefore, self.notAfter)
        let written = try store.bridge.run {
            try await store.rows(
                connection,
                """
                WITH ins AS (
                    INSERT INTO contact(destination_id, contact_key, data, available_at, enqueued_at, updated_at, not_before, not_after,
                                        wait_cause)
                    SELECT $1, t.k, t.d, GREATEST($4, t.nb), $4, $4, NULLIF(t.nb, 0), NULLIF(t.na, 0),
                           CASE WHEN t.nb > $4 THEN \(StateCode.waitNotBefore) END
                    FROM unnest($2::text[], $3::text[], $5::bigint[], $6::bigint[]) WITH ORDINALITY AS t(k, d, nb, na, o) ORDER BY t.o
                    ON CONFLICT (destination_id, contact_key) WHERE state < \(StateCode.firstFinal) DO NOTHING
                    RETURNING 1)
                SELECT count(*) FROM ins
                """, [destinationID, keys, data, now, notBefore, notAfter]
            ).first?[0].decode(Int.self) ?? 0
        }
        inserted += written
        duplicates += keys.count - written
        self.keys.removeAll(keepingCapacity: true)
        self.data.removeAll(keepingCapacity: true)
        self.notBefore.removeAll(keepingCapacity: true)
        self.notAfter.removeAll(keepingCapacity: true)
    }
}

/// Connections outside the client's pool for the synchronous enqueue, whose transaction spans the producer's calls:
/// at most `capacity` open at once (a burst of ingests waits for one rather than opening a connection each, which
/// would spend the server's `max_connections`), and the idle ones kept for the next enqueue.
final class DedicatedConnections: @unchecked Sendable {
    /// Seconds a caller waits for a free connection before failing.
    static let waitSeconds = 60.0

    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    /// Connections handed out and not given back.
    private var outstanding = 0
    private var nextID = 0
    let location: PostgresLocation
    let capacity: Int

    init(location: PostgresLocation, capacity: Int = 4) {
        self.location = location
        self.capacity = max(1, capacity)
    }

    /// A connection of the bounded set, waiting for one to be given back when all are out.
    func take(bridge: BlockingBridge) throws -> PostgresConnection {
        let kept: PostgresConnection? = try condition.withLock {
            let deadline = Date(timeIntervalSinceNow: Self.waitSeconds)
            while outstanding >= capacity {
                guard condition.wait(until: deadline) else {
                    throw PostgresStoreError(
                        operation: "enqueue on \(location)", sqlState: nil,
                        message: "all \(capacity) enqueue connections stayed busy for \(Int(Self.waitSeconds)) s")
                }
            }
            outstanding += 1
            return idle.popLast()
        }
        if let kept, !kept.isClosed { return kept }
        if let kept { Self.close(kept) }
        do {
            return try open(bridge: bridge)
        } catch {
            release(nil)
            throw error
        }
    }

    /// A new connection, counted against the caller's slot.
    private func open(bridge: BlockingBridge) throws -> PostgresConnection {
        let id = condition.withLock {
            nextID += 1; return nextID
        }
        let configuration = try location.connectionConfiguration()
        do {
            return try bridge.run {
                try await PostgresConnection.connect(configuration: configuration, id: id, logger: Logger(label: "journeyq.postgres"))
            }
        } catch {
            throw PostgresStoreError.wrap(error, doing: "connect to \(location)")
        }
    }

    /// A connection inside a new transaction whose commit will wait for the disk. A kept connection that the server
    /// has dropped meanwhile (a restart, an idle timeout) is replaced by a fresh one rather than failing the caller.
    func beginDurable(bridge: BlockingBridge) throws -> PostgresConnection {
        var connection = try take(bridge: bridge)
        for attempt in 1...2 {
            do {
                // A kept connection the server ended may leave BEGIN unanswered rather than failed: after 30 s it is
                // taken for dead like any other, and a fresh connection tried.
                try bridge.run(timeoutSeconds: 30) { [connection] in
                    try await connection.query("BEGIN", logger: Logger(label: "journeyq.postgres"))
                    try await connection.query("SET LOCAL synchronous_commit = on", logger: Logger(label: "journeyq.postgres"))
                }
                return connection
            } catch {
                Self.close(connection)
                guard attempt == 1 else {
                    release(nil)
                    throw PostgresStoreError.wrap(error, doing: "begin a transaction on \(location)")
                }
                do {
                    connection = try open(bridge: bridge)
                } catch {
                    release(nil)
                    throw error
                }
            }
        }
        release(nil)
        throw PostgresStoreError(operation: "begin a transaction on \(location)", sqlState: nil, message: "no connection")
    }

    /// Gives a taken connection back: kept for the next caller when `reusable`, closed otherwise.
    func giveBack(_ connection: PostgresConnection, reusable: Bool) {
        if !reusable { Self.close(connection) }
        release(reusable ? connection : nil)
    }

    private func release(_ connection: PostgresConnection?) {
        condition.withLock {
            outstanding -= 1
            if let connection { idle.append(connection) }
            condition.signal()
        }
    }

    func closeAll() {
        let all = condition.withLock { () -> [PostgresConnection] in
            defer { idle = [] }; return idle
        }
        for connection in all { Self.close(connection) }
    }

    /// Closes `connection`, keeping it alive until the close completes (postgres-nio insists on that).
    private static func close(_ connection: PostgresConnection) {
        (connection.close() as EventLoopFuture<Void>).whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}
