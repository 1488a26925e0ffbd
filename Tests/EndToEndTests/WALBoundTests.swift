import Foundation
import GRDB
import JourneyQueue
import JourneyQueueSQLite
import Testing

/// The WAL stays bounded while an export is read as slowly as a stalled pipe, for the whole of a drain.
@Suite(.timeLimit(.minutes(12))) struct WALBoundTests {
    /// The WAL's bound in this test: a few checkpoint intervals' worth of the daemon's writes, far below what the drain
    /// writes in all. README's operations section quotes it.
    static let boundBytes: Int64 = 16 << 20

    @Test func aStalledExportDoesNotHoldTheWALOpenThroughADrain() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...0 }) { harness in
            let contacts = 20_000
            try harness.enqueue(contacts)
            let walPath = harness.store.path + "-wal"
            // The reader: an export whose consumer stops after its first row until the drain is over.
            let export = StalledExport()
            let reader = Thread {
                do {
                    try harness.store.eachContact(destination: nil, state: nil, since: nil) { row in
                        export.received(row.key)
                    }
                    export.finish()
                } catch { export.failed(error) }
            }
            reader.start()
            export.waitUntilStalled()
            let sampler = WALSampler(path: walPath)
            let sampling = Task { await sampler.run() }
            try await harness.work(try harness.configs(), deadline: 240, checkpoint: { try harness.store.checkpoint(passive: true) })
            sampling.cancel()
            _ = await sampling.value
            let written = try SQLiteInspection.int(path: harness.store.path, "SELECT COUNT(*) FROM contact WHERE state = 5")
            export.resume()
            let keys = export.waitUntilDone()
            #expect(written == contacts)
            #expect(keys.count == contacts && Set(keys).count == contacts, "the export saw every contact once")
            let peak = sampler.peak
            #expect(peak > 0, "the WAL was sampled")
            #expect(peak < Self.boundBytes, "the WAL reached \(peak) bytes while the export was stalled")
            // Measured: about 4 MB paged; 100 MB when the export read in one transaction (its snapshot pins every frame).
            #expect(sampler.samples > 10)
        }
    }
}

/// An export consumer that stalls after its first row until told to go on.
final class StalledExport: @unchecked Sendable {
    private let condition = NSCondition()
    private var keys: [String] = []
    private var stalled = false
    private var released = false
    private var done = false
    private var error: (any Error)?

    func received(_ key: String) {
        condition.lock()
        defer { condition.unlock() }
        keys.append(key)
        if keys.count == 1 {
            stalled = true
            condition.broadcast()
            while !released { condition.wait() }
        }
    }

    func failed(_ error: any Error) {
        condition.lock()
        self.error = error
        stalled = true
        done = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilStalled() {
        condition.lock()
        while !stalled { condition.wait() }
        condition.unlock()
    }

    func resume() {
        condition.lock()
        released = true
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilDone() -> [String] {
        condition.lock()
        defer { condition.unlock() }
        while !done { condition.wait() }
        return keys
    }
}

/// The WAL file's largest size, sampled every 20 ms until cancelled.
final class WALSampler: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var largest: Int64 = 0
    private var count = 0

    init(path: String) { self.path = path }

    var peak: Int64 { lock.withLock { largest } }
    var samples: Int { lock.withLock { count } }

    func run() async {
        while !Task.isCancelled {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            lock.withLock {
                largest = max(largest, size)
                count += 1
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
