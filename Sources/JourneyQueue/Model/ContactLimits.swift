/// Bounds on producer input: keep one bad record from costing memory, storage or a vendor rejection.
public struct ContactLimits: Sendable, Equatable {
    /// Longest contact key, in UTF-8 bytes (Marketing Cloud's ContactKey is at most 254 characters).
    public var maxKeyBytes: Int
    /// Largest data object once written as JSON, in bytes.
    public var maxDataBytes: Int
    /// Most fields in one contact's data.
    public var maxFields: Int
    /// Longest input line (NDJSON) or record (CSV), in bytes.
    public var maxRecordBytes: Int

    public init(maxKeyBytes: Int = 254, maxDataBytes: Int = 32_768, maxFields: Int = 500, maxRecordBytes: Int = 1_048_576) {
        self.maxKeyBytes = maxKeyBytes
        self.maxDataBytes = maxDataBytes
        self.maxFields = maxFields
        self.maxRecordBytes = maxRecordBytes
    }

    /// The defaults.
    public static let standard = ContactLimits()
}
