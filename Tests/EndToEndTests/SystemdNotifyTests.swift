import AsyncHTTPClient
import Foundation
import Testing

/// `serve` and `work` speak systemd's notify protocol over a real `NOTIFY_SOCKET`: ready only once they can work, the
/// watchdog fed while the store answers, and "stopping" when a signal starts the drain.
@Suite(.timeLimit(.minutes(12))) struct SystemdNotifyTests {
    /// The socket systemd would listen on: a datagram socket bound at a path.
    final class NotifySocket: @unchecked Sendable {
        let path: String
        let fd: Int32
        private let lock = NSLock()
        private var received: [String] = []

        init(path: String) throws {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, bound == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot bind \(path)"])
            }
        }

        /// Every datagram so far, in order (reads what has arrived without waiting).
        var messages: [String] {
            lock.withLock {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                    guard count > 0 else { break }
                    received.append(String(decoding: buffer[0..<count], as: UTF8.self))
                }
                return received
            }
        }

        deinit {
            close(fd)
            unlink(path)
        }
    }

    @Test func serveIsReadyOnlyWithItsListenerBoundFeedsTheWatchdogAndSaysWhenItStops() async throws {
        let scratch = try Scratch()
        let (simulator, _, config) = try await startSimulator(scratch)
        defer { simulator.signal(SIGKILL) }
        let notify = try NotifySocket(path: scratch.path("notify.sock"))
        let serve = try BackgroundProcess(
            ["serve", "--db", scratch.path("q.sqlite"), "--config", config, "--listen", "127.0.0.1:0", "--log-level", "warning"],
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"], scratch: scratch, name: "serve")
        try await waitFor(seconds: 60) { notify.messages.contains { $0.contains("READY=1") } }
        let ready = try #require(notify.messages.first { $0.contains("READY=1") })
        #expect(ready.contains("STATUS=serving on http://127.0.0.1:"))
        // Ready means answering: the address it announced takes a request now.
        let address = try #require(
            serve.stdout.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression).map { String(serve.stdout[$0]) })
        let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: address + "/healthz"), timeout: .seconds(10))
        #expect(health.status == .ok)
        // 0.6 s of watchdog: a probe and a ping every 0.2 s while the store takes writes.
        try await waitFor(seconds: 120) { notify.messages.filter { $0 == "WATCHDOG=1" }.count >= 3 }
        #expect(notify.messages.filter { $0 == "WATCHDOG=1" }.count >= 3)

        serve.signal(SIGTERM)
        try await waitFor(seconds: 120) { notify.messages.contains { $0.contains("STOPPING=1") } }
        #expect(notify.messages.contains { $0.hasPrefix("STOPPING=1\nSTATUS=draining") })
        #expect(try await serve.waitForExit(seconds: 60) == 0)
    }

    @Test func workIsReadyOnceItsStoreIsOpenAndIsQuietWithoutSystemd() async throws {
        let scratch = try Scratch()
        let (simulator, _, config) = try await startSimulator(scratch)
        defer { simulator.signal(SIGKILL) }
        let notify = try NotifySocket(path: scratch.path("notify.sock"))
        let work = try BackgroundProcess(
            ["work", "--db", scratch.path("q.sqlite"), "--config", config, "--log-level", "warning"],
            environment: ["NOTIFY_SOCKET": notify.path], scratch: scratch, name: "work")
        try await waitFor(seconds: 60) { notify.messages.contains { $0.contains("READY=1") } }
        #expect(notify.messages.contains { $0.hasPrefix("READY=1\nSTATUS=working:") })
        // No WATCHDOG_USEC, no watchdog: nothing but the state changes goes to the socket.
        #expect(!notify.messages.contains("WATCHDOG=1"))
        work.signal(SIGTERM)
        #expect(try await work.waitForExit(seconds: 60) == 0)
        #expect(notify.messages.contains { $0.contains("STOPPING=1") })
        #expect(FileManager.default.fileExists(atPath: scratch.path("q.sqlite")))
    }
}
