import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import Testing

/// A redrive never enters a contact that is in already, and looks again before it sends (issue 23).
@Suite(.timeLimit(.minutes(12))) struct RedriveTests {
    @Test func aRedriveSkipsWhatWasDeliveredSinceAndLooksAgainBeforeItSends() async throws {
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...50
            config.journeys[0].fields = ["n"]
            config.priorMembers = ["member"]
        }) { harness in
            // Both are refused for a field the journey's entry data does not have.
            _ = try await harness.store.enqueue(destination: "sfmc-async-events") { sink in
                for key in ["again", "member"] { sink.add(ContactRecord(key: key, data: [Field("shoe", .number("1"))])) }
            }
            // The look before the first request is the subject: with the journey history readable, none is needed.
            let configs = try harness.configs(configure: { config in
                config.updateConnection(SFMCKind.Connection.self) { $0.settings.history = nil }
            })
            try await harness.work(configs)
            #expect(try await harness.counts()[.dead] == 2)
            // The producer fixed `again` and enqueued it once more; it entered.
            _ = try await harness.store.enqueue(destination: "sfmc-async-events") { sink in
                sink.add(ContactRecord(key: "again", data: [Field("n", .number("1"))]))
            }
            try await harness.work(configs)
            #expect(await harness.truth()["again"] == 1)
            let path = harness.store.path
            let before = harness.clock.nowMillis()
            let membershipLooks =
                "SELECT COUNT(*) FROM attempt_text WHERE url LIKE '%contactMembership' AND instr(request_body, '\"member\"') > 0"
            let looksBefore = try SQLiteInspection.int(path: path, membershipLooks)
            let redriven = try await harness.store.redrive(destination: "sfmc-async-events", reason: nil, lookable: true)
            #expect(redriven == RedriveSummary(queued: 1, skipped: 1), "\(redriven)")
            try await harness.work(configs)
            // Nothing carried `again` after the redrive: it entered once, under its newer row.
            #expect(
                try SQLiteInspection.int(
                    path: path,
                    """
                    SELECT COUNT(*) FROM attempt_text WHERE purpose = 'submit' AND started_at >= \(before)
                      AND instr(request_body, '"again"') > 0
                    """) == 0)
            #expect(await harness.truth()["again"] == 1)
            // `member` was looked for afresh before its next first request: membership again, not the answer of the first run.
            #expect(try SQLiteInspection.int(path: path, membershipLooks) > looksBefore)
            #expect(
                try SQLiteInspection.int(path: path, "SELECT prior_member FROM contact WHERE contact_key = 'member'")
                    == PriorMembership.member.rawValue)
        }
    }
}
