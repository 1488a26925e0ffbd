/// A Bulk API 2.0 ingest job and its rows.
struct BulkJob: Sendable {
    enum State: String, Sendable {
        case open = "Open"
        case uploadComplete = "UploadComplete"
        case inProgress = "InProgress"
        case jobComplete = "JobComplete"
        case failed = "Failed"
        case aborted = "Aborted"

        var isTerminal: Bool { self == .jobComplete || self == .failed || self == .aborted }
    }

    var id: String
    var object: String
    var operation: String
    var externalIDFieldName: String?
    var lineEnding: String
    var createdAt: Int64
    var state: State = .open
    var header: [String]?
    var rows: [[String]] = []
    var uploadedBytes = 0
    var closedAt: Int64?
    var finishesAt: Int64?
    /// Decided when the upload completes: the job fails partway (a fault).
    var failsAfterRows: Int?
    var successful: [[String]] = []
    var failed: [(error: String, row: [String])] = []
    var unprocessed: [[String]] = []
    var errorMessage: String?

    var keyColumn: Int {
        guard let header else { return 0 }
        return externalIDFieldName.flatMap { header.firstIndex(of: $0) } ?? 0
    }
}

/// A Bulk API error: HTTP status and the array body `[{"errorCode", "message"}]`.
struct BulkError: Error, Sendable {
    var status: Int
    var errorCode: String
    var message: String
}
