import Foundation

/// Times as people and log shippers read them: ISO 8601 in UTC with milliseconds.
public enum ISOTime {
    /// `2026-11-22T04:27:39.123Z` for epoch milliseconds.
    public static func string(_ millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(millis) / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
