import Hummingbird

/// The sandbox's own endpoints: ground truth and statistics for tests and users.
enum SandboxRoutes {
    static func register(on router: Router<BasicRequestContext>, state: SimulatorState) {
        router.get("/_sim/journeys") { _, _ -> Response in
            let truth = await state.truth()
            let times = await state.entryTimes()
            return HTTPAnswers.json(
                200,
                [
                    "journeys": zip(truth, times).map { journey, timed in
                        // Each entry as [entered at, its request arrived at], epoch milliseconds by the sandbox's clock.
                        [
                            "destination": journey.destination, "key": journey.key, "entries": journey.entries,
                            "entryTimes": timed.times.mapValues { $0.map { [$0.enteredAt, $0.requestedAt] } },
                        ] as [String: Any]
                    }
                ])
        }

        router.get("/_sim/stats") { _, _ -> Response in
            let stats = await state.statistics()
            let unfiltered = await state.unfilteredHistoryDownloads()
            let requests = stats.requests.mapValues { Dictionary(uniqueKeysWithValues: $0.map { (String($0.key), $0.value) }) }
            return HTTPAnswers.json(
                200,
                [
                    "requests": requests, "faults": stats.faults, "tokensIssued": stats.tokensIssued,
                    "tokensRevoked": stats.tokensRevoked, "silentlyDropped": stats.silentlyDropped,
                    "blockedEntries": stats.blocked, "peakInFlight": stats.peakInFlight,
                    "unfilteredHistoryDownloads": unfiltered,
                ])
        }
    }
}
