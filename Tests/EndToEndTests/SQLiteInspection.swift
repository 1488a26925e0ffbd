import Foundation
import GRDB

@testable import JourneyQueueSQLite

/// Reads a database as an operator would with the sqlite3 shell: a read-only connection of its own (never one shared with
/// the code under test) that reads compressed ledger bodies through `attempt_text` as the shell does.
enum SQLiteInspection {
    static func rows(path: String, _ sql: String) throws -> [[String: String]] {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in db.add(function: LedgerCompression.sqlarUncompress) }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        return try database.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                var values: [String: String] = [:]
                for (column, value) in row {
                    switch value.storage {
                    case .null: continue
                    case .int64(let number): values[column] = String(number)
                    case .double(let number): values[column] = String(number)
                    case .string(let text): values[column] = text
                    case .blob(let data): values[column] = String(decoding: data, as: UTF8.self)
                    }
                }
                return values
            }
        }
    }

    static func int(path: String, _ sql: String) throws -> Int {
        Int(try rows(path: path, sql).first?.values.first ?? "0") ?? 0
    }
}
