import AsyncHTTPClient
import Foundation
import JourneyRuntime
import JourneyTestSupport
import JourneyWorker
import NIOCore
import Testing

/// `serve` facing a network: TLS 1.2 at least, answers that no browser sniffs or cache keeps, idle connections closed,
/// `/metrics` behind a key once reachable from another host, and a word when a file others can read holds secrets.
@Suite(.timeLimit(.minutes(12))) struct TransportSecurityTests {
    static let minimalConfig = """
        destinations:
          main:
            kind: sfmc-async-events
            authURL: https://127.0.0.1:1
            restURL: https://127.0.0.1:1
            clientId: id
            clientSecret: inline-secret-value
            eventDefinitionKey: APIEvent-1

        """

    /// Runs `openssl` with `arguments`, stdin empty; returns its exit status and output.
    func openssl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await offCooperativePool {
            let pipe = Pipe()
            let process = try ChildProcess("/usr/bin/env", ["openssl"] + arguments, stdout: .pipe(pipe), stderr: .pipe(pipe))
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    @Test func tlsBelowOnePointTwoIsRefusedAtTheHandshake() async throws {
        let scratch = try Scratch()
        let (key, cert) = (scratch.path("key.pem"), scratch.path("cert.pem"))
        let made = try await openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1", "-days", "1",
        ])
        #expect(made.status == 0, "\(made.output)")
        let config = try scratch.write(
            "c.yaml",
            Self.minimalConfig + """
                http:
                  listen: 127.0.0.1:0
                  tls: {certificateFile: \(cert), privateKeyFile: \(key)}

                """)
        let serve = try BackgroundProcess(
            ["serve", "--db", scratch.path("q.sqlite"), "--config", config, "--no-workers", "--log-level", "error"],
            scratch: scratch, name: "serve")
        defer { serve.signal(SIGKILL) }
        try await waitFor(seconds: 60) { serve.stdout.contains("serving on") }
        let port = try #require(
            serve.stdout.range(of: #"(?<=127\.0\.0\.1:)\d+"#, options: .regularExpression).map { String(serve.stdout[$0]) })
        // The client offers TLS 1.1 only (its own floor lowered, so that the refusal is the server's).
        let old = try await openssl(["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", "-brief"])
        #expect(old.status != 0, "\(old.output)")
        #expect(!old.output.contains("Protocol version: TLSv1.1"))
        let current = try await openssl(["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-brief"])
        #expect(current.output.contains("Protocol version: TLSv1.2"), "\(current.output)")
        // Listening with TLS, /metrics asks for a key unless the config says otherwise only on a non-loopback host.
        #expect(HTTPConfig(host: "0.0.0.0").metricsRequireKey)
        #expect(!HTTPConfig(host: "127.0.0.1").metricsRequireKey)
        #expect(!HTTPConfig(host: "0.0.0.0", metricsRequireKey: false).metricsRequireKey)
    }

    @Test func everyAnswerIsNeitherSniffedNorStored() async throws {
        try await ServerHarness.with { server in
            for (path, key) in [
                ("/healthz", nil), ("/v1/destinations", nil), ("/v1/destinations", ServerHarness.keys["read"]), ("/no/such/path", nil),
            ] {
                var request = HTTPClientRequest(url: server.base + path)
                if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                #expect(response.headers.first(name: "x-content-type-options") == "nosniff", "\(path) → \(response.status)")
                #expect(response.headers.first(name: "cache-control") == "no-store", "\(path) → \(response.status)")
            }
        }
    }

    /// A client that connects and sends nothing (or stops halfway through its request) holds a descriptor only until
    /// the idle timeout: the server closes the connection.
    @Test func anIdleConnectionIsClosed() async throws {
        try await ServerHarness.with(idleTimeoutSeconds: 1) { server in
            let port = try #require(Int(server.base.split(separator: ":").last ?? ""))
            for partial in ["", "GET /healthz HT"] {
                let closed = try await offCooperativePool { () -> Bool in
                    guard let connection = RawConnection(port: port, blocking: true) else { return false }
                    defer { connection.close() }
                    if !partial.isEmpty { _ = connection.send(partial) }
                    return connection.waitForClose()
                }
                #expect(closed, "the server kept a connection that sent '\(partial)' open")
            }
        }
    }

    /// A typo in a producer's URL makes no destination that no worker would deliver.
    @Test func anIngestForADestinationTheConfigDoesNotNameIsRefused() async throws {
        try await ServerHarness.with(destinations: ["main"]) { server in
            func ingest(_ destination: String) async throws -> (status: UInt, body: String) {
                var request = HTTPClientRequest(url: server.base + "/v1/destinations/\(destination)/contacts")
                request.method = .POST
                request.headers.add(name: "authorization", value: "Bearer \(ServerHarness.keys["ingest"]!)")
                request.headers.add(name: "content-type", value: "application/x-ndjson")
                request.body = .bytes(.init(string: "{\"contactKey\":\"a\"}\n"))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
            }
            let typo = try await ingest("mian")
            #expect(typo.status == 404 && typo.body.contains("names no destination 'mian'") && typo.body.contains("main"), "\(typo)")
            #expect(try await ingest("main").status == 202)
            let names = try await server.store.counts().map(\.name)
            #expect(names == ["main"], "the refused name left nothing behind: \(names)")
        }
    }

    /// The sandbox's config holds its (sandbox) credentials inline and is the model for a production one: written 0600.
    @Test func theSandboxWritesItsConfigForItsOwnerOnly() async throws {
        let scratch = try Scratch()
        let (simulator, _, config) = try await startSimulator(scratch)
        defer { simulator.signal(SIGKILL) }
        var info = stat()
        #expect(stat(config, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test func aConfigWithInlineSecretsThatOthersCanReadIsSaidAtStart() async throws {
        let scratch = try Scratch()
        let config = try scratch.write("c.yaml", Self.minimalConfig)
        chmod(config, 0o644)
        let exposed = try await JourneyqProcess.run(["check", "--db", scratch.path("q.sqlite"), "--config", config])
        #expect(
            exposed.stderr.contains(
                "holds credentials inline (destinations.main.clientSecret) and is readable by group or others (mode 0644)"),
            "\(exposed.stderr)")
        #expect(!exposed.stderr.contains("inline-secret-value"))
        chmod(config, 0o600)
        let private_ = try await JourneyqProcess.run(["check", "--db", scratch.path("q.sqlite"), "--config", config])
        #expect(!private_.stderr.contains("holds credentials inline"), "\(private_.stderr)")
    }
}
