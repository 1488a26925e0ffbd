import Foundation
import JourneyQueue
import Testing

/// A drill's clock: the host's time plus the offset a file holds, read again once a second, so a step can be made
/// while a daemon runs; a file that does not hold a number fails at the start, and a torn rewrite is not followed.
@Suite struct OffsetFileClockTests {
    final class Monotonic: @unchecked Sendable {
        private let lock = NSLock()
        private var millis: Int64 = 10_000
        func pass(_ by: Int64) { lock.withLock { millis += by } }
        func read() -> Int64 { lock.withLock { millis } }
    }

    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-offset-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theOffsetIsReadAgainOnceASecond() throws {
        let path = try file("+90000\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let host = ManualClock(startingAt: 1_800_000_000_000)
        let monotonic = Monotonic()
        let clock = try OffsetFileClock(path: path, host: host, monotonic: { monotonic.read() })
        #expect(clock.nowMillis() == 1_800_000_090_000)

        try Data("-30000".utf8).write(to: URL(fileURLWithPath: path))
        monotonic.pass(999)
        #expect(clock.nowMillis() == 1_800_000_090_000, "read again only after a second")
        monotonic.pass(1)
        #expect(clock.nowMillis() == 1_799_999_970_000)
    }

    @Test func aTornRewriteKeepsTheLastOffset() throws {
        let path = try file("120000")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let host = ManualClock(startingAt: 1_800_000_000_000)
        let monotonic = Monotonic()
        let clock = try OffsetFileClock(path: path, host: host, monotonic: { monotonic.read() })
        try Data().write(to: URL(fileURLWithPath: path))
        monotonic.pass(1_000)
        #expect(clock.nowMillis() == 1_800_000_120_000)
    }

    @Test func aFileWithoutANumberFailsAtTheStart() throws {
        let path = try file("+90s")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try OffsetFileClock(path: path)
        } throws: { error in
            (error as? OffsetFileClock.Unreadable).map { $0.path == path && $0.description.contains("'+90s'") } ?? false
        }
        #expect(throws: OffsetFileClock.Unreadable.self) { _ = try OffsetFileClock(path: path + ".missing") }
    }
}
