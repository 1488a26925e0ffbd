import Foundation
import JourneyQueue
import Logging
import PostgresNIO
import ServiceLifecycle

/// The queue on a PostgreSQL database, for several daemons on several hosts (a fleet).
///
/// Every promise of docs/ARCHITECTURE.md holds at the SQL level as on SQLite: claims take contacts with `FOR UPDATE SKIP LOCKED`
/// (no two claimers share a contact and neither waits for the other), leases and fencing tokens guard every write for
/// a batch (its row is locked while the token is checked), counters move in the transaction that moves contacts.
/// The write-ahead record and enqueues commit synchronously; queue moves commit with `synchronous_commit = off`, as
/// SQLite's NORMAL: a move lost to a server crash is recovered through the lease and the write-ahead record (whose
/// synchronous commit also flushes every move before it).
public final class PostgresQueueStore: JourneyStore, Service, Sendable {
    /// Where the database is (printable: no password).
    public let location: PostgresLocation
    let client: PostgresClient
    let clock: any WallClock
    let logger: Logger
    /// Destination ids by name: a destination is never renamed or deleted, so an id once read holds.
    let destinationIDs = DestinationIDCache()

    /// Connects to the database at `url`, creating or migrating the schema on a connection of its own (a wrong password
    /// or database fails at once with the server's answer, where a pool would keep retrying); refuses a database written
    /// by a newer journeyq. `maximumConnections` bounds this process's share of the server's connections. The store's
    /// statements run on a pool that works while `run()` runs (a service in the caller's group, or `whileRunning`).
    public init(
        url: String, clock: any WallClock = SystemClock(), maximumConnections: Int = 8, logger: Logger = Logger(label: "journeyq.postgres")
    ) async throws {
        let location = try PostgresLocation(url: url)
        self.location = location
        self.clock = clock
        self.logger = logger
        var configuration = location.clientConfiguration()
        configuration.options.maximumConnections = max(maximumConnections, 2)
        configuration.options.connectTimeout = .seconds(10)
        client = PostgresClient(configuration: configuration)
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try location.connectionConfiguration(), id: 0, logger: logger)
            do {
                try await PostgresMigrations.migrate(connection, location: location, logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        } catch {
            throw PostgresStoreError.wrap(error, doing: "open \(location)")
        }
    }

    public var locationDescription: String { location.description }

    /// Runs the store's connection pool until the task is cancelled or the service group shuts down; every statement
    /// waits for it. Called once.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.client.run() }
    }

    // MARK: Statements

    /// A value bound to a statement parameter.
    typealias Value = any PostgresThrowingDynamicTypeEncodable

    static func query(_ sql: String, _ arguments: [Value?]) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            if let argument { try binds.append(argument) } else { binds.appendNull() }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// Runs one statement on `connection` and returns its rows.
    func rows(_ connection: PostgresConnection, _ sql: String, _ arguments: [Value?] = []) async throws -> [PostgresRandomAccessRow] {
        try await rows(connection, Self.query(sql, arguments))
    }

    func rows(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    /// Runs one statement on `connection`, ignoring any rows.
    func execute(_ connection: PostgresConnection, _ sql: String, _ arguments: [Value?] = []) async throws {
        _ = try await rows(connection, sql, arguments)
    }

    /// Runs one statement on a pooled connection, outside any transaction.
    func rows(_ sql: String, _ arguments: [Value?] = []) async throws -> [PostgresRandomAccessRow] {
        do {
            let query = try Self.query(sql, arguments)
            return try await client.withConnection { connection in try await self.rows(connection, query) }
        } catch {
            throw PostgresStoreError.wrap(error, doing: "query")
        }
    }

    /// Runs `body` in one transaction on a pooled connection: committed when it returns, rolled back when it throws.
    /// A deadlock or serialization failure is retried whole, up to five times. Sessions commit asynchronously (queue
    /// moves, see `PostgresLocation.sessionSettings`).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: self.logger)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: self.logger)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: self.logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where attempt < 5 && ["40P01", "40001"].contains(error.serverInfo?[.sqlState]) {
                continue
            } catch let error as StoreError {
                throw error
            } catch {
                throw PostgresStoreError.wrap(error, doing: "transaction")
            }
        }
    }

    // MARK: Destinations

    public func ensureDestination(name: String, kind: String?, settleMillis: Int64? = nil) async throws -> Int64 {
        try await transaction { connection in
            let id = try await self.destinationID(connection, name: name, kind: kind, now: self.clock.nowMillis())
            if let settleMillis {
                try await self.execute(connection, "UPDATE destination SET settle_ms = $1 WHERE id = $2", [settleMillis, id])
            }
            return id
        }
    }

    /// The destination's id, creating it (concurrent creators agree on one row). Reads first: an upsert would lock
    /// the row, and an enqueue of a million contacts would hold every other producer of the destination behind it.
    func destinationID(_ connection: PostgresConnection, name: String, kind: String?, now: Int64) async throws -> Int64 {
        for _ in 0..<2 {
            if let row = try await rows(connection, "SELECT id, kind FROM destination WHERE name = $1", [name]).first {
                let id = try row[0].decode(Int64.self)
                if let kind, try row[1].decode(String?.self) != kind {
                    try await execute(connection, "UPDATE destination SET kind = $1 WHERE id = $2", [kind, id])
                }
                return id
            }
            if let row = try await rows(
                connection,
                """
                INSERT INTO destination(name, kind, created_at) VALUES ($1, $2::text, $3) ON CONFLICT (name) DO NOTHING RETURNING id
                """, [name, kind, now]
            ).first {
                return try row[0].decode(Int64.self)
            }
        }
        return try await existingDestinationID(connection, name: name)
    }

    /// The id of an existing destination, nil when there is none yet (nothing to claim).
    func knownDestinationID(_ name: String) async throws -> Int64? {
        if let id = destinationIDs[name] { return id }
        guard let row = try await rows("SELECT id FROM destination WHERE name = $1", [name]).first else { return nil }
        let id = try row[0].decode(Int64.self)
        destinationIDs[name] = id
        return id
    }

    func existingDestinationID(_ connection: PostgresConnection, name: String) async throws -> Int64 {
        if AskedText.namesNothing(name) { throw StoreError.unknownDestination(name) }
        guard let row = try await rows(connection, "SELECT id FROM destination WHERE name = $1", [name]).first else {
            throw StoreError.unknownDestination(name)
        }
        return try row[0].decode(Int64.self)
    }
}

/// Destination ids by name, shared by the store's tasks.
final class DestinationIDCache: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: Int64] = [:]

    subscript(name: String) -> Int64? {
        get { lock.withLock { ids[name] } }
        set { lock.withLock { ids[name] = newValue } }
    }
}
