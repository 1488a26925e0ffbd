import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tells systemd how the service is doing (`sd_notify`'s protocol: datagrams of `KEY=value` lines to the socket named by
/// `NOTIFY_SOCKET`), so that a `Type=notify` unit counts as started only once journeyq can work, and its watchdog
/// restarts a daemon that stopped answering.
public struct SystemdNotifier: Sendable {
    /// The socket's path; a leading `@` names an abstract socket.
    public let socketPath: String
    /// How often systemd expects `WATCHDOG=1` (`WATCHDOG_USEC`), when its watchdog watches this process.
    public let watchdogMillis: Int64?

    /// The notifier systemd asked for through the environment, or nil when not run by systemd as `Type=notify`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SystemdNotifier? {
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@") else { return nil }
        var watchdog: Int64?
        // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited the variables is not it.
        if let micros = environment["WATCHDOG_USEC"].flatMap(Int64.init), micros > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdog = max(micros / 1000, 1)
        }
        return SystemdNotifier(socketPath: path, watchdogMillis: watchdog)
    }

    public init(socketPath: String, watchdogMillis: Int64? = nil) {
        self.socketPath = socketPath
        self.watchdogMillis = watchdogMillis
    }

    /// The service is up: the store is open (and, for `serve`, the listener bound).
    @discardableResult public func ready(status: String) -> Bool { send("READY=1\nSTATUS=\(status)") }
    /// The service is draining: systemd waits for it (up to `TimeoutStopSec`) instead of counting it hung.
    @discardableResult public func stopping(status: String) -> Bool { send("STOPPING=1\nSTATUS=\(status)") }
    /// The daemon's loop is alive (the store answered since the last one).
    @discardableResult public func watchdog() -> Bool { send("WATCHDOG=1") }
    /// A line for `systemctl status`.
    @discardableResult public func status(_ text: String) -> Bool { send("STATUS=\(text)") }

    /// Sends one datagram; false when it could not be sent (systemd gone, a path too long). Never throws: telling
    /// systemd is worth a try, not a reason to stop.
    @discardableResult public func send(_ message: String) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        if abstract { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: path) }
        // An abstract name is exactly its bytes; a path carries its terminating NUL.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (abstract ? 0 : 1))
        #if canImport(Glibc)
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { buffer in
                    #if canImport(Glibc)
                        sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                    #else
                        sendto(fd, buffer.baseAddress, buffer.count, 0, socketAddress, length)
                    #endif
                }
            }
        }
        return sent == bytes.count
    }
}
