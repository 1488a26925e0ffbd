/// How long finished work is kept. nil keeps it for good (`keep` in the config).
public struct RetentionPolicy: Sendable, Equatable {
    /// Age, since their last change, after which finished contacts (confirmed, unverifiable, dead) are deleted.
    public var contactsMillis: Int64?
    /// Age after which ledger rows (requests and answers) of finished work are deleted.
    public var ledgerMillis: Int64?
    /// Age after which an ingest's `Idempotency-Key` is forgotten (the same key then enqueues again).
    public var idempotencyMillis: Int64?
    /// How often the daemon prunes.
    public var intervalMillis: Int64

    public init(
        contactsMillis: Int64? = RetentionSettings.contacts.defaultMillis, ledgerMillis: Int64? = RetentionSettings.ledger.defaultMillis,
        idempotencyMillis: Int64? = RetentionSettings.idempotencyKeys.defaultMillis,
        intervalMillis: Int64 = RetentionSettings.every.defaultMillis
    ) {
        self.contactsMillis = contactsMillis
        self.ledgerMillis = ledgerMillis
        self.idempotencyMillis = idempotencyMillis
        self.intervalMillis = intervalMillis
    }

    /// Nothing is ever deleted.
    public var keepsEverything: Bool { contactsMillis == nil && ledgerMillis == nil && idempotencyMillis == nil }
}

/// What one prune removed.
public struct PruneSummary: Sendable, Equatable {
    public var contacts = 0
    public var attempts = 0
    public var batches = 0
    /// Outbox events every webhook endpoint was told of, older than the ledger's age.
    public var events = 0
    /// Idempotency keys older than their age.
    public var idempotencyKeys = 0

    public init(contacts: Int = 0, attempts: Int = 0, batches: Int = 0, events: Int = 0, idempotencyKeys: Int = 0) {
        self.contacts = contacts
        self.attempts = attempts
        self.batches = batches
        self.events = events
        self.idempotencyKeys = idempotencyKeys
    }

    /// Rows removed in all.
    public var total: Int { contacts + attempts + batches + events + idempotencyKeys }

    /// Whether a step of `limit` rows left some of a kind behind.
    public func filled(_ limit: Int) -> Bool {
        contacts >= limit || attempts >= limit || batches >= limit || events >= limit || idempotencyKeys >= limit
    }

    public static func + (left: PruneSummary, right: PruneSummary) -> PruneSummary {
        PruneSummary(
            contacts: left.contacts + right.contacts, attempts: left.attempts + right.attempts, batches: left.batches + right.batches,
            events: left.events + right.events, idempotencyKeys: left.idempotencyKeys + right.idempotencyKeys)
    }
}

/// A store that can delete finished work in small steps (each step one short write transaction).
public protocol Pruning: Sendable {
    /// Deletes at most `limit` rows of each kind: finished contacts last changed before `contactsBefore`, ledger rows of
    /// finished work started before `ledgerBefore`, idempotency keys made before `idempotencyBefore`, and batches nothing
    /// refers to any more. nil cutoffs delete nothing
    /// of that kind. Live contacts, their batches and their ledger rows are never touched.
    func pruneStep(contactsBefore: Int64?, ledgerBefore: Int64?, idempotencyBefore: Int64?, limit: Int) async throws -> PruneSummary
}

extension Pruning {
    /// A step that keeps every idempotency key.
    public func pruneStep(contactsBefore: Int64?, ledgerBefore: Int64?, limit: Int) async throws -> PruneSummary {
        try await pruneStep(contactsBefore: contactsBefore, ledgerBefore: ledgerBefore, idempotencyBefore: nil, limit: limit)
    }
}
