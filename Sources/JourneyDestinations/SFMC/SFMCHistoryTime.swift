import JourneyQueue

/// When a row of the journey history happened. The file's times carry no documented zone (docs/remote-apis.md §6.2): a time with an
/// offset, or the `EpochTimeInMilliseconds` column, says so itself; a time without one is read only in a zone that is
/// configured or established from the file (rows of contacts whose entry is known fall within minutes of their requests
/// in one zone only), never on an assumption.
enum SFMCHistoryTime {
    /// The zones Marketing Cloud is known to write in: UTC, and its system time (Central Standard Time, no DST).
    static let candidateMinutes = [0, -360]

    /// Epoch milliseconds of a row, from its epoch column or its time with an offset; nil when neither says.
    static func absolute(epoch: String?, text: String?) -> Int64? {
        // Trimmed only when it must be: it runs once a row, and trimming copies the text.
        if let epoch, let millis = Int64(epoch) ?? Int64(epoch.trimmingCharacters(in: .whitespaces)), millis > 0 { return millis }
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return ISOTime.parse(text)
    }

    /// The time of a row written without an offset, read in a zone `minutes` east of UTC.
    static func local(_ text: String?, minutes: Int) -> Int64? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty, let utc = ISOTime.parse(text + "Z") else { return nil }
        return utc - Int64(minutes) * 60_000
    }

    /// `UTC`, `Z` or `±hh:mm` as minutes east of UTC.
    static func offsetMinutes(_ text: String) -> Int? {
        if ["utc", "z", "gmt"].contains(text.lowercased()) { return 0 }
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":"),
            let hours = Int(String(decoding: bytes[1...2], as: UTF8.self)),
            let minutes = Int(String(decoding: bytes[4...5], as: UTF8.self)),
            hours <= 14, minutes < 60
        else { return nil }
        return (bytes[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
    }

    /// A contact whose entry is known: it was not in the journey before `sentAt`, and was by `seenAt`.
    struct Anchor: Sendable, Equatable {
        var key: String
        var sentAt: Int64
        var seenAt: Int64
    }

    /// The one candidate zone in which every anchor's entry row (times without an offset) falls between its request
    /// and the look that saw it (`margin` either side); nil when none or several do, or no anchor has a row.
    static func establish(anchors: [Anchor], rows: [String: [String]], margin: Int64, candidates: [Int] = candidateMinutes) -> Int? {
        let usable = anchors.filter { !(rows[$0.key] ?? []).isEmpty }
        guard !usable.isEmpty else { return nil }
        let fitting = candidates.filter { minutes in
            usable.allSatisfy { anchor in
                (rows[anchor.key] ?? []).contains { text in
                    guard let at = local(text, minutes: minutes) else { return false }
                    return at >= anchor.sentAt - margin && at <= anchor.seenAt + margin
                }
            }
        }
        return fitting.count == 1 ? fitting[0] : nil
    }
}
