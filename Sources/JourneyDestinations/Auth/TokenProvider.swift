import JourneyQueue

/// An access token and when to stop using it.
public struct AccessToken: Sendable, Equatable {
    public var value: String
    /// Epoch milliseconds at which the remote stops honouring it.
    public var expiresAt: Int64
    /// Where to send requests made with it, when the token endpoint says (Salesforce's `instance_url`).
    public var instanceURL: String?
    /// The scopes granted, when the token endpoint says (`journeyq check` shows them).
    public var scope: String?

    public init(value: String, expiresAt: Int64, instanceURL: String? = nil, scope: String? = nil) {
        self.value = value
        self.expiresAt = expiresAt
        self.instanceURL = instanceURL
        self.scope = scope
    }
}

/// The token could not be had: the destination pauses instead of burning contacts' attempts.
public struct AuthenticationFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "authentication failed: \(message)" }
}

/// Caches one token for a destination's whole pool, renews it shortly before expiry, and never has
/// more than one token request in flight.
public actor TokenProvider {
    /// Gets a new token from the remote.
    public typealias Fetch = @Sendable () async throws -> AccessToken

    private let fetch: Fetch
    private let clock: any WallClock
    /// Renew this long before the remote's expiry.
    private let marginMillis: Int64
    private var current: AccessToken?
    /// When `current` was fetched: short-lived tokens renew at a tenth of their life, not a fixed minute.
    private var fetchedAt: Int64 = 0
    private var inflight: Task<AccessToken, any Error>?
    /// Token requests made (for tests and the report).
    public private(set) var fetches = 0

    /// A provider that calls `fetch` when it has no token valid for `marginMillis` (or a tenth of the token's life) more.
    public init(clock: any WallClock, marginMillis: Int64 = 60_000, fetch: @escaping Fetch) {
        self.clock = clock
        self.marginMillis = marginMillis
        self.fetch = fetch
    }

    /// A token valid for at least the margin.
    public func token() async throws -> AccessToken {
        if let current {
            let margin = min(marginMillis, (current.expiresAt - fetchedAt) / 10)
            if current.expiresAt - margin > clock.nowMillis() { return current }
        }
        if let inflight { return try await inflight.value }
        fetches += 1
        let fetch = self.fetch
        // One shared request: every caller waiting here gets its answer.
        let task = Task { try await fetch() }
        inflight = task
        defer { inflight = nil }
        let started = clock.nowMillis()
        let token = try await task.value
        current = token
        fetchedAt = started
        return token
    }

    /// Forgets `token` after the remote refused it (a 401), so the next call fetches a new one.
    public func invalidate(_ token: AccessToken) {
        if current == token { current = nil }
    }
}
