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

    public init(authURL: String, restURL: String, clientID: String, clientSecret: Secret, accountID: String? = nil,
                eventDefinitionKey: String, journeyKey: String? = nil, transientMemberErrorCodes: Set<String> = ["10000"]) {
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

extension String {
    func trimmingTrailingSlash() -> String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
