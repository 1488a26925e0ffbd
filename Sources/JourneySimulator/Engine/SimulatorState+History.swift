import Foundation

/// What one journey-history download asks for (docs/remote-apis.md §6.2): its body's filters and its query's columns.
struct HistoryQuery: Sendable {
    var start: Int64?
    var end: Int64?
    var contactKeys: Set<String>?
    var definitionIDs: Set<String>?
    var statuses: Set<String>?
    var activityTypes: Set<String>?
}

/// What goes wrong with a download (`--history-fault-rate`).
enum HistoryFault: Sendable {
    /// 500 before any byte of the file.
    case serverError
    /// The file starts, then the connection closes halfway through it.
    case cutOff
}

extension SimulatorState {
    /// The history is kept 30 days.
    static let historyRetentionMillis: Int64 = 30 * 86_400_000

    /// How far behind real events the history runs, in seconds (the freshness endpoint): the most a row can lag.
    func historyFreshnessSeconds() -> Int64 {
        (configuration.historyLagMillis.upperBound + 999) / 1000
    }

    /// The journey's definition id as the interactions API and the history name it.
    func definitionID(ofJourney journey: Int) -> String { Interaction.definitionID(index: journey + 1) }

    /// The rows the history has now that match `query`, oldest first: only rows the pipelines have caught up with, of the
    /// last 30 days, of Marketing Cloud journeys.
    func historyRows(_ query: HistoryQuery) -> [(row: JourneyEngine.HistoryRow, definitionID: String, journeyName: String)] {
        advance()
        let at = now
        let oldest = max(query.start ?? .min, at - Self.historyRetentionMillis)
        let candidates: [Int]
        if query.contactKeys == nil { stats.unfilteredHistoryDownloads += 1 }
        if let keys = query.contactKeys {
            candidates = keys.flatMap { engine.historyByContact[$0] ?? [] }.sorted()
        } else {
            candidates = Array(engine.history.indices)
        }
        return candidates.compactMap { index in
            let row = engine.history[index]
            let definition = definitionID(ofJourney: row.journey)
            guard row.time <= at, row.visibleAt <= at, row.time >= oldest, row.time <= (query.end ?? .max),
                query.definitionIDs.map({ $0.contains(definition) }) ?? true,
                query.statuses.map({ $0.contains(row.status) }) ?? true,
                query.activityTypes.map({ $0.contains(row.activityType.lowercased()) }) ?? true
            else { return nil }
            return (row, definition, "Sandbox journey \(engine.journeys[row.journey].key)")
        }
    }

    /// Journey history downloads that named no contact keys (`/_sim/stats`).
    public func unfilteredHistoryDownloads() -> Int { stats.unfilteredHistoryDownloads }

    /// Whether this download meets a fault, and which.
    func drawHistoryFault() -> HistoryFault? {
        guard random.chance(configuration.faults.historyFault) else { return nil }
        let cut = random.chance(0.5)
        stats.fault(cut ? "history_cut_off" : "history_server_error")
        return cut ? .cutOff : .serverError
    }
}
