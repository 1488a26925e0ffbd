/// A pre-signed upload URL handed out by `batchtrigger/v2`.
struct SymplifyUpload: Sendable {
    var journey: Int
    var expiresAt: Int64
    var used = false
}

/// A Symplify error answer: `{"error": "..."}`.
struct SymplifyError: Error, Sendable {
    var status: Int
    var message: String
}

extension SimulatorState {
    /// Whether `token` is the customer's API token.
    func symplifyAuthorized(customerID: String, token: String?) -> Bool {
        customerID == configuration.symplifyCustomerID && token == configuration.symplifyToken
    }

    /// `POST /rest/{customerId}/batchtrigger/v2`: an upload URL token for the journey.
    func batchTrigger(customerID: String, authToken: String?, entityID: Int?) throws(SymplifyError) -> String {
        guard customerID == configuration.symplifyCustomerID else {
            throw SymplifyError(status: 404, message: "Unknown customer \(customerID)")
        }
        guard authToken == configuration.symplifyToken else { throw SymplifyError(status: 401, message: "Invalid authentication token") }
        if random.chance(configuration.faults.tokenRevocation) {
            stats.fault("token_revoked")
            throw SymplifyError(status: 401, message: "Invalid authentication token")
        }
        guard let entityID else { throw SymplifyError(status: 400, message: "entityId is required") }
        guard let journey = engine.journey(destination: "symplify-batchtrigger", key: String(entityID)) else {
            throw SymplifyError(status: 404, message: "Journey \(entityID) not found")
        }
        let token = random.token(length: 32)
        uploads[token] = SymplifyUpload(journey: journey, expiresAt: now + 12 * 3600 * 1000)
        return token
    }

    /// `PUT uploadUrl`: the NDJSON file; every line must be `{"id", "properties"}`. The batch starts after the upload.
    func symplifyUpload(token: String, lines: [(id: String?, valid: Bool)]) throws(SymplifyError) -> Int {
        guard let upload = uploads[token] else { throw SymplifyError(status: 403, message: "Upload URL is not valid") }
        guard !upload.used else { throw SymplifyError(status: 403, message: "Upload URL was already used") }
        guard upload.expiresAt > now else { throw SymplifyError(status: 403, message: "Upload URL has expired") }
        if let bad = lines.firstIndex(where: { !$0.valid || ($0.id ?? "").isEmpty }) {
            throw SymplifyError(status: 400, message: "Line \(bad + 1): expected {\"id\": string, \"properties\": object}")
        }
        uploads[token]?.used = true
        for line in lines { scheduleEntry(contactKey: line.id!, journey: upload.journey) }
        return lines.count
    }
}
