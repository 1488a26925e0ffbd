/// The settings every destination has, whatever its kind (`destinations.NAME`), and those of its `retry:`, `circuit:` and
/// `sendWindow:` mappings. Each kind adds its own (`DestinationKindDefinition.settings`).
public enum DestinationSettings {
    public static let kind = Setting(
        "kind", .text(default: nil), "what the destination is: one of the kinds whose settings follow", defaultNote: "required")
    public static let batchSize = Setting(
        "batchSize", .integer(default: nil, range: 1...1_000_000), "contacts per request (or file, or job), at most the kind's largest",
        defaultNote: "100 (async, max 100), 500 (batchcontactevents, max 10,000), 1 (events), 10,000 (Bulk); Symplify 1,000")
    public static let requestsPerSecond = Setting(
        "requestsPerSecond", .number(default: 10, range: 0.01...100_000),
        "requests started per second, shared by submission and reconciliation (token requests aside)")
    public static let concurrency = Setting("concurrency", .integer(default: 2, range: 1...256), "requests in flight at once")
    public static let timeout = Setting(
        "timeout", .duration(default: 10_000, range: 50...3_600_000), "how long one request may take to be answered",
        legacy: .seconds("timeoutSeconds"))
    public static let lease = Setting(
        "lease", .duration(default: 60_000, range: 1_000...86_400_000),
        "a claimed batch's lease, renewed every third of its length while in flight; at least 1.5 × `timeout`, so that a request "
            + "ends within the two thirds a missed renewal leaves (each write-ahead also extends it past its request's deadline)",
        legacy: .seconds("leaseSeconds"))
    public static let sendWindow = Setting(
        "sendWindow", .section, "when contacts may enter, in their own zone or the window's (see Send windows)",
        defaultNote: "none (any time)")
    public static let settle = Setting(
        "settle", .duration(default: 60_000, range: 0...86_400_000),
        "how long after a request the remote may still be entering contacts; no look before", legacy: .seconds("settleSeconds"))
    public static let lateArrival = Setting(
        "lateArrival", .duration(default: 120_000, range: 0...3_600_000),
        "how long after its deadline a request that got no answer (or a 5xx) may still reach the remote: the kernel keeps "
            + "sending a closed connection's bytes (about 100 s on Linux); its contacts are looked at only after this and `settle`. "
            + "Where a worker can be frozen mid-request (SIGSTOP, a paused VM), its open socket may retransmit for 15 minutes: use `15m`")
    public static let retry = Setting("retry", .section, "attempts and backoff (below)", defaultNote: "below")
    public static let throttlePause = Setting(
        "throttlePause", .duration(default: 10_000, range: 10...3_600_000), "pause after a 429 that gives no `Retry-After`",
        legacy: .seconds("throttlePauseSeconds"))
    public static let maxPause = Setting(
        "maxPause", .duration(default: 900_000, range: 1_000...86_400_000),
        "longest pause any answer may impose (`Retry-After`, `retryAfter`, a 503)", legacy: .seconds("maxPauseSeconds"))
    public static let ambiguousOutcome = Setting(
        "ambiguousOutcome", .choice(default: "dead", among: ["retry", "dead"]),
        "where no look is possible: `retry` (may enter twice; counted) or `dead`")
    public static let verifyAttempts = Setting(
        "verifyAttempts", .integer(default: 10, range: 1...1_000),
        "looks the remote answered without deciding before a contact ends `unverifiable`; outages of the look endpoints do not count")
    public static let lookBeforeFirstSend = Setting(
        "lookBeforeFirstSend", .flag(default: true),
        "look up membership before a contact's first request (SFMC kinds), so that an earlier member is never confirmed by membership alone"
    )
    public static let membershipListsExited = Setting(
        "membershipListsExited", .flag(default: false),
        "contactMembership lists contacts that already left the journey (unknown for the real API): then \"not a member\" proves "
            + "\"never entered\"")
    public static let minimumStay = Setting(
        "minimumStay", .duration(default: 0, range: 0...31_536_000_000),
        "contacts stay in the journey at least this long: a look sooner than this after the request proves absence (0: unknown)",
        legacy: .seconds("minimumStaySeconds"))
    public static let circuit = Setting("circuit", .section, "when failures pause the destination (below)", defaultNote: "below")
    public static let journeyCheck = Setting(
        "journeyCheck", .duration(default: 300_000, range: 0...86_400_000),
        "how often the daemon asks whether the journey still takes entries (SFMC kinds with `journeyKey`); 0s: never",
        legacy: .seconds("journeyCheckSeconds"))
    public static let outageLimit = Setting(
        "outageLimit", .duration(default: 3_600_000, range: 1_000...31_536_000_000),
        "how long `work --until-drained` waits for a destination that stays unavailable, then exits 1",
        legacy: .seconds("outageLimitSeconds"))
    public static let dailyCallBudget = Setting(
        "dailyCallBudget", .integer(default: nil, range: 1...1_000_000_000_000),
        "API calls a rolling day may hold: looks slow down from 80 % of it and wait once it is spent; submissions never wait on it")
    public static let annualCallQuota = Setting(
        "annualCallQuota", .integer(default: nil, range: 365...1_000_000_000_000),
        "instead of `dailyCallBudget`: the account's yearly quota, divided by 365")

    /// `destinations.NAME`, in the order the README lists them.
    public static let all: [Setting] = [
        kind, batchSize, requestsPerSecond, concurrency, timeout, lease, sendWindow, settle, lateArrival, retry, throttlePause, maxPause,
        ambiguousOutcome, verifyAttempts, lookBeforeFirstSend, membershipListsExited, minimumStay, circuit, journeyCheck, outageLimit,
        dailyCallBudget, annualCallQuota,
    ]

    /// `retry:`: capped exponential backoff with full jitter.
    public enum Retry {
        public static let maxAttempts = Setting(
            "maxAttempts", .integer(default: 8, range: 1...1_000), "attempts before a contact is `dead`")
        public static let baseDelay = Setting(
            "baseDelay", .duration(default: 1_000, range: 1...86_400_000), "the first backoff's ceiling", legacy: .millis("baseDelayMillis")
        )
        public static let maxDelay = Setting(
            "maxDelay", .duration(default: 300_000, range: 1...86_400_000), "the largest backoff ceiling", legacy: .millis("maxDelayMillis")
        )
        public static let all = [maxAttempts, baseDelay, maxDelay]
    }

    /// `circuit:`: consecutive 5xx and timeouts of submissions pause the destination; the same for looks pause only the looks.
    public enum Circuit {
        public static let failureThreshold = Setting(
            "failureThreshold", .integer(default: 5, range: 1...1_000), "consecutive failures that open the circuit")
        public static let base = Setting(
            "base", .duration(default: 1_000, range: 10...3_600_000), "the first pause; each reopening doubles it",
            legacy: .seconds("baseSeconds"))
        public static let max = Setting(
            "max", .duration(default: 60_000, range: 10...86_400_000), "the longest pause", legacy: .seconds("maxSeconds"))
        public static let all = [failureThreshold, base, max]
    }

    /// `sendWindow:`: when contacts may enter.
    public enum Window {
        public static let days = Setting(
            "days", .list(default: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), "the days the window opens (its `from` day)")
        public static let from = Setting("from", .text(default: nil), "opening time, `HH:MM` or `HH:MM:SS`", defaultNote: "required")
        public static let to = Setting(
            "to", .text(default: nil), "closing time (`24:00` is midnight; before `from`: across midnight)", defaultNote: "required")
        public static let zone = Setting("zone", .text(default: "UTC"), "the IANA zone of the times")
        public static let zoneField = Setting(
            "zoneField", .text(default: nil), "a contact field naming the contact's own zone (unknown or absent: `zone`)")
        public static let all = [days, from, to, zone, zoneField]
    }
}

/// `retention:`: how long finished work is kept.
public enum RetentionSettings {
    public static let contacts = Setting(
        "contacts", .duration(default: 30 * 86_400_000, range: 1...315_360_000_000),
        "finished contacts (confirmed, unverifiable, dead) are deleted this long after their last change; `keep`: never")
    public static let ledger = Setting(
        "ledger", .duration(default: 30 * 86_400_000, range: 1...315_360_000_000), "requests and answers of finished work; `keep`: never")
    public static let idempotencyKeys = Setting(
        "idempotencyKeys", .duration(default: 86_400_000, range: 1...315_360_000_000),
        "an ingest's `Idempotency-Key` is forgotten after this (the same key then enqueues again); `keep`: never")
    public static let every = Setting("every", .duration(default: 600_000, range: 1_000...86_400_000), "how often the daemon prunes")
    public static let all = [contacts, ledger, idempotencyKeys, every]
}
