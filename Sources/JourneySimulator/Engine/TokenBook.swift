/// The access tokens the sandbox issued, and when they stop working.
struct TokenBook: Sendable {
    enum Kind: Sendable {
        case sfmcV2
        case sfmcLegacy
        case salesforce
    }

    struct Issued: Sendable {
        var kind: Kind
        var expiresAt: Int64
        var revoked = false
    }

    private var tokens: [String: Issued] = [:]
    private(set) var issuedCount = 0
    private(set) var revokedCount = 0

    mutating func issue(_ token: String, kind: Kind, expiresAt: Int64) {
        tokens[token] = Issued(kind: kind, expiresAt: expiresAt)
        issuedCount += 1
    }

    /// The kind of a token that is valid at `now`, or nil (unknown, expired or revoked).
    func validKind(_ token: String, now: Int64) -> Kind? {
        guard let issued = tokens[token], !issued.revoked, issued.expiresAt > now else { return nil }
        return issued.kind
    }

    /// Revokes one token before its expiry.
    mutating func revoke(_ token: String) {
        guard tokens[token] != nil, tokens[token]?.revoked == false else { return }
        tokens[token]?.revoked = true
        revokedCount += 1
    }
}
