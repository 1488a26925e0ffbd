/// A contact as a producer hands it over: a key and flat data.
public struct ContactRecord: Sendable, Equatable {
    public let key: String
    public let data: [Field]
    /// The data as a compact JSON object in field order: the form the store keeps and the destinations send.
    public let dataJSON: String

    public init(key: String, data: [Field]) {
        self.key = key
        self.data = data
        self.dataJSON = JSONText.object(data)
    }
}
