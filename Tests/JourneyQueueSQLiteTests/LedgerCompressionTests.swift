import Foundation
import GRDB
import JourneyQueue
import JourneyTestSupport
import Testing

@testable import JourneyQueueSQLite

@Suite struct LedgerCompressionTests {
    /// A request body as Marketing Cloud's batch entry carries it: 100 members with a few fields each.
    static func batchBody(keys: [String]) -> String {
        "{\"members\":["
            + keys.map { "{\"contactKey\":\"\($0)\",\"data\":{\"email\":\"\($0)@example.com\",\"tier\":\"gold\",\"n\":1}}" }
            .joined(separator: ",") + "]}"
    }

    @Test func longBodiesAreStoredCompressedAndReadBackWhole() async throws {
        let fixture = try StoreFixture()
        let keys = fixture.keys(100)
        try await fixture.enqueue(keys)
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 100, leaseMillis: 60_000))
        let request = Self.batchBody(keys: keys)
        let answer =
            "{\"requestId\":\"r-1\",\"eventInstanceIds\":[" + keys.map { "\"\($0)-\(UUID().uuidString)\"" }.joined(separator: ",") + "]}"
        let id = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x/async", requestBody: request,
                startedAt: fixture.clock.nowMillis()))
        try await fixture.store.finishAttempt(
            AttemptResult(
                attemptID: id, status: 202, headers: [:], responseBody: answer, remoteID: "r-1",
                latencyMillis: 5, errorClass: nil, finishedAt: fixture.clock.nowMillis()))
        let stored = try #require(
            try fixture.store.pool.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT request_body, length(request_zip), request_size, response_body, length(response_zip), response_size
                        FROM attempt WHERE id = ?
                        """, arguments: [id])
            })
        #expect(stored[0] as String == "" && stored[3] as String == "")
        #expect(stored[2] as Int == request.utf8.count && stored[5] as Int == answer.utf8.count)
        // A hundred members' request shrinks to under a quarter; an answer of random ids to under two thirds.
        #expect((stored[1] as Int) * 4 < request.utf8.count, "request \(stored[1] as Int) of \(request.utf8.count) bytes")
        #expect((stored[4] as Int) * 3 < answer.utf8.count * 2, "answer \(stored[4] as Int) of \(answer.utf8.count) bytes")
        // journeyq reads them whole, through the view and in a contact's timeline.
        let text = try fixture.store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT request_body, response_body FROM attempt_text WHERE id = ?", arguments: [id])
        }
        #expect(text?[0] as String? == request && text?[1] as String? == answer)
        let timeline = try await fixture.store.timeline(contactKey: "k42")
        #expect(timeline.count == 1 && timeline[0].1.map(\.requestBody) == [request] && timeline[0].1.map(\.responseBody) == [answer])
        // So does the sqlite3 shell, whose own sqlar_uncompress the view calls: the format is the shell's, not ours.
        let out = Pipe()
        let shell = try ChildProcess(
            "/usr/bin/sqlite3", ["-readonly", fixture.path, "SELECT request_body FROM attempt_text WHERE id = \(id)"], stdout: .pipe(out))
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(printed == request + "\n")
    }

    @Test func shortBodiesStayTextAndIncompressibleOnesAreNotInflated() async throws {
        #expect(LedgerCompression.stored("{}").zip == nil)
        #expect(LedgerCompression.stored("{}").text == "{}")
        var generator = SystemRandomNumberGenerator()
        let noise = String((0..<400).map { _ in Character(Unicode.Scalar(UInt8.random(in: 33...126, using: &generator))) })
        let stored = LedgerCompression.stored(noise)
        // Printable noise still compresses a little (7 bits of 8); whatever is stored must come back exactly.
        if let zip = stored.zip {
            #expect(LedgerCompression.inflate(zip, size: noise.utf8.count).map { String(decoding: $0, as: UTF8.self) } == noise)
        } else {
            #expect(stored.text == noise)
        }
        #expect(LedgerCompression.inflate(Data([1, 2, 3, 4]), size: 100) == nil, "garbage does not inflate")
    }

    @Test func aTimelineFindsOnlyItsOwnRequestsAmongMany() async throws {
        let fixture = try StoreFixture()
        for round in 0..<5 {
            let keys = fixture.keys(50, prefix: "r\(round)-")
            try await fixture.enqueue(keys)
            let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 50, leaseMillis: 60_000))
            let id = try await fixture.store.beginAttempt(
                batch.lease,
                AttemptStart(
                    purpose: .submit, method: "POST", url: "u", requestBody: Self.batchBody(keys: keys),
                    startedAt: fixture.clock.nowMillis()))
            try await fixture.store.settle(
                batch.lease,
                result: AttemptResult(
                    attemptID: id, status: 202, headers: [:], responseBody: "{}", remoteID: "r\(round)",
                    latencyMillis: 1, errorClass: nil, finishedAt: fixture.clock.nowMillis()),
                outcomes: batch.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
            // An hour between rounds: each contact's stretch of the ledger holds its own round only.
            fixture.clock.advance(by: 3_600_000)
        }
        let timeline = try await fixture.store.timeline(contactKey: "r3-7")
        #expect(timeline.count == 1)
        #expect(timeline[0].1.map(\.remoteID) == ["r3"])
    }
}
