/// Requests by endpoint and status, and faults injected: what `GET /_sim/stats` shows.
struct SimulatorStats: Sendable {
    private(set) var requests: [String: [Int: Int]] = [:]
    private(set) var faults: [String: Int] = [:]
    /// Requests being answered now, and the most there ever were at once.
    private(set) var inFlight = 0
    private(set) var peakInFlight = 0
    /// Journey history downloads that named no contact keys: the whole account's history for the window, which
    /// a client reconciling its own contacts never needs.
    var unfilteredHistoryDownloads = 0

    mutating func started() {
        inFlight += 1
        peakInFlight = max(peakInFlight, inFlight)
    }

    mutating func finished() { inFlight -= 1 }

    mutating func request(_ endpoint: String, status: Int) {
        requests[endpoint, default: [:]][status, default: 0] += 1
    }

    mutating func fault(_ name: String) {
        faults[name, default: 0] += 1
    }
}
