import AsyncHTTPClient
import Foundation
import JourneyQueue
import JourneyServer
import JourneyWorker
import NIOCore
import Testing

/// Limits that hold without any key: connections, header and idle deadlines, ingests in progress, records per request.
@Suite(.timeLimit(.minutes(12))) struct ServerLimitsTests {
    /// 2,000 idle connections and 200 clients stuck halfway through a request line, against a process with the common
    /// limit of 1,024 descriptors, leave a producer's ingest and an operator's read answering.
    @Test func idleAndSlowClientsLeaveAnIngestAndAReadAnswering() async throws {
        let scratch = try Scratch()
        let (simulator, _, config) = try await startSimulator(scratch)
        defer { simulator.signal(SIGKILL) }
        let handle = try #require(FileHandle(forWritingAtPath: config))
        handle.seekToEndOfFile()
        handle.write(
            Data(
                """

                http:
                  apiKeys:
                    - {name: producer, role: ingest, sha256: \(APIKeyVerifier.digest(of: "jq_producer-key"))}
                    - {name: operator, role: operate, sha256: \(APIKeyVerifier.digest(of: "jq_operator-key"))}

                """.utf8))
        try handle.close()
        // The sandbox's config names each destination after its kind.
        let destination = "sfmc-async-events"
        // `ulimit -n` in the shell sets soft and hard: the server cannot raise it.
        let serve = try BackgroundProcess(
            executable: "/bin/sh",
            [
                "-c", "ulimit -n 1024 && exec \"$0\" \"$@\"", JourneyqProcess.binary,
                "serve", "--db", scratch.path("q.sqlite"), "--config", config,
                "--listen", "127.0.0.1:0", "--no-workers", "--log-level", "error",
            ],
            scratch: scratch, name: "serve")
        defer { serve.signal(SIGKILL) }
        try await waitFor(seconds: 60) { serve.stdout.contains("serving on") }
        let address = try #require(
            serve.stdout.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression).map { String(serve.stdout[$0]) })
        let port = try #require(Int(address.split(separator: ":").last ?? ""))

        // The flood comes from a process of its own: 2,200 descriptors open in the test process would break every
        // other test's process launches (Foundation copies the open descriptors into a fixed buffer).
        let flood = try BackgroundProcess(
            executable: "/usr/bin/env", ["python3", "-c", Self.flood, String(port)], scratch: scratch, name: "flood")
        defer { flood.signal(SIGKILL) }
        try await waitFor(seconds: 60) { flood.stdout.contains("holding") || !flood.process.isRunning }
        let holding =
            flood.stdout.split(separator: " ").dropFirst().first.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        #expect(holding > 2_000, "the flood could not open its connections: \(flood.stdout) \(flood.stderr)")
        var ingest = HTTPClientRequest(url: address + "/v1/destinations/\(destination)/contacts")
        ingest.method = .POST
        ingest.headers.add(name: "authorization", value: "Bearer jq_producer-key")
        ingest.headers.add(name: "content-type", value: "application/x-ndjson")
        ingest.body = .bytes(ByteBuffer(string: "{\"contactKey\":\"after-the-flood\"}\n"))
        // Below the idle timeout (60 s), which is what the producer waits for without the cap and its eviction, and far
        // above the second or two it takes with them (room for a loaded machine's stalls).
        let started = Date()
        let accepted = try await HTTPClient.shared.execute(ingest, timeout: .seconds(45))
        #expect(accepted.status == .accepted)
        var read = HTTPClientRequest(url: address + "/v1/destinations")
        read.headers.add(name: "authorization", value: "Bearer jq_operator-key")
        let list = try await HTTPClient.shared.execute(read, timeout: .seconds(45))
        #expect(list.status == .ok)
        let body = String(buffer: try await list.body.collect(upTo: 1 << 20))
        #expect(body.contains(destination))
        #expect(Date().timeIntervalSince(started) < 50, "the ingest and the read took \(Date().timeIntervalSince(started)) s")
        let metrics = try await HTTPClient.shared.execute(HTTPClientRequest(url: address + "/metrics"), timeout: .seconds(20))
        let text = String(buffer: try await metrics.body.collect(upTo: 4 << 20))
        let evicted = text.split(separator: "\n").first { $0.hasPrefix(#"journeyq_http_connections_shed_total{reason="evicted"}"#) }
        #expect((evicted.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) > 0, "the cap made room by closing idle connections")
    }

    /// A client that sends its request line a byte at a time is cut off at the header deadline, however often it sends.
    @Test func aClientDribblingItsHeadersIsCutOffAtTheHeaderDeadline() async throws {
        try await ServerHarness.with(configure: { $0.headerTimeoutSeconds = 1 }) { server in
            let port = try #require(Int(server.base.split(separator: ":").last ?? ""))
            let connection = try #require(try await offCooperativePool { RawConnection(port: port, blocking: true) })
            defer { connection.close() }
            let started = Date()
            let line = Array("GET /healthz HTTP/1.1\r\nX-Slow: " + String(repeating: "a", count: 400))
            var closed = false
            for character in line {
                if !connection.send(String(character)) || connection.peerClosed() { closed = true; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            // 400 bytes at 20 a second take 20 s; the deadline is 1 s: the server closes it long before the last byte.
            #expect(closed, "the server kept a dribbling client for \(Date().timeIntervalSince(started)) s")
        }
    }

    /// Eight ingests run at once (four per key); the ninth, or a key's fifth, is refused with 503 and Retry-After before
    /// its body is read, and the eight finish.
    @Test func aNinthConcurrentIngestIsRefusedWhileEightProceed() async throws {
        try await ServerHarness.with(configure: {
            $0.maxIngests = 8; $0.maxIngestsPerKey = 4
        }) { server in
            let port = try #require(Int(server.base.split(separator: ":").last ?? ""))
            var held: [HeldIngest] = []
            defer { for ingest in held { ingest.connection.close() } }
            func hold(_ role: String, _ key: String) async throws {
                let ingest = try await offCooperativePool { HeldIngest(port: port, key: ServerHarness.keys[role]!, contactKey: key) }
                held.append(try #require(ingest))
                let count = held.count
                let reached = try await waitFor(seconds: 180) { try await inProgress(server) == count }
                #expect(reached, "\(count) ingests in progress")
            }
            func ingest(_ role: String, _ key: String) async throws -> ServerHarness.Answer {
                try await server.send(
                    .POST, "/v1/destinations/main/contacts", key: role, body: "{\"contactKey\":\"\(key)\"}\n",
                    contentType: "application/x-ndjson")
            }
            for index in 0..<4 { try await hold("ingest", "a\(index)") }
            let fifth = try await ingest("ingest", "a-fifth")
            #expect(fifth.status == 503 && fifth.headers.first(name: "retry-after") == "1", "\(fifth.status) \(fifth.text)")
            #expect(try await ingest("ingest-b", "b-free").status == 202, "another key still ingests")
            for index in 0..<2 { try await hold("ingest-b", "b\(index)") }
            for index in 0..<2 { try await hold("ingest-c", "c\(index)") }
            let ninth = try await ingest("ingest-c", "c-ninth")
            #expect(ninth.status == 503 && ninth.headers.first(name: "retry-after") == "1", "\(ninth.status) \(ninth.text)")
            for ingest in held {
                let status = try await offCooperativePool { ingest.finish() }
                #expect(status == 202)
            }
            #expect(try await waitFor(seconds: 180) { try await inProgress(server) == 0 })
            #expect(try await ingest("ingest-c", "c-after").status == 202)
            let keys = Set(try await server.store.searchContacts("", prefix: true, limit: 100).map(\.key))
            #expect(keys == Set(["a0", "a1", "a2", "a3", "b-free", "b0", "b1", "c0", "c1", "c-after"]), "\(keys.sorted())")
        }
    }

    /// A body of more records than `maxRecordsPerRequest` is refused whole.
    @Test func anIngestOfTooManyRecordsEnqueuesNothing() async throws {
        try await ServerHarness.with(configure: { $0.maxRecordsPerRequest = 3 }) { server in
            let four = (1...4).map { "{\"contactKey\":\"k\($0)\"}" }.joined(separator: "\n")
            let refused = try await server.send(
                .POST, "/v1/destinations/main/contacts", key: "ingest", body: four, contentType: "application/x-ndjson")
            #expect(refused.status == 413 && refused.text.contains("maxRecordsPerRequest"), "\(refused.status) \(refused.text)")
            #expect(try await server.store.searchContacts("k", prefix: true, limit: 10).isEmpty)
            let three = (1...3).map { "{\"contactKey\":\"k\($0)\"}" }.joined(separator: "\n")
            #expect(
                try await server.send(
                    .POST, "/v1/destinations/main/contacts", key: "ingest", body: three, contentType: "application/x-ndjson"
                ).status == 202)
        }
    }

    /// Opens 2,000 connections that send nothing and 200 that send half a request line, says how many it holds, and
    /// holds them until killed.
    static let flood = """
        import select, socket, sys, time
        port = int(sys.argv[1])
        held = []
        for index in range(2200):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            held.append(s)
        # Every connect completes (the kernel's backlog takes it whether or not the server accepts) before the
        # slow ones send their half line.
        poller = select.poll()
        for s in held:
            poller.register(s, select.POLLOUT)
        connected, deadline = set(), time.time() + 20
        while len(connected) < len(held) and time.time() < deadline:
            for fd, _ in poller.poll(200):
                connected.add(fd)
                poller.unregister(fd)
        for s in held[2000:]:
            try:
                s.send(b"POST /v1/destinations/x/contacts HT")
            except OSError:
                pass
        print("holding", len(connected), flush=True)
        time.sleep(3600)
        """

    private func inProgress(_ server: ServerHarness) async throws -> Int {
        let text = try await server.send(.GET, "/metrics").text
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("journeyq_http_ingests_in_progress ") }),
            let value = Double(line.split(separator: " ").last ?? "")
        else { return 0 }
        return Int(value)
    }
}

/// An ingest whose headers and first record are sent and whose body's end is held back.
struct HeldIngest: Sendable {
    let connection: RawConnection
    let rest: String

    init?(port: Int, key: String, contactKey: String) {
        guard let connection = RawConnection(port: port, blocking: true) else { return nil }
        let record = "{\"contactKey\":\"\(contactKey)\"}\n"
        let padding = String(repeating: " ", count: 64) + "\n"
        let head =
            "POST /v1/destinations/main/contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(key)\r\n"
            + "Content-Type: application/x-ndjson\r\nContent-Length: \(record.utf8.count + padding.utf8.count)\r\n\r\n"
        guard connection.send(head + record) else { return nil }
        self.connection = connection
        self.rest = padding
    }

    /// Sends the rest of the body and returns the answer's status.
    func finish() -> Int {
        guard connection.send(rest) else { return -1 }
        return connection.readStatus() ?? -1
    }
}

/// A plain TCP connection to the loopback listener, for clients that misbehave below HTTP.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    init?(port: Int, blocking: Bool = false) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        if !blocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 || errno == EINPROGRESS else {
            Glibc.close(fd)
            return nil
        }
        var timeout = timeval(tv_sec: 180, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) -> Bool {
        text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } == text.utf8.count
    }

    /// Whether the server has closed its side (a read would return 0 or fail), without waiting.
    func peerClosed() -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// The status code of the answer's first line.
    func readStatus() -> Int? {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while !received.contains(UInt8(ascii: "\n")) {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            received += buffer.prefix(count)
        }
        let line = String(decoding: received, as: UTF8.self).split(separator: " ")
        return line.count > 1 ? Int(line[1]) : nil
    }

    /// Reads until the server closes its side (true) or 30 s pass without a byte (false).
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return false }
        }
    }

    func close() { Glibc.close(fd) }
}
