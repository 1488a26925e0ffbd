/// API calls per 100 contacts: what an account's quota pays for each contact's entry and the proof of it.
public enum CallRates {
    /// Calls of each purpose (and `"all"`) per 100 contacts, one decimal's worth of precision kept; nil without contacts.
    public static func per100(_ calls: [CallPurpose: Int], contacts: Int) -> [String: Double]? {
        guard contacts > 0 else { return nil }
        var rates: [String: Double] = [:]
        for (purpose, count) in calls where count > 0 { rates[purpose.rawValue] = rounded(Double(count) * 100 / Double(contacts)) }
        rates["all"] = rounded(Double(calls.values.reduce(0, +)) * 100 / Double(contacts))
        return rates
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
