import AsyncHTTPClient
import Foundation
import HTTPTypes
import JourneyQueue
import NIOCore
import Testing

@testable import JourneyDestinations

/// Only a failure before the request was written counts as "not sent" (a contact then costs no attempt and needs no
/// look); anything that may have ended a connection that carried the request is "connection lost", and looked for.
@Suite struct TransportClassificationTests {
    @Test func anUnreachableHostOnAConnectedChannelMayHaveCarriedTheRequest() {
        for code in [EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ECONNRESET, EPIPE] {
            #expect(
                HTTPCaller.classify(IOError(errnoCode: code, reason: "read(descriptor:pointer:size:)")) == .connectionLost, "errno \(code)")
        }
    }

    @Test func failuresBeforeTheRequestLeftAreNotSent() {
        #expect(HTTPCaller.classify(IOError(errnoCode: ECONNREFUSED, reason: "connect")) == .notSent)
        #expect(HTTPCaller.classify(HTTPClientError.connectTimeout) == .notSent)
        #expect(HTTPCaller.classify(HTTPClientError.readTimeout) == .timeout)
        #expect(HTTPCaller.classify(HTTPClientError.remoteConnectionClosed) == .connectionLost)
    }

    /// A failed download reaches the metrics as a failed send does: both are told, with no status.
    @Test func aFailedDownloadIsObservedLikeAFailedSend() async throws {
        let (port, holder) = try Self.closedPort()
        defer { close(holder) }
        let client = HTTPCaller.makeClient()
        var caller = HTTPCaller(client: client, clock: SystemClock())
        let seen = Seen()
        caller.observe = { purpose, status, _ in seen.add("\(purpose):\(status.map(String.init) ?? "none")") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("download-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try #require(FileHandle(forWritingAtPath: path))
        await #expect(throws: TransportFailure.self) {
            _ = try await caller.download(
                method: .get, url: "http://127.0.0.1:\(port)/result", headers: [:], timeoutMillis: 5_000,
                purpose: .reconcile, into: file, maxBytes: 1 << 20)
        }
        await #expect(throws: TransportFailure.self) {
            _ = try await caller.send(
                method: .get, url: "http://127.0.0.1:\(port)/status", headers: [:], body: nil, timeoutMillis: 5_000,
                purpose: .reconcile)
        }
        try file.close()
        try await client.shutdown()
        #expect(seen.all == ["reconcile:none", "reconcile:none"])
    }

    /// A download whose connection goes quiet mid-answer (a link cut: no reset, no close) ends after the idle time,
    /// not at its deadline, which is sized for a large file and held a look batch for five minutes in the partition test.
    @Test func aDownloadThatGoesQuietEndsAfterTheIdleTime() async throws {
        let server = try QuietServer()
        defer { server.stop() }
        let client = HTTPCaller.makeClient()
        let caller = HTTPCaller(client: client, clock: SystemClock())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("download-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try #require(FileHandle(forWritingAtPath: path))
        do {
            _ = try await caller.download(
                method: .get, url: "http://127.0.0.1:\(server.port)/history", headers: [:], timeoutMillis: 20_000, idleMillis: 300,
                purpose: .reconcile, into: file, maxBytes: 1 << 20)
            Issue.record("a quiet download came back")
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.message == "no byte for 300 ms", "ended by the idle watchdog, not the deadline: \(error.message)")
        }
        try file.close()
        try await client.shutdown()
        #expect(server.served, "the server sent a head and part of the body before going quiet")
    }

    /// Answers every request with a head and 3 of 1,000 bytes, then says nothing more until stopped (on a thread of its
    /// own: blocking calls never run on the tests' cooperative threads).
    final class QuietServer: @unchecked Sendable {
        let port: Int
        private let listener: Int32
        private let lock = NSLock()
        private var accepted: [Int32] = []
        private var didServe = false

        init() throws {
            listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let listener = self.listener
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0
                }
            }
            guard bound, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread.detachNewThread { [self] in serve() }
        }

        var served: Bool { lock.withLock { didServe } }

        private func serve() {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                lock.withLock { accepted.append(connection) }
                var buffer = [UInt8](repeating: 0, count: 4_096)
                _ = read(connection, &buffer, buffer.count)
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nabc"
                _ = head.withCString { write(connection, $0, strlen($0)) }
                lock.withLock { didServe = true }
            }
        }

        func stop() {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            for connection in lock.withLock({ accepted }) { close(connection) }
        }
    }

    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ item: String) { lock.withLock { items.append(item) } }
        var all: [String] { lock.withLock { items } }
    }

    /// A loopback port nobody listens on, and the socket that holds it (bound, never listening: a connection is refused,
    /// and no other test's server can take the port meanwhile, as one once did). The caller closes `holder`.
    static func closedPort() throws -> (port: Int, holder: Int32) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else {
            close(socket)
            throw POSIXError(.EADDRINUSE)
        }
        return (Int(UInt16(bigEndian: address.sin_port)), socket)
    }
}
