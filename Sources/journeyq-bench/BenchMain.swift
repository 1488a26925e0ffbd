import Foundation
import JourneyQueue
import JourneyQueuePostgres
import JourneyQueueSQLite

/// Store-level figures for scripts/bench and scripts/bench-postgres, no HTTP (DB: a SQLite file or a postgres:// URL):
/// - `claim-settle DB [BATCH] [DESTINATION]`: claim + settle-accepted in batches;
/// - `claim-send-settle DB [BATCH] [DESTINATION] [durable|normal]`: the same with the write-ahead record of each batch,
///   fsynced (`durable`, what the daemon does) or not (to measure the fsync's cost), with the batch's real request body,
///   stored compressed unless `plain` follows (to measure what compression costs on the path before a request leaves);
/// - `window-wait DB WAITING DUE`: places WAITING contacts behind a closed send window (claimed once and sent back to
///   wait until it opens, as the daemon does), then enqueues DUE contacts and measures their claim + settle;
/// - `history DB COUNT [DESTINATION]`: takes COUNT queued contacts through what the daemon records (a submission of a
///   hundred with its body and answer, verdicts, looks with their ledger rows): a queue with a ledger and final contacts,
///   for the scale figures.
@main
enum BenchMain {
    static func main() async throws {
        let arguments = CommandLine.arguments
        if arguments.count >= 5, arguments[1] == "window-wait", let waiting = Int(arguments[3]), let due = Int(arguments[4]) {
            try await windowWait(path: arguments[2], waiting: waiting, due: due)
            return
        }
        if arguments.count >= 4, arguments[1] == "history", let count = Int(arguments[3]) {
            try await history(location: arguments[2], count: count, destination: arguments.count > 4 ? arguments[4] : "bench")
            return
        }
        guard arguments.count >= 3, ["claim-settle", "claim-send-settle"].contains(arguments[1]) else {
            FileHandle.standardError.write(
                Data(
                    ("usage: journeyq-bench claim-settle|claim-send-settle DB [BATCH=100] [DESTINATION=bench] [durable|normal] "
                        + "[compressed|plain]\n").utf8))
            exit(2)
        }
        let writeAhead = arguments[1] == "claim-send-settle"
        let batchSize = arguments.count > 3 ? Int(arguments[3]) ?? 100 : 100
        let destination = arguments.count > 4 ? arguments[4] : "bench"
        if PostgresLocation.isURL(arguments[2]) {
            let store = try await PostgresQueueStore(url: arguments[2])
            try await store.whileRunning {
                try await claimSettle(store: store, writeAhead: writeAhead, batchSize: batchSize, destination: destination)
            }
        } else {
            let store = try SQLiteQueueStore(
                path: arguments[2], durableWriteAhead: arguments.count > 5 ? arguments[5] != "normal" : true,
                compressLedger: arguments.count > 6 ? arguments[6] != "plain" : true)
            try await claimSettle(store: store, writeAhead: writeAhead, batchSize: batchSize, destination: destination)
        }
    }

    static func claimSettle(store: any JourneyStore, writeAhead: Bool, batchSize: Int, destination: String) async throws {
        var settled = 0
        let start = Date()
        while let batch = try await store.claim(destination: destination, limit: batchSize, leaseMillis: 60_000) {
            if writeAhead {
                let body =
                    "{\"members\":["
                    + batch.contacts.map { "{\"contactKey\":" + JSONText.string($0.key) + ",\"data\":" + $0.dataJSON + "}" }
                    .joined(separator: ",") + "]}"
                _ = try await store.beginAttempt(
                    batch.lease,
                    AttemptStart(
                        purpose: .submit, method: "POST", url: "https://bench/async/events",
                        requestBody: body, startedAt: 0))
            }
            let outcomes = batch.contacts.map { Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: nil, verifyAfter: 0)) }
            try await store.settle(batch.lease, result: nil, outcomes: outcomes)
            settled += outcomes.count
        }
        let seconds = Date().timeIntervalSince(start)
        print("rows=\(settled)")
        print("rows_per_s=\(Int(Double(settled) / seconds))")
    }

    static func windowWait(path: String, waiting: Int, due: Int) async throws {
        let store = try SQLiteQueueStore(path: path)
        func enqueue(_ count: Int, prefix: String) async throws {
            try await store.enqueue(destination: "bench") { records in
                for index in 0..<count {
                    records.add(ContactRecord(key: "\(prefix)\(index)", data: [Field("email", .string("user\(index)@example.com"))]))
                }
            }
        }
        try await enqueue(waiting, prefix: "w")
        let opening = SystemClock().nowMillis() + 12 * 3_600_000
        var placed = 0
        let placing = Date()
        while let batch = try await store.claim(destination: "bench", limit: 1_000, leaseMillis: 60_000) {
            try await store.prepareBatch(
                batch.lease, priorMembers: [],
                released: batch.contacts.map {
                    Settlement(contactID: $0.id, outcome: .waitForWindow(until: opening, note: "waiting for the send window"))
                }, releaseCountsAsLook: false)
            try await store.settle(batch.lease, result: nil, outcomes: [])
            placed += batch.contacts.count
        }
        let placeSeconds = Date().timeIntervalSince(placing)
        try await enqueue(due, prefix: "d")
        var settled = 0
        let start = Date()
        while let batch = try await store.claim(destination: "bench", limit: 100, leaseMillis: 60_000) {
            try await store.settle(
                batch.lease, result: nil,
                outcomes: batch.contacts.map {
                    Settlement(contactID: $0.id, outcome: .confirmed)
                })
            settled += batch.contacts.count
        }
        let seconds = Date().timeIntervalSince(start)
        let counts = try await store.counts().first
        print("waiting=\(counts?.waitingForWindow ?? 0) placed_per_s=\(Int(Double(placed) / max(placeSeconds, 0.001)))")
        print("rows=\(settled)")
        print("rows_per_s=\(Int(Double(settled) / seconds))")
    }

    static func history(location: String, count: Int, destination: String) async throws {
        guard PostgresLocation.isURL(location) else {
            return try await history(store: try SQLiteQueueStore(path: location), count: count, destination: destination)
        }
        let store = try await PostgresQueueStore(url: location)
        try await store.whileRunning { try await history(store: store, count: count, destination: destination) }
    }

    static func history(store: any JourneyStore, count: Int, destination: String) async throws {
        let clock = SystemClock()
        var sent = 0, requests = 0
        let start = Date()
        while sent < count, let batch = try await store.claim(destination: destination, limit: min(100, count - sent), leaseMillis: 60_000)
        {
            let body =
                "{\"members\":["
                + batch.contacts.map { "{\"contactKey\":" + JSONText.string($0.key) + ",\"data\":" + $0.dataJSON + "}" }
                .joined(separator: ",") + "]}"
            let now = clock.nowMillis()
            let id = try await store.beginAttempt(
                batch.lease,
                AttemptStart(purpose: .submit, method: "POST", url: "https://bench/async/events", requestBody: body, startedAt: now))
            requests += 1
            let latency = Int64(40 + (requests * 37) % 400)
            try await store.settle(
                batch.lease,
                result: AttemptResult(
                    attemptID: id, status: 202, headers: [:], responseBody: "{\"requestId\":\"r\(requests)\"}", remoteID: "r\(requests)",
                    latencyMillis: latency, errorClass: nil, finishedAt: now + latency),
                outcomes: batch.contacts.enumerated().map { index, contact in
                    Settlement(
                        contactID: contact.id,
                        outcome: index == 99
                            ? .dead(reason: "member errorcode 10005: bad field") : .accepted(eventInstanceID: nil, verifyAfter: 0))
                })
            sent += batch.contacts.count
        }
        var looked = 0
        while let look = try await store.claimVerification(destination: destination, limit: 500, leaseMillis: 60_000) {
            let now = clock.nowMillis()
            let request = AttemptStart(purpose: .reconcile, method: "GET", url: "https://bench/status", requestBody: "", startedAt: now)
            let answer = AttemptResult(
                attemptID: 0, status: 200, headers: [:], responseBody: "{}", remoteID: nil, latencyMillis: 30, errorClass: nil,
                finishedAt: now + 30)
            try await store.settleVerification(
                look.lease,
                outcomes: look.contacts.map { Settlement(contactID: $0.id, outcome: $0.id % 1_000 == 7 ? .unverifiable() : .confirmed) },
                looks: [RecordedAttempt(destination: destination, batchID: look.lease.batchID, attempt: request, result: answer)])
            looked += look.contacts.count
        }
        print("sent=\(sent) requests=\(requests) looked=\(looked) seconds=\(Int(Date().timeIntervalSince(start)))")
    }
}
