import JourneyQueue

/// An account's API calls against its budget, over a rolling day: every request a destination makes counts. Looks are
/// what journeyq can spend less of without risk (a contact waits longer for its verdict); submissions never wait on the
/// budget. From `slowFrom` of the budget on, looks are spaced out more and more; at the whole budget they wait until
/// calls of a day ago leave the window. Pure arithmetic on the times it is given, so tests drive it without sleeping.
public struct CallBudget: Sendable, Equatable {
    /// Calls a rolling day may hold.
    public let callsPerDay: Int
    /// The share of the budget from which looks slow down.
    public let slowFrom: Double
    /// The longest pause between looks before the budget is spent.
    public let maxLookPauseMillis: Int64
    /// Calls per minute of the last day, oldest first, and the minute the last slot belongs to.
    private var minutes: [Int] = Array(repeating: 0, count: CallBudget.window)
    private var lastMinute: Int64 = 0
    private var lastLook: Int64?

    static let window = 1_440

    public init(callsPerDay: Int, slowFrom: Double = 0.8, maxLookPauseMillis: Int64 = 60_000) {
        self.callsPerDay = max(callsPerDay, 1)
        self.slowFrom = slowFrom
        self.maxLookPauseMillis = maxLookPauseMillis
    }

    /// A request went out at `now`.
    public mutating func record(now: Int64) {
        roll(to: now)
        minutes[minutes.count - 1] += 1
    }

    /// Calls in the rolling day that ends at `now`.
    public mutating func used(now: Int64) -> Int {
        roll(to: now)
        return minutes.reduce(0, +)
    }

    /// How long a look must wait at `now` (0: go). Spends nothing: `lookStarted` says that one went.
    public mutating func lookWait(now: Int64) -> Int64 {
        let share = Double(used(now: now)) / Double(callsPerDay)
        guard share >= slowFrom else { return 0 }
        if share >= 1 {
            // Until the oldest minute that holds calls leaves the window.
            let oldest = minutes.firstIndex { $0 > 0 } ?? 0
            return max((Int64(oldest) + 1) * 60_000 - now % 60_000, 1_000)
        }
        guard let lastLook else { return 0 }
        let pause = Int64(Double(maxLookPauseMillis) * (share - slowFrom) / (1 - slowFrom))
        return max(lastLook + pause - now, 0)
    }

    public mutating func lookStarted(now: Int64) { lastLook = now }

    /// The share of the budget used in the rolling day that ends at `now`.
    public mutating func share(now: Int64) -> Double { Double(used(now: now)) / Double(callsPerDay) }

    private mutating func roll(to now: Int64) {
        let minute = now / 60_000
        guard minute > lastMinute else { return }
        let gone = Int(min(minute - lastMinute, Int64(Self.window)))
        minutes.removeFirst(gone)
        minutes.append(contentsOf: repeatElement(0, count: gone))
        lastMinute = minute
    }
}
