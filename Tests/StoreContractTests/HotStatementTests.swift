import Foundation
import JourneyQueue
import JourneyTestSupport
import Logging
import PostgresNIO
import Testing

@testable import JourneyQueuePostgres

/// PostgreSQL's hot statements are prepared once per connection with declared parameter types, so that a first run
/// with NULLs cannot fix a parameter's type that a later run's value does not fit.
@Suite struct HotStatementTests {
    static let all: [(name: String, sql: String, types: [PostgresDataType])] = [
        ("claim", ClaimStatement.sql, ClaimStatement.bindingDataTypes),
        ("claim for a look", ClaimVerificationStatement.sql, ClaimVerificationStatement.bindingDataTypes),
        ("write-ahead", WriteAheadStatement.sql, WriteAheadStatement.bindingDataTypes),
        ("settle", SettleBatchStatement.sql, SettleBatchStatement.bindingDataTypes),
    ]

    @Test func everyParameterHasADeclaredType() throws {
        for statement in Self.all {
            let numbers = try Regex(#"\$([0-9]+)"#)
            let highest = statement.sql.matches(of: numbers).compactMap { Int(statement.sql[$0.range].dropFirst()) }.max()
            #expect(highest == statement.types.count, "\(statement.name)")
        }
    }

    @Test func aHotStatementTakesNullsAndThenValuesOnOneConnection() async throws {
        let url = try PrivatePostgres.newDatabase()
        let store = try await PostgresQueueStore.running(url: url, maximumConnections: 2)
        defer { store.close() }
        let raw = try await RawConnection.open(url)
        defer { raw.close() }
        func run<Statement: HotStatement>(_ statement: Statement) async throws -> Int {
            var count = 0
            for try await _ in try await raw.connection.execute(statement, logger: raw.logger) { count += 1 }
            return count
        }
        let batch = Int64(1), token = "t", now = Int64(1_000)
        let nullFirst = try SettleBatchStatement(["[]", now, batch, nil, token, nil, nil, nil, nil, nil, nil, nil])
        let valuesThen = try SettleBatchStatement(
            ["[]", now, batch, "remote", token, Int64(202), "{}", "body", Int64(15), "network", now, Int64(7)])
        #expect(try await run(nullFirst) == 1)
        #expect(try await run(valuesThen) == 1)
        let start: [PostgresQueueStore.Value?] = [batch, token, now, "submit", "POST", "u", "{}", now, true, nil, nil, nil]
        #expect(try await run(WriteAheadStatement(start)) == 1)
        var traced = start
        traced[9] = "submission"
        traced[10] = String(repeating: "a", count: 32)
        traced[11] = now + 30_000
        #expect(try await run(WriteAheadStatement(traced)) == 1)
        #expect(try await run(ClaimStatement([Int64(99), Int64(100), token, now + 60_000, now])) == 0)
        #expect(try await run(ClaimVerificationStatement([Int64(99), Int64(100), token, now + 60_000, now])) == 0)
    }

    /// A preparation that fails (here: cancelled while it waits behind a lock, as behind a migration) must not leave its
    /// connection answering every later run of the statement with that failure.
    @Test func aFailedPreparationDoesNotOutliveItsConnection() async throws {
        let fixture = try await StoreFixture(.postgres)
        try await fixture.enqueue(fixture.keys(100))
        let locker = try await RawConnection.open(fixture.location)
        defer { locker.close() }
        func query(_ sql: String) async throws -> Int { try await locker.lines(sql).count }
        _ = try await query("BEGIN")
        _ = try await query("LOCK TABLE contact IN ACCESS EXCLUSIVE MODE")
        // Every pooled connection's first claim waits behind the lock at its preparation; each is cancelled there.
        let store = fixture.store
        let claims = (0..<4).map { _ in
            Task { try await store.claim(destination: "dest", limit: 1, leaseMillis: 60_000) }
        }
        let ended = DoneFlag()
        let failures = Task {
            var failed = 0
            for claim in claims where (try? await claim.value) == nil { failed += 1 }
            await ended.set()
            return failed
        }
        while await !ended.value {
            // The activity view is read once per transaction unless its snapshot is let go (the lock holder is in one).
            _ = try await query("SELECT pg_stat_clear_snapshot()")
            _ = try await query(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            try await Task.sleep(for: .milliseconds(20))
        }
        _ = try await query("ROLLBACK")
        #expect(await failures.value > 0, "a preparation was cancelled")
        // Later claims go through, whichever connection the pool hands them.
        for _ in 0..<20 {
            #expect(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000) != nil)
        }
    }
}

extension HotStatementTests {
    /// After five runs the server may plan a named statement once for any values (a generic plan): the claims' must
    /// still range over their partial indexes, whatever destination and time they are given.
    @Test func theClaimsGenericPlansRangeOverTheirIndexes() async throws {
        let fixture = try await StoreFixture(.postgres)
        try await fixture.enqueue(fixture.keys(10))
        let connection = try await RawConnection.open(fixture.location)
        defer { connection.close() }
        func lines(_ sql: String) async throws -> [String] { try await connection.lines(sql) }
        _ = try await lines("SET plan_cache_mode = force_generic_plan")
        _ = try await lines("SET enable_seqscan = off")
        let claims = [("claim", ClaimStatement.sql, "contact_ready"), ("look", ClaimVerificationStatement.sql, "contact_to_verify")]
        for (name, sql, index) in claims {
            _ = try await lines("PREPARE \(name)(bigint, bigint, text, bigint, bigint) AS \(sql)")
            let plan = try await lines("EXPLAIN EXECUTE \(name)(1, 100, 't', 9000000000000, 9000000000000)")
            #expect(plan.contains { $0.contains("Index Scan using \(index)") }, "\(name): \(plan.joined(separator: "\n"))")
        }
    }
}

/// A connection of the test's own to a queue's database, for statements the store does not make.
struct RawConnection {
    let connection: PostgresConnection
    let logger = Logger(label: "test")

    static func open(_ url: String) async throws -> RawConnection {
        RawConnection(
            connection: try await PostgresConnection.connect(
                configuration: try PostgresLocation(url: url).connectionConfiguration(), id: 1, logger: Logger(label: "test")))
    }

    /// The statement's rows: each one's first column when it is text, else an empty line.
    func lines(_ sql: String) async throws -> [String] {
        var lines: [String] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
            lines.append((try? row.decode(String.self)) ?? "")
        }
        return lines
    }

    func close() { Task { [connection] in try? await connection.close() } }
}
