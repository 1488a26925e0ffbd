import Foundation
import JourneyQueue
import JourneyQueueSQLite

/// Store-level figures for scripts/bench: claim + settle-accepted in batches, no HTTP.
@main
enum BenchMain {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3, arguments[1] == "claim-settle" else {
            FileHandle.standardError.write(Data("usage: journeyq-bench claim-settle DB [BATCH=100] [DESTINATION=bench]\n".utf8))
            exit(2)
        }
        let batchSize = arguments.count > 3 ? Int(arguments[3]) ?? 100 : 100
        let destination = arguments.count > 4 ? arguments[4] : "bench"
        let store = try SQLiteQueueStore(path: arguments[2])
        var settled = 0
        let start = Date()
        while let batch = try store.claim(destination: destination, limit: batchSize, leaseMillis: 60_000) {
            let outcomes = batch.contacts.map { Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: nil, verifyAfter: 0)) }
            try store.settle(batch.lease, result: nil, outcomes: outcomes)
            settled += outcomes.count
        }
        let seconds = Date().timeIntervalSince(start)
        print("claim_settle_rows=\(settled)")
        print("claim_settle_rows_per_s=\(Int(Double(settled) / seconds))")
    }
}
