import Foundation
import JourneyQueue
import JourneySimulator
import JourneyWorker
import Testing

/// When contacts may enter: the send window in each contact's zone, `notBefore` and `notAfter`, proven against the
/// sandbox's record of when each entry was made.
@Suite(.serialized, .timeLimit(.minutes(12)))
struct SendWindowTests {
    static let destination = "sfmc-async-events"
    static let stockholm = TimeZone(identifier: "Europe/Stockholm")!

    /// Each entry of the sandbox's truth for the destination: contact key, entered at, request arrived at.
    static func entries(_ harness: WorkerHarness) async -> [(key: String, enteredAt: Int64, requestedAt: Int64)] {
        let times = await harness.state.entryTimes().first { $0.destination == destination }?.times ?? [:]
        return times.flatMap { key, list in list.map { (key, $0.enteredAt, $0.requestedAt) } }
    }

    /// The local hour and weekday (1 Sunday … 7 Saturday) of a moment in a zone, read with the calendar directly.
    static func local(_ millis: Int64, _ zone: TimeZone) -> (hour: Int, weekday: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .weekday], from: Date(timeIntervalSince1970: Double(millis) / 1000))
        return (parts.hour!, parts.weekday!)
    }

    /// Steps the harness's clock by `step` whenever nothing is due (no contact ready, no batch open, no look due),
    /// until every contact is final or `until` is reached. Waits on the store's state, never on time.
    static func stepWhileIdle(_ harness: WorkerHarness, by step: Int64, until end: Int64) async throws {
        while harness.clock.nowMillis() < end {
            let pending = try await harness.store.pendingWork(destination: destination)
            if pending.fullyDrained { return }
            let now = harness.clock.nowMillis()
            let due =
                pending.leased || (pending.nextReadyAt.map { $0 <= now } ?? false) || (pending.nextVerifyAt.map { $0 <= now } ?? false)
            if due {
                try await Task.sleep(for: .milliseconds(20))
            } else {
                harness.clock.step(by: step)
            }
        }
    }

    static func configs(_ harness: WorkerHarness, window: SendWindow) throws -> [DestinationConfig] {
        try harness.configs([destination]) { config in
            config.limits.sendWindow = window
            // The clock steps by minutes: no lease may end under a request or a look.
            config.limits.leaseMillis = 4 * 3_600_000
            config.journeyCheckMillis = 0
        }
    }

    @Test func nobodyEntersOutsideTheirLocalWindowAcrossADaylightSavingChange() async throws {
        try await WorkerHarness.with(sandboxSharesClock: true, { $0.entryDelayMillis = 0...0 }) { harness in
            // Saturday 2027-03-27 05:00 UTC; Europe moves its clocks forward on Sunday 28 March at 01:00 UTC.
            harness.clock.step(by: ISOTime.parse("2027-03-27T05:00:00Z")! - harness.clock.nowMillis())
            let start = harness.clock.nowMillis()
            let zones = ["Europe/Stockholm", "America/New_York", "Asia/Tokyo"]
            let sundayNoon = ISOTime.parse("2027-03-28T12:00:00Z")!
            let saturdayEvening = ISOTime.parse("2027-03-27T19:30:00Z")!
            let summary = try await harness.store.enqueue(destination: Self.destination) { sink in
                for (index, zone) in zones.enumerated() {
                    for n in 0..<30 { sink.add(ContactRecord(key: "z\(index)-\(n)", data: [Field("timeZone", .string(zone))])) }
                }
                for n in 0..<30 { sink.add(ContactRecord(key: "none-\(n)", data: [Field("n", .number("\(n)"))])) }
                for n in 0..<10 { sink.add(ContactRecord(key: "mars-\(n)", data: [Field("timeZone", .string("Mars/Olympus"))])) }
                // Closed for Stockholm until 07:00 UTC, and their offer ends at 06:00: never sent.
                for n in 0..<10 {
                    var record = ContactRecord(key: "late-\(n)", data: [Field("timeZone", .string("Europe/Stockholm"))])
                    record.notAfter = start + 3_600_000
                    sink.add(record)
                }
                // Ready Saturday 20:30 in Stockholm (closed): the window opens on summer time, 08:00 = 06:00 UTC Sunday.
                for n in 0..<10 {
                    var record = ContactRecord(key: "sunday-\(n)", data: [Field("timeZone", .string("Europe/Stockholm"))])
                    record.notBefore = saturdayEvening
                    sink.add(record)
                }
                // Ready Sunday 21:00 in Tokyo (closed): Monday 08:00 there.
                for n in 0..<10 {
                    var record = ContactRecord(key: "tokyo-later-\(n)", data: [Field("timeZone", .string("Asia/Tokyo"))])
                    record.notBefore = sundayNoon
                    sink.add(record)
                }
            }
            #expect(summary.enqueued == 160)
            let window = SendWindow(fromSecond: 8 * 3_600, toSecond: 20 * 3_600, zone: Self.stockholm, zoneField: "timeZone")
            let configs = try Self.configs(harness, window: window)
            let end = ISOTime.parse("2027-03-30T00:00:00Z")!
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await harness.work(configs, deadline: 600) }
                tasks.addTask { try await Self.stepWhileIdle(harness, by: 20 * 60_000, until: end) }
                try await tasks.waitForAll()
            }

            let entries = await Self.entries(harness)
            func zone(of key: String) -> TimeZone {
                if key.hasPrefix("z") { return TimeZone(identifier: zones[Int(String(key.dropFirst().prefix(1)))!])! }
                if key.hasPrefix("tokyo") { return TimeZone(identifier: "Asia/Tokyo")! }
                return Self.stockholm
            }
            for entry in entries {
                for moment in [entry.enteredAt, entry.requestedAt] {
                    let hour = Self.local(moment, zone(of: entry.key)).hour
                    #expect(
                        (8..<20).contains(hour),
                        "\(entry.key) entered at \(ISOTime.string(moment)), \(hour):xx in \(zone(of: entry.key).identifier)")
                }
            }
            let entered = Dictionary(grouping: entries, by: \.key)
            #expect(entered.count == 150, "everyone but the expired entered")
            #expect(entered.values.allSatisfy { $0.count == 1 }, "nobody twice")
            #expect(!entered.keys.contains { $0.hasPrefix("late-") })
            for (key, list) in entered where key.hasPrefix("sunday-") {
                // At the opening on summer time (06:00 UTC), not an hour early nor late.
                #expect(
                    list[0].requestedAt >= ISOTime.parse("2027-03-28T06:00:00Z")!
                        && list[0].requestedAt < ISOTime.parse("2027-03-28T06:20:00Z")!,
                    "\(key): \(ISOTime.string(list[0].requestedAt))")
            }
            for (key, list) in entered where key.hasPrefix("tokyo-later-") {
                #expect(list[0].requestedAt >= ISOTime.parse("2027-03-28T23:00:00Z")!, "\(key): \(ISOTime.string(list[0].requestedAt))")
            }
            let counts = try await harness.counts(Self.destination)
            #expect(counts[.expired] == 10)
            let undecided = try harness.store.rows(
                "SELECT last_error, evidence FROM contact WHERE state = \(StateCode.unverifiable) LIMIT 2")
            #expect(counts[.confirmed] == 150, "\(counts) \(undecided)")
            let expired = try harness.store.rows("SELECT attempts, last_error FROM contact WHERE state = \(StateCode.expired)")
            #expect(expired.allSatisfy { $0["attempts"] == "0" && ($0["last_error"] ?? "").contains("notAfter") }, "\(expired)")
            let waited = try harness.store.rows("SELECT COUNT(*) AS n FROM contact WHERE attempts > 1")
            #expect(waited.first?["n"] == "0", "waiting for the window used up no attempt")
        }
    }

    @Test func aWindowThatClosesWhileABatchIsInFlightDoesNotCutIt() async throws {
        try await WorkerHarness.with(
            sandboxSharesClock: true,
            { config in
                config.entryDelayMillis = 0...0
                // The first entry request is held until the test has moved the clock past the window's end.
                config.faults.gatherInFlight = 1_000
                config.faults.holdSeconds = 600
            }
        ) { harness in
            // Friday 2027-01-15 19:50 UTC; the window is weekdays 08:00–20:00 UTC.
            harness.clock.step(by: ISOTime.parse("2027-01-15T19:50:00Z")! - harness.clock.nowMillis())
            try await harness.enqueue(150, destination: Self.destination)
            let window = SendWindow(days: Set(2...6), fromSecond: 8 * 3_600, toSecond: 20 * 3_600, zone: TimeZone(identifier: "UTC")!)
            let configs = try Self.configs(harness, window: window).map { config in
                var config = config
                config.limits.batchSize = 100
                config.limits.concurrency = 1
                config.policy.lookBeforeFirstSend = false
                return config
            }
            let close = ISOTime.parse("2027-01-15T20:00:00Z")!
            let monday = ISOTime.parse("2027-01-18T08:00:00Z")!
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await harness.work(configs, deadline: 600) }
                tasks.addTask {
                    // The first batch's request is out (written ahead, held by the sandbox): the window closes under it.
                    // Bounded: should it never be seen, the test fails and ends (the daemon's run ends with the group).
                    let inFlight = try await waitFor(seconds: 300) {
                        try harness.store.rows(
                            "SELECT COUNT(*) AS n FROM contact c \(InFlightSQL.join) WHERE \(InFlightSQL.state) = \(StateCode.sending)"
                        ).first?["n"] == "100"
                    }
                    try #require(inFlight, "the first batch was never seen in flight")
                    harness.clock.step(by: close + 5 * 60_000 - harness.clock.nowMillis())
                    await harness.state.releaseGathered()
                    // Until Monday morning only the batch already in flight enters.
                    try await Self.stepWhileIdle(harness, by: 30 * 60_000, until: monday - 30 * 60_000)
                    let before = await Self.entries(harness)
                    #expect(before.count == 100, "the batch in flight entered whole, and nobody else")
                    let waiting = try harness.store.rows(
                        "SELECT COUNT(*) AS n FROM contact WHERE state = \(StateCode.queued) AND attempts = 0")
                    #expect(waiting.first?["n"] == "50")
                    harness.clock.step(by: monday - harness.clock.nowMillis())
                    try await Self.stepWhileIdle(harness, by: 60_000, until: monday + 3_600_000)
                }
                try await tasks.waitForAll()
            }
            let sent = try harness.store.rows("SELECT started_at FROM attempt WHERE call_purpose = 'submission' ORDER BY started_at")
            #expect(sent.count == 2, "\(sent)")
            #expect(Int64(sent.first?["started_at"] ?? "") ?? .max < close, "the first request left before the window closed")
            #expect(Int64(sent.last?["started_at"] ?? "") ?? 0 >= monday, "the rest waited for Monday")
            let entries = await Self.entries(harness)
            #expect(entries.count == 150 && Set(entries.map(\.key)).count == 150)
            #expect(try await harness.counts(Self.destination)[.confirmed] == 150)
        }
    }

    @Test func aRealRunWaitsForAWindowThatOpensTwentySecondsLater() async throws {
        try await WorkerHarness.with { harness in
            try await harness.enqueue(300, destination: Self.destination)
            let opening = harness.clock.nowMillis() / 1_000 * 1_000 + 20_000
            let second = Int((opening / 1_000) % 86_400)
            let window = SendWindow(fromSecond: second, toSecond: (second + 3_600) % 86_400, zone: TimeZone(identifier: "UTC")!)
            try await harness.work(try harness.configs([Self.destination]) { config in config.limits.sendWindow = window }, deadline: 300)
            let entries = await Self.entries(harness)
            #expect(entries.count == 300 && Set(entries.map(\.key)).count == 300)
            #expect(entries.allSatisfy { $0.requestedAt >= opening }, "nothing was sent before the window opened")
            let sent = try harness.store.rows(
                "SELECT MIN(started_at) AS first FROM attempt WHERE call_purpose IN ('submission', 'look-before')")
            #expect(Int64(sent.first?["first"] ?? "") ?? 0 >= opening)
            #expect(try await harness.counts(Self.destination)[.confirmed] == 300)
        }
    }
}
