import JourneyQueue

extension SFMCKind {
    public static let authURL = Setting(
        "authURL", .url, "the Marketing Cloud auth host (`https://…auth…`); plain `http` only for loopback")
    public static let restURL = Setting("restURL", .url, "the Marketing Cloud REST host (`https://…rest…`)")
    public static let clientId = Setting("clientId", .text(default: nil), "the installed package's client id", defaultNote: "required")
    public static let clientSecret = Setting("clientSecret", .secret, "the installed package's client secret")
    public static let accountId = Setting(
        "accountId", .text(default: nil), "the business unit's MID, sent as `account_id` with the token request")
    public static let eventDefinitionKey = Setting(
        "eventDefinitionKey", .text(default: nil), "the entry event's key (no periods)", defaultNote: "required")
    public static let journeyKey = Setting(
        "journeyKey", .text(default: nil), "the journey's key, which contactMembership reports and the journey watch checks")
    public static let transientMemberErrorCodes = Setting(
        "transientMemberErrorCodes", .list(default: ["10000"]), "async member error codes that mean \"try again\"")
    public static let journeyHistory = Setting(
        "journeyHistory", .flag(default: true), "with `journeyKey`: read the journey history where membership cannot decide")
    public static let historyEnteredStatuses = Setting(
        "historyEnteredStatuses", .list(default: ["Complete"]), "statuses of an entry row that mean entered")
    public static let historyRefusedStatuses = Setting(
        "historyRefusedStatuses", .list(default: ["Failed", "Error"]),
        "statuses of an entry row that mean the contact could not enter")
    public static let historyEntryActivityTypes = Setting(
        "historyEntryActivityTypes", .list(default: ["trigger"]),
        "activity types whose rows record an entry (empty: every row)")
    public static let historyClockMargin = Setting(
        "historyClockMargin", .duration(default: 60_000, range: 0...3_600_000),
        "clocks differ: a row this long before the request still counts as after it, and completeness is taken this much later",
        legacy: .seconds("historyClockMarginSeconds"))
    public static let historyFreshnessMargin = Setting(
        "historyFreshnessMargin", .duration(default: 60_000, range: 0...86_400_000),
        "added to the lag the freshness endpoint reports before the history counts as complete",
        legacy: .seconds("historyFreshnessMarginSeconds"))
    public static let historyTimeZone = Setting(
        "historyTimeZone", .text(default: "auto"),
        "zone of history times written without an offset: `auto` (established from the file), `UTC` or `±hh:mm`")
    public static let lookGather = Setting(
        "lookGather", .duration(default: 10_000, range: 0...600_000),
        "with the journey history: after a look that leased fewer contacts than one download takes (1,000), how long at most to let "
            + "more come due before the next (once nothing is left to send, a full download goes as soon as it is due, and under "
            + "`--until-drained` the last contacts too)",
        legacy: .seconds("lookGatherSeconds"))

    public static let all = [
        authURL, restURL, clientId, clientSecret, accountId, eventDefinitionKey, journeyKey, transientMemberErrorCodes, journeyHistory,
        historyEnteredStatuses, historyRefusedStatuses, historyEntryActivityTypes, historyClockMargin, historyFreshnessMargin,
        historyTimeZone, lookGather,
    ]
}
