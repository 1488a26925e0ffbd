import JourneyQueue

/// Connection settings shared by the Marketing Cloud destinations.
public struct SFMCSettings: Sendable {
    /// `https://{subdomain}.auth.marketingcloudapis.com` (no trailing slash).
    public var authURL: String
    /// `https://{subdomain}.rest.marketingcloudapis.com` (no trailing slash).
    public var restURL: String
    public var clientID: String
    public var clientSecret: Secret
    /// MID of the business unit (`account_id`), optional.
    public var accountID: String?
    public var eventDefinitionKey: String
    /// The journey's key as contactMembership reports it (`definitionKey`).
    public var journeyKey: String?
    /// Member error codes that mean "try again later" ([UNKNOWN] beyond 10000: configurable).
    public var transientMemberErrorCodes: Set<String>
    /// How the journey history is read as evidence (nil: not at all).
    public var history: SFMCHistorySettings?

    public init(
        authURL: String, restURL: String, clientID: String, clientSecret: Secret, accountID: String? = nil,
        eventDefinitionKey: String, journeyKey: String? = nil,
        transientMemberErrorCodes: Set<String> = Set(SFMCKind.transientMemberErrorCodes.defaultList),
        history: SFMCHistorySettings? = SFMCHistorySettings()
    ) {
        self.history = history
        self.authURL = authURL.trimmingTrailingSlash()
        self.restURL = restURL.trimmingTrailingSlash()
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.accountID = accountID
        self.eventDefinitionKey = eventDefinitionKey
        self.journeyKey = journeyKey
        self.transientMemberErrorCodes = transientMemberErrorCodes
    }
}

/// How rows of the journey history (docs/remote-apis.md §6.2) are read. Which statuses and activity types mean "entered" is not
/// documented: the defaults are journeyq's reading (the README says what is known and what is inferred).
public struct SFMCHistorySettings: Sendable, Equatable {
    /// Statuses of an entry row that mean the contact entered.
    public var enteredStatuses = Set(SFMCKind.historyEnteredStatuses.defaultList)
    /// Statuses of an entry row that mean the contact could not enter (re-entry not allowed, journey not running).
    public var refusedStatuses = Set(SFMCKind.historyRefusedStatuses.defaultList)
    /// Activity types (lower case) whose rows record an entry; rows of other activities (an email, a wait, an exit of an
    /// earlier instance) say nothing of this entry. Empty: every row counts.
    public var entryActivityTypes = Set(SFMCKind.historyEntryActivityTypes.defaultList)
    /// Clocks differ: a row this long before the request still counts as after it, and completeness is taken this much
    /// later.
    public var clockMarginMillis = SFMCKind.historyClockMargin.defaultMillis
    /// Added to the lag the freshness endpoint reports before the history counts as complete (only ever more cautious).
    public var freshnessMarginMillis = SFMCKind.historyFreshnessMargin.defaultMillis
    /// The zone of times written without an offset: minutes east of UTC, or nil to establish it from the file itself.
    public var timeZoneMinutes: Int?
    /// After a look that leased fewer contacts than a download takes, how long to let more come due before the next: one
    /// download, many contacts (a slow trickle of single events would otherwise cost a download each).
    public var gatherMillis = SFMCKind.lookGather.defaultMillis

    public init() {}
}

extension String {
    func trimmingTrailingSlash() -> String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
