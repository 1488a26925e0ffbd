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
            try await harness.enqueue(contacts)
            let walPath = harness.store.path + "-wal"
            // The reader: an export whose consumer stops after its first row until the drain is over.
            let export = StalledExport()
            let store = harness.store
            let reader = Task {
                try await store.eachContact(destination: nil, state: nil, since: nil) { row in await export.received(row.key) }
                return export.keys
            }
            await export.waitUntilStalled()
            let sampler = WALSampler(path: walPath)
            let sampling = Task { await sampler.run() }
            try await harness.work(try harness.configs(), deadline: 240, checkpoint: { try await harness.store.checkpoint(passive: true) })
            sampling.cancel()
            _ = await sampling.value
            let written = try SQLiteInspection.int(path: harness.store.path, "SELECT COUNT(*) FROM contact WHERE state = 5")
            export.resume()
            let keys = try await reader.value
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
    private let lock = NSLock()
    private var received: [String] = []
    private var stalledWaiter: CheckedContinuation<Void, Never>?
    private var releaseWaiter: CheckedContinuation<Void, Never>?
    private var stalled = false
    private var released = false

    var keys: [String] { lock.withLock { received } }

    /// Takes a row; the first one waits until `resume()`.
    func received(_ key: String) async {
        let first = lock.withLock { () -> Bool in
            received.append(key)
            return received.count == 1
        }
        guard first else { return }
        await withCheckedContinuation { continuation in
            let (waiter, goOn) = lock.withLock { () -> (CheckedContinuation<Void, Never>?, Bool) in
                stalled = true
                defer { stalledWaiter = nil }
                if !released { releaseWaiter = continuation }
                return (stalledWaiter, released)
            }
            waiter?.resume()
            if goOn { continuation.resume() }
        }
    }

    /// Returns once the first row is held.
    func waitUntilStalled() async {
        await withCheckedContinuation { continuation in
            let now = lock.withLock { () -> Bool in
                if stalled { return true }
                stalledWaiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    func resume() {
        let waiter = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            released = true
            defer { releaseWaiter = nil }
            return releaseWaiter
        }
        waiter?.resume()
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
