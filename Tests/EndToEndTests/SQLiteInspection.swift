import Foundation

/// Reads a database with the sqlite3 command-line shell, as an operator would (no shared connection with the code under test).
enum SQLiteInspection {
    static func rows(path: String, _ sql: String) throws -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-json", "-readonly", path, sql]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard !data.isEmpty, let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return rows.map { $0.mapValues { "\($0)" } }
    }

    static func int(path: String, _ sql: String) throws -> Int {
        Int(try rows(path: path, sql).first?.values.first ?? "0") ?? 0
    }
}
