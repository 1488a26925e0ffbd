import Foundation

/// The host's clock plus an offset kept in a file (signed milliseconds), read again at most once a second: a drill's
/// stand-in for a host whose clock is wrong, or steps while journeyq runs (`--clock-offset-file`). Why not libfaketime:
/// it shifts CLOCK_BOOTTIME too, which Swift's `Task.sleep` waits on, so every sleep ends early or late by the offset.
public final class OffsetFileClock: WallClock, @unchecked Sendable {
    /// The file could not be read, or does not hold one whole number of milliseconds.
    public struct Unreadable: Error, CustomStringConvertible {
        /// The file named.
        public let path: String
        /// What went wrong.
        public let reason: String

        public var description: String { "\(path): \(reason)" }
    }

    private let path: String
    private let host: any WallClock
    private let monotonic: @Sendable () -> Int64
    private let lock = NSLock()
    private var offset: Int64
    private var readAt: Int64

    /// Reads `path` once now: a file that cannot be read fails here, before the clock is used.
    public init(
        path: String, host: any WallClock = SystemClock(),
        monotonic: @escaping @Sendable () -> Int64 = { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }
    ) throws(Unreadable) {
        self.path = path
        self.host = host
        self.monotonic = monotonic
        offset = try Self.read(path)
        readAt = monotonic()
    }

    public func nowMillis() -> Int64 {
        let current = lock.withLock { () -> Int64 in
            let now = monotonic()
            if now - readAt >= 1_000 {
                readAt = now
                // A file being rewritten may be read empty for a moment: the last offset stands until it reads whole.
                if let fresh = try? Self.read(path) { offset = fresh }
            }
            return offset
        }
        return host.nowMillis() + current
    }

    static func read(_ path: String) throws(Unreadable) -> Int64 {
        guard let data = FileManager.default.contents(atPath: path) else { throw Unreadable(path: path, reason: "cannot be read") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let millis = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
            throw Unreadable(path: path, reason: "'\(text.prefix(40))' is not a whole number of milliseconds (e.g. 90000 or -30000)")
        }
        return millis
    }
}
