import Foundation
import GRDB
import JourneyQueue
import JourneyTestSupport
import Logging
import PostgresNIO
import Testing

@testable import JourneyQueuePostgres
@testable import JourneyQueueSQLite

/// The engines every contract test runs against.
enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A store of one engine on real storage: a SQLite file in a fresh temporary directory, or a fresh database on the
/// process's private PostgreSQL server.
final class StoreFixture {
    let engine: Engine
    let directory: URL
    let location: String
    let clock: ManualClock
    let store: any JourneyStore
    private var others: [any JourneyStore] = []

    /// `prepare` gets the database before the store opens it (a test writes a queue as an older journeyq left it).
    init(_ engine: Engine, clock: ManualClock = ManualClock(), prepare: ((String) async throws -> Void)? = nil) async throws {
        self.engine = engine
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.clock = clock
        switch engine {
        case .sqlite: location = directory.appendingPathComponent("queue.sqlite").path
        case .postgres: location = try PrivatePostgres.newDatabase()
        }
        try await prepare?(location)
        store = try await Self.open(engine, location, clock: clock)
    }

    deinit {
        (store as? PostgresQueueStore)?.close()
        for other in others { (other as? PostgresQueueStore)?.close() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A fixture on a queue an older journeyq left: the schema up to `sqlite` or `postgres` (a migration's identifier),
    /// then `rows` (SQL both engines take), then, on SQLite, `afterSQLite` (the counters its older code kept itself).
    static func older(
        _ engine: Engine, sqlite: String, postgres: String, rows: [String], clock: ManualClock = ManualClock(),
        afterSQLite: @escaping @Sendable (Database) throws -> Void
    ) async throws -> StoreFixture {
        try await StoreFixture(engine, clock: clock) { location in
            switch engine {
            case .sqlite:
                let old = try DatabaseQueue(path: location)
                try Migrations.migrator.migrate(old, upTo: sqlite)
                try await old.write { db in
                    for sql in rows { try db.execute(sql: sql) }
                    try afterSQLite(db)
                }
            case .postgres:
                let logger = Logger(label: "test")
                let connection = try await PostgresConnection.connect(
                    configuration: try PostgresLocation(url: location).connectionConfiguration(), id: 1, logger: logger)
                try await PostgresMigrations.migrate(
                    connection, location: try PostgresLocation(url: location), logger: logger, upTo: postgres)
                for sql in rows { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                try await connection.close()
            }
        }
    }

    /// Fills `contact_count` from the contacts of a SQLite queue made by hand at an older schema (its enqueue and moves
    /// kept the counters themselves; rows inserted by hand are not counted).
    static func countAsAnOlderEnqueueDid(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO contact_count(destination_id, state, n, submitted, accepted, retries, duplicates, absent)
                SELECT destination_id, state, COUNT(*), SUM(attempts > 0 OR state > 0),
                       SUM(state IN (3, 5, 6) OR event_instance_id IS NOT NULL), SUM(MAX(attempts - 1, 0)),
                       SUM(possible_duplicates), SUM(proven_absent)
                FROM contact GROUP BY 1, 2
                """)
    }

    static func open(_ engine: Engine, _ location: String, clock: any WallClock) async throws -> any JourneyStore {
        switch engine {
        case .sqlite: try SQLiteQueueStore(path: location, clock: clock)
        case .postgres: try await PostgresQueueStore.running(url: location, clock: clock, maximumConnections: 4)
        }
    }

    /// A second, independent store on the same database, as another process (or another host) would have.
    func secondStore() async throws -> any JourneyStore {
        let other = try await Self.open(engine, location, clock: clock)
        others.append(other)
        return other
    }

    @discardableResult
    func enqueue(_ keys: [String], destination: String = "dest") async throws -> EnqueueSummary {
        try await store.enqueue(destination: destination) { sink in
            for key in keys { sink.add(ContactRecord(key: key, data: [Field("n", .number("1"))])) }
        }
    }

    /// Every contact's state, by key, through the store's own export.
    func states(destination: String = "dest") async throws -> [String: ContactState] {
        var states: [String: ContactState] = [:]
        try await store.eachContact(destination: destination, state: nil, since: nil) { row in
            states[row.key] = ContactState.allCases.first { $0.description == row.state }
        }
        return states
    }

    func attempts(_ key: String) async throws -> Int {
        var attempts: [Int] = []
        try await store.eachContact(destination: nil, state: nil, since: nil) { if $0.key == key { attempts.append($0.attempts) } }
        return try #require(attempts.first)
    }

    func keys(_ n: Int, prefix: String = "k") -> [String] { (0..<n).map { "\(prefix)\($0)" } }

    /// A contact column the protocol does not show (looks, sent_at, ambiguous…), read with SQL both engines take.
    func column(_ name: String, key: String) async throws -> Int64? {
        try await rows("SELECT \(name) FROM contact WHERE contact_key = ?", [key]).first?.first.flatMap { $0.flatMap { Int64($0) } }
    }

    /// Rows of a query both engines understand, `?` for each parameter, every value as text (nil for NULL).
    func rows(_ sql: String, _ arguments: [any Sendable] = []) async throws -> [[String?]] {
        switch store {
        case let sqlite as SQLiteQueueStore:
            return try await sqlite.pool.write { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map { $0 as! any DatabaseValueConvertible })).map {
                    row in
                    row.databaseValues.map { value -> String? in
                        switch value.storage {
                        case .null: nil
                        case let .int64(number): String(number)
                        case let .double(number): String(number)
                        case let .string(text): text
                        case let .blob(data): data.base64EncodedString()
                        }
                    }
                }
            }
        case let postgres as PostgresQueueStore:
            var numbered = ""
            var index = 0
            for character in sql {
                if character == "?" { index += 1; numbered += "$\(index)" } else { numbered.append(character) }
            }
            let values: [PostgresQueueStore.Value?] = arguments.map { argument in
                if let text = argument as? String { return text }
                if let number = argument as? Int64 { return number }
                if let number = argument as? Int { return Int64(number) }
                return nil
            }
            let query = try PostgresQueueStore.query(numbered, values)
            return try await postgres.client.withConnection { connection in try await postgres.rows(connection, query) }.map { row in
                try (0..<row.count).map { index -> String? in
                    let cell = row[index]
                    switch cell.dataType {
                    case .int2, .int4, .int8: return try cell.decode(Int64?.self).map(String.init)
                    case .bool: return try cell.decode(Bool?.self).map { $0 ? "1" : "0" }
                    case .numeric: return try cell.decode(Decimal?.self).map { "\($0)" }
                    default: return try cell.decode(String?.self)
                    }
                }
            }
        default:
            fatalError("unknown store")
        }
    }
}
