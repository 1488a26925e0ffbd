import Foundation
import Prometheus

/// Ingests in progress, in all and per API key. Beyond either cap a new ingest is refused before a byte of its body
/// is read: each one holds a thread, a spool file and (on SQLite) a turn at the one writer the workers need too.
final class IngestGate: @unchecked Sendable {
    /// Ingests at once, in all.
    let total: Int
    /// Ingests at once under one named key (keyless callers share only the total).
    let perKey: Int
    private let lock = NSLock()
    private var running = 0
    private var byKey: [String: Int] = [:]
    private let gauge: Gauge?

    init(total: Int, perKey: Int, registry: PrometheusCollectorRegistry?) {
        self.total = max(1, total)
        self.perKey = max(1, perKey)
        gauge = registry?.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "journeyq_http_ingests_in_progress", unitName: "", helpText: "Ingests being read or enqueued now."))
    }

    /// Takes a place for an ingest under `key`; nil when the server or the key has none free.
    func enter(key: String?) -> Ticket? {
        let taken: Int? = lock.withLock {
            guard running < total else { return nil }
            if let key {
                guard byKey[key, default: 0] < perKey else { return nil }
                byKey[key, default: 0] += 1
            }
            running += 1
            return running
        }
        guard let taken else { return nil }
        gauge?.set(Int64(taken))
        return Ticket(gate: self, key: key)
    }

    fileprivate func leave(key: String?) {
        let now: Int = lock.withLock {
            running -= 1
            if let key {
                byKey[key, default: 1] -= 1
                if byKey[key] == 0 { byKey[key] = nil }
            }
            return running
        }
        gauge?.set(Int64(now))
    }

    /// A place held; given back exactly once, when the ingest's answer is made.
    final class Ticket: @unchecked Sendable {
        private let gate: IngestGate
        private let key: String?
        private let lock = NSLock()
        private var held = true

        fileprivate init(gate: IngestGate, key: String?) {
            self.gate = gate
            self.key = key
        }

        func release() {
            guard
                lock.withLock({ () -> Bool in
                    defer { held = false }; return held
                })
            else { return }
            gate.leave(key: key)
        }

        deinit { release() }
    }
}
