import JourneyQueue

/// What the contacts still waiting at a destination will cost in API calls, at the rate measured on its ledger so far,
/// against its daily budget: `journeyq check` says it before a run.
public enum CallEstimate {
    /// A check line for `destination` (nil when nothing waits): the estimate, or why there is none yet.
    public static func check(_ destination: DestinationCounts, callsPerDay budget: Int?) -> PreflightCheck? {
        let waiting = destination.live
        guard waiting > 0 else { return nil }
        guard let rate = destination.callsPerHundred, rate > 0 else {
            return PreflightCheck(
                "API calls", .unknown, "\(waiting) contacts wait; no calls measured at this destination yet to estimate from")
        }
        let calls = Int((Double(waiting) * rate / 100).rounded(.up))
        var detail = "≈ \(calls) calls for the \(waiting) contacts waiting, at the \(rate) per 100 contacts measured so far"
        if let budget {
            let days = Double(calls) / Double(budget)
            detail +=
                days <= 1 ? "; within a day's budget of \(budget)" : "; about \(Int(days.rounded(.up))) days of a budget of \(budget) a day"
        }
        return PreflightCheck("API calls", .passed, detail)
    }
}

extension DestinationCounts {
    /// All calls per 100 contacts so far, from the ledger's counters.
    var callsPerHundred: Double? { callsPer100Contacts?["all"] }
}
