import Foundation

/// SQLite's own time per statement, summed over a run: where the database time of a daemon goes.
public final class StatementProfile: @unchecked Sendable {
    private let lock = NSLock()
    private var totals: [String: (seconds: Double, runs: Int)] = [:]

    /// An empty profile; pass it to `SQLiteQueueStore.init` to fill it.
    public init() {}

    /// One run of `sql`, `seconds` long (SQLite's profile trace, statement start to reset).
    func record(_ sql: String, seconds: Double) {
        // Statements differ only by whitespace where Swift built them; one line each in the table.
        let key = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        lock.lock()
        defer { lock.unlock() }
        let total = totals[key] ?? (0, 0)
        totals[key] = (total.seconds + seconds, total.runs + 1)
    }

    /// Tab-separated lines, most time first: total seconds, runs, microseconds a run, the statement.
    public func table() -> String {
        lock.lock()
        let rows = totals.sorted { $0.value.seconds > $1.value.seconds }
        lock.unlock()
        var out = "seconds\truns\tus_per_run\tstatement\n"
        for (sql, total) in rows {
            out +=
                String(format: "%.3f\t%d\t%.1f\t", total.seconds, total.runs, total.seconds * 1e6 / Double(max(total.runs, 1))) + sql + "\n"
        }
        return out
    }
}
