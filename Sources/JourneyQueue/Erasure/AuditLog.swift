import Foundation

/// One operator action as the audit log keeps it.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var id: Int64
    /// When (epoch milliseconds).
    public var at: Int64
    /// Who: the API key's name, or `cli:USER` for a command on the host.
    public var actor: String
    /// pause, resume, redrive, redeliver, forget.
    public var action: String
    /// What it acted on: a destination, a webhook endpoint, `sha256:…` of a contact key.
    public var target: String?
    /// The action's parameters and result as JSON (never contact data).
    public var detail: String?

    public init(id: Int64, at: Int64, actor: String, action: String, target: String?, detail: String?) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
    }
}

/// The operators' actions, kept in the queue itself so that every process of a fleet writes to one log.
public protocol AuditLog: Sendable {
    /// Records an action done now.
    func recordAudit(actor: String, action: String, target: String?, detail: String?) async throws
    /// Entries after `after` (an id), oldest first, at most `limit`.
    func auditEntries(after: Int64?, limit: Int) async throws -> [AuditEntry]
}

/// An audit entry's detail: the action's summary as JSON.
public enum AuditDetail {
    public static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
