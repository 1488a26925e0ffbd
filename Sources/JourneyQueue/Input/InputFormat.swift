/// The producer file formats `journeyq enqueue` reads.
public enum InputFormat: String, Sendable, CaseIterable {
    case ndjson
    case csv
    case json

    /// The format a file name's extension implies (`.ndjson`, `.jsonl`, `.csv`, `.json`).
    public static func inferred(fromPath path: String) -> InputFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") { return .ndjson }
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".json") { return .json }
        return nil
    }
}
