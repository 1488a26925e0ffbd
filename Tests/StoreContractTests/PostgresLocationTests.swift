import Foundation
import JourneyQueue
import Testing

@testable import JourneyQueuePostgres

/// `--db postgres://…`: read as libpq reads it, printed and reported without its password.
@Suite struct PostgresLocationTests {
    @Test func urlsAreReadAsLibpqReadsThem() async throws {
        let tcp = try PostgresLocation(url: "postgresql://queue:p%40ss@db.internal:6543/journeys?sslmode=require")
        #expect(tcp.username == "queue" && tcp.password == "p@ss" && tcp.host == "db.internal" && tcp.port == 6543)
        #expect(tcp.database == "journeys" && tcp.sslMode == "require" && tcp.socketDirectory == nil)
        let socket = try PostgresLocation(url: "postgres://journeyq@/queue?host=/run/pg&port=5433")
        #expect(socket.socketDirectory == "/run/pg" && socket.port == 5433 && socket.database == "queue")
        #expect(throws: PostgresLocationError.self) { _ = try PostgresLocation(url: "postgres://x@h/db?sslmode=sometimes") }
    }

    /// Under systemd the password can come from a root-only EnvironmentFile, as libpq takes it: the URL's own wins.
    @Test func aPasswordMayComeFromPGPASSWORD() async throws {
        let fromEnvironment = try PostgresLocation(url: "postgres://queue@db.internal/journeys", environment: ["PGPASSWORD": "from-env"])
        #expect(fromEnvironment.password == "from-env")
        #expect(!fromEnvironment.description.contains("from-env"))
        let fromURL = try PostgresLocation(url: "postgres://queue:in-url@db.internal/journeys", environment: ["PGPASSWORD": "from-env"])
        #expect(fromURL.password == "in-url")
        #expect(try PostgresLocation(url: "postgres://queue@db.internal/journeys", environment: [:]).password == nil)
    }

    @Test func aPasswordIsNeverPrinted() async throws {
        let url = "postgres://queue:hunter2-secret@db.internal:5432/journeys"
        #expect(try PostgresLocation(url: url).description == "postgres://queue:***@db.internal:5432/journeys")
        #expect(!PostgresLocation.redact(url).contains("hunter2"))
        #expect(!PostgresLocation.redact(url + "?sslmode=sometimes").contains("hunter2"))
        // Every form a password can take in a URL, parsable or not.
        for form in [
            "postgres://queue@db/journeys?password=hunter2", "postgresql://queue@db/journeys?sslmode=require&PASSWORD=hunter2&x=1",
            "postgres://queue:hunter2@/journeys?host=/run/postgresql", "postgres://queue:hun@ter2 x@db/journeys",
            "postgres://queue@db/journeys?sslpassword=hunter2", "postgres://queue:hunter2@db/journeys?password=hunter2#frag",
        ] {
            let redacted = PostgresLocation.redact(form)
            #expect(!redacted.contains("hunter2") && !redacted.contains("ter2"), "\(form) → \(redacted)")
            #expect(redacted.contains("***"), "\(form) → \(redacted)")
        }
        #expect(
            PostgresLocation.redact("postgres://queue@db:5432/journeys?sslmode=require")
                == "postgres://queue@db:5432/journeys?sslmode=require")
        #expect(!(try PostgresLocation(url: "postgres://queue@db/journeys?password=hunter2").description.contains("hunter2")))
        do {
            _ = try PostgresLocation(url: url + "?sslmode=sometimes")
            Issue.record("expected the sslmode to be refused")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func aServerThatRefusesTheLoginNamesTheDatabaseButNotThePassword() async throws {
        // A real server: the private one, asked for a database that does not exist, with a password in the URL.
        let fixture = try await StoreFixture(.postgres)
        let location = try PostgresLocation(url: fixture.location)
        let url = "postgres://journeyq:hunter2-secret@/no_such_database?host=\(location.socketDirectory!)"
        do {
            _ = try await PostgresQueueStore(url: url)
            Issue.record("expected the store to refuse a database that does not exist")
        } catch {
            let text = "\(error)"
            #expect(text.contains("no_such_database"), "\(text)")
            #expect(!text.contains("hunter2"), "\(text)")
        }
    }
}

/// A PostgreSQL store outlives the server dropping its connections (a restart, a failover, an idle timeout).
@Suite struct PostgresReconnectTests {
    @Test func aProducerAndTheQueueCarryOnAfterTheServerDropsEveryConnection() async throws {
        let fixture = try await StoreFixture(.postgres)
        try await fixture.enqueue(["a"])
        #expect(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000) != nil)
        // Another session ends every connection of the store's pool (enqueues take theirs from it too).
        let killer = try await fixture.secondStore() as! PostgresQueueStore
        let ended = try await killer.rows(
            """
            SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'journeyq' AND pid <> pg_backend_pid()) AS t
            """)[0][0].decode(Int.self)
        #expect(ended >= 1)
        // The next enqueue opens a fresh connection instead of failing on the dead one.
        #expect(try await fixture.enqueue(["b"]) == EnqueueSummary(enqueued: 1))
        // The pool drops its dead connections; a call may meet one of them, the next succeeds.
        var claimed: ClaimedBatch?
        for _ in 0..<3 where claimed == nil {
            claimed = try? await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000)
        }
        #expect(claimed?.contacts.map(\.key) == ["b"])
    }
}
