import Foundation
import GRDB
import JourneyQueue
import JourneyQueueSQLite
import JourneyTestSupport
import Testing

@testable import JourneyQueuePostgres

/// Every state change the store makes in SQL, observed by a trigger through a run with realistic faults, abandoned
/// leases and a redrive, is one that `ContactState.canMove` allows: on both engines. The moves observed are the ones
/// readers see (`InFlightSQL`): a contact stored `claimed` in a batch that has sent it is `sending`, so the batch's stamp
/// moves each of its claimed contacts `claimed→sending`, and a later move of one starts from `sending`.
@Suite(.timeLimit(.minutes(12))) struct LifecycleTests {
    @Test(arguments: ["sqlite", "postgres"]) func everyMoveTheStoreMakesIsOneTheLifecycleAllows(engine: String) async throws {
        try await WorkerHarness.with({ config in
            config.seed = 5
            config.faults = .realistic
            config.faults.silentDrop = 0.05
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 20...200
            config.journeys[0].fields = ["n"]
        }) { harness in
            if engine == "sqlite" {
                try await Self.run(harness, store: harness.store, observer: SQLiteMoveObserver(path: harness.store.path))
            } else {
                let store = try await PostgresQueueStore(url: try PrivatePostgres.newDatabase(), clock: harness.clock)
                try await store.whileRunning {
                    try await Self.run(harness, store: store, observer: PostgresMoveObserver(store: store))
                }
            }
        }
    }

    static func run(_ harness: WorkerHarness, store: any JourneyStore, observer: some MoveObserver) async throws {
        // The observer: one row per state change, written in the store's own transactions.
        try await observer.install()
        _ = try await store.enqueue(destination: "sfmc-async-events") { records in
            for index in 0..<1_000 { records.add(ContactRecord(key: "c\(index)", data: [Field("n", .number(String(index)))])) }
            records.add(ContactRecord(key: "bad", data: [Field("shoe", .number("1"))]))
        }
        // A daemon that died holding two batches: one claimed, one with its request on its way. Their leases have run
        // out when the daemon below starts.
        let claimed = try #require(
            try await store.claim(destination: "sfmc-async-events", limit: 10, leaseMillis: deadWorkerLeaseMillis))
        let sent = try #require(
            try await store.claim(destination: "sfmc-async-events", limit: 10, leaseMillis: deadWorkerLeaseMillis))
        _ = try await underTestLease("write-ahead") {
            try await store.beginAttempt(
                sent.lease,
                AttemptStart(
                    purpose: .submit, method: "POST", url: harness.base, requestBody: "{}", startedAt: harness.clock.nowMillis()))
        }
        #expect(claimed.contacts.count == 10)
        harness.expireTestLeases()
        let configs = try harness.configs(configure: { config in
            config.limits.timeoutMillis = 500
            config.limits.requestsPerSecond = 500
            config.policy.throttlePauseMillis = 300
            config.policy.membershipListsExited = true
        })
        try await harness.work(configs, deadline: 150, store: store)
        #expect(try await store.redrive(destination: "sfmc-async-events", reason: nil, lookable: true).queued >= 1)
        try await harness.work(configs, deadline: 60, store: store)

        let moves = try await observer.moves()
        let seen = moves.map { "\($0.from)→\($0.to) \($0.count)" }.joined(separator: ", ")
        let illegal = moves.filter { !$0.from.canMove(to: $0.to) }
        #expect(illegal.isEmpty, "moves the lifecycle does not allow: \(illegal); seen: \(seen)")
        // The run went through the paths that matter, not only the happy one.
        let pairs = Set(moves.map { "\($0.from)→\($0.to)" })
        for expected in [
            "queued→claimed", "claimed→sending", "sending→accepted", "accepted→confirmed", "claimed→queued",
            "sending→unknown", "accepted→queued", "sending→dead", "dead→queued",
        ] {
            #expect(pairs.contains(expected), "\(expected) never happened; seen: \(seen)")
        }
        #expect(await harness.truth().values.allSatisfy { $0 == 1 })
    }
}

/// Records every contact state change in the store's own transactions.
protocol MoveObserver {
    func install() async throws
    /// The moves seen, counted by pair.
    func moves() async throws -> [(from: ContactState, to: ContactState, count: Int)]
}

struct SQLiteMoveObserver: MoveObserver {
    let path: String

    func install() async throws {
        try await DatabaseQueue(path: path).write { db in
            try db.execute(
                sql: """
                    CREATE TABLE observed_move (from_state INTEGER NOT NULL, to_state INTEGER NOT NULL);
                    CREATE TRIGGER observe_move AFTER UPDATE OF state ON contact WHEN OLD.state <> NEW.state BEGIN
                        INSERT INTO observed_move VALUES (
                            CASE WHEN OLD.state = 1 AND EXISTS (SELECT 1 FROM batch WHERE id = OLD.batch_id AND sent_at IS NOT NULL)
                                THEN 2 ELSE OLD.state END, NEW.state);
                    END;
                    CREATE TRIGGER observe_send AFTER UPDATE OF sent_at ON batch WHEN OLD.sent_at IS NULL AND NEW.sent_at IS NOT NULL
                    BEGIN
                        INSERT INTO observed_move SELECT 1, 2 FROM contact WHERE batch_id = NEW.id AND state = 1;
                    END;
                    """)
        }
    }

    func moves() async throws -> [(from: ContactState, to: ContactState, count: Int)] {
        try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT from_state, to_state, COUNT(*) FROM observed_move GROUP BY 1, 2").map {
                (from: ContactState(rawValue: $0[0])!, to: ContactState(rawValue: $0[1])!, count: $0[2] as Int)
            }
        }
    }
}

struct PostgresMoveObserver: MoveObserver {
    let store: PostgresQueueStore

    func install() async throws {
        for sql in [
            "CREATE TABLE observed_move (from_state INTEGER NOT NULL, to_state INTEGER NOT NULL)",
            """
            CREATE FUNCTION observe_move() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO observed_move VALUES (
                    CASE WHEN OLD.state = 1 AND EXISTS (SELECT 1 FROM batch WHERE id = OLD.batch_id AND sent_at IS NOT NULL)
                        THEN 2 ELSE OLD.state END, NEW.state);
                RETURN NULL;
            END $$
            """,
            """
            CREATE FUNCTION observe_send() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO observed_move SELECT 1, 2 FROM contact WHERE batch_id = NEW.id AND state = 1; RETURN NULL; END $$
            """,
            """
            CREATE TRIGGER observe_send AFTER UPDATE OF sent_at ON batch FOR EACH ROW
            WHEN (OLD.sent_at IS NULL AND NEW.sent_at IS NOT NULL) EXECUTE FUNCTION observe_send()
            """,
            """
            CREATE TRIGGER observe_move AFTER UPDATE OF state ON contact FOR EACH ROW WHEN (OLD.state <> NEW.state)
            EXECUTE FUNCTION observe_move()
            """,
        ] {
            _ = try await store.rows(sql)
        }
    }

    func moves() async throws -> [(from: ContactState, to: ContactState, count: Int)] {
        try await store.rows("SELECT from_state, to_state, COUNT(*)::int FROM observed_move GROUP BY 1, 2").map {
            (
                from: ContactState(rawValue: try $0[0].decode(Int.self))!, to: ContactState(rawValue: try $0[1].decode(Int.self))!,
                count: try $0[2].decode(Int.self)
            )
        }
    }
}
