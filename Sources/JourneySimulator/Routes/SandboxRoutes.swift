import Hummingbird

/// The sandbox's own endpoints: ground truth and statistics for tests and users.
enum SandboxRoutes {
    static func register(on router: Router<BasicRequestContext>, state: SimulatorState) {
        router.get("/_sim/journeys") { _, _ -> Response in
            let truth = await state.truth()
            return HTTPAnswers.json(200, ["journeys": truth.map { ["destination": $0.destination, "key": $0.key, "entries": $0.entries] }])
        }

        router.get("/_sim/stats") { _, _ -> Response in
            let stats = await state.statistics()
            let unfiltered = await state.unfilteredHistoryDownloads()
            let requests = stats.requests.mapValues { Dictionary(uniqueKeysWithValues: $0.map { (String($0.key), $0.value) }) }
            return HTTPAnswers.json(200, ["requests": requests, "faults": stats.faults, "tokensIssued": stats.tokensIssued,
                                          "tokensRevoked": stats.tokensRevoked, "silentlyDropped": stats.silentlyDropped,
                                          "blockedEntries": stats.blocked, "peakInFlight": stats.peakInFlight,
                                          "unfilteredHistoryDownloads": unfiltered])
        }
    }
}
