/// Requests by endpoint and status, and faults injected: what `GET /_sim/stats` shows.
struct SimulatorStats: Sendable {
    private(set) var requests: [String: [Int: Int]] = [:]
    private(set) var faults: [String: Int] = [:]

    mutating func request(_ endpoint: String, status: Int) {
        requests[endpoint, default: [:]][status, default: 0] += 1
    }

    mutating func fault(_ name: String) {
        faults[name, default: 0] += 1
    }
}
