/// A contact as a producer hands it over: a key and flat data.
public struct ContactRecord: Sendable, Equatable {
    public let key: String
    /// The data as a compact JSON object in field order: the form the store keeps and the destinations send.
    public let dataJSON: String
    /// Never claimed before this moment (epoch milliseconds).
    public var notBefore: Int64?
    /// Never sent after this moment: it ends `expired` if still unsent (epoch milliseconds).
    public var notAfter: Int64?

    /// A record from already-validated fields.
    public init(key: String, data: [Field]) {
        self.key = key
        self.dataJSON = JSONText.object(data)
    }

    /// A record whose data is already canonical JSON (written by `JSONText` or `FastRecordScanner`).
    init(key: String, dataJSON: String) {
        self.key = key
        self.dataJSON = dataJSON
    }
}
