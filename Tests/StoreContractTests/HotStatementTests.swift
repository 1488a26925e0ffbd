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
        let logger = Logger(label: "test")
        let connection = try await PostgresConnection.connect(
            configuration: try PostgresLocation(url: url).connectionConfiguration(), id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        func run<Statement: HotStatement>(_ statement: Statement) async throws -> Int {
            var count = 0
            for try await _ in try await connection.execute(statement, logger: logger) { count += 1 }
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
}
