import Foundation
import NIOCore
import Prometheus

/// Every open connection of the listener and whether it is between requests, so that the cap on connections holds
/// without any key: when the cap is reached, the connection that has waited longest without sending a request head (an
/// idle keep-alive, a client that never finishes its headers) is closed for the new one. A connection in the middle of
/// a request is never closed for another; when every one is, the new connection is refused.
final class ConnectionRegistry: @unchecked Sendable {
    /// What happened to a new connection.
    enum Admission {
        case admitted
        /// Admitted in place of this connection, which the caller closes.
        case admittedEvicting(any Channel)
        case refused
    }

    /// Why a connection was closed by the server rather than by its client.
    enum ShedReason: String, CaseIterable {
        case evicted, refused, headerTimeout = "header_timeout", handshakeTimeout = "handshake_timeout"
    }

    private struct Entry {
        let channel: any Channel
        let sequence: UInt64
        var awaitingHead: Bool
    }

    private static var shedDescriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "journeyq_http_connections_shed_total", unitName: "",
            helpText: "Connections the API closed: evicted or refused at the cap, or past a deadline.")
    }

    /// Open connections at most.
    let limit: Int
    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]
    private var sequence: UInt64 = 0
    private let open: Gauge?
    private let shedCounters: [ShedReason: Counter]

    init(limit: Int, registry: PrometheusCollectorRegistry?) {
        self.limit = max(1, limit)
        open = registry?.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "journeyq_http_connections", unitName: "", helpText: "Connections open on the API listener."))
        var counters: [ShedReason: Counter] = [:]
        if let registry {
            for reason in ShedReason.allCases {
                counters[reason] = registry.makeCounter(descriptor: Self.shedDescriptor, labels: [("reason", reason.rawValue)])
            }
        }
        shedCounters = counters
    }

    /// Registers a new connection, making room by evicting the longest-waiting connection without a request if needed.
    func admit(_ channel: any Channel) -> Admission {
        let admission: Admission = lock.withLock {
            sequence += 1
            let entry = Entry(channel: channel, sequence: sequence, awaitingHead: true)
            guard entries.count >= limit else {
                entries[ObjectIdentifier(channel)] = entry
                return .admitted
            }
            guard let victim = entries.filter({ $0.value.awaitingHead }).min(by: { $0.value.sequence < $1.value.sequence }) else {
                return .refused
            }
            entries[victim.key] = nil
            entries[ObjectIdentifier(channel)] = entry
            return .admittedEvicting(victim.value.channel)
        }
        switch admission {
        case .admitted: break
        case .admittedEvicting: shed(.evicted)
        case .refused: shed(.refused)
        }
        open?.set(Int64(count))
        return admission
    }

    /// Marks a connection as inside a request (not evictable) or between requests.
    func setAwaitingHead(_ channel: any Channel, _ awaiting: Bool) {
        lock.withLock { entries[ObjectIdentifier(channel)]?.awaitingHead = awaiting }
    }

    /// Forgets a closed connection.
    func remove(_ channel: any Channel) {
        lock.withLock { entries[ObjectIdentifier(channel)] = nil }
        open?.set(Int64(count))
    }

    /// Counts a connection the server closed.
    func shed(_ reason: ShedReason) { shedCounters[reason]?.increment() }

    /// Connections open now.
    var count: Int { lock.withLock { entries.count } }
}
