import JourneyQueue

/// When a throttled or unavailable remote says to come back, read defensively: a remote's number never traps.
enum RetryAfter {
    /// No answer may ask for more than a day; the destination's `maxPauseSeconds` clamps further.
    static let ceilingMillis: Int64 = 86_400_000

    /// The time `Retry-After` names (delta-seconds or an HTTP-date, RFC 9110 §10.2.3), else the body's `retryAfter`
    /// seconds; nil when neither is readable (the caller uses its configured pause).
    static func until(_ answer: HTTPAnswer, now: Int64) -> Int64? {
        if let header = answer.headers["retry-after"], let wait = millis(header: header, now: now) { return now + wait }
        if let seconds = JSONValue.parse(answer.body)?["retryAfter"]?.finiteNumber,
            let wait = RemoteDuration.millis(seconds: seconds, maxMillis: ceilingMillis)
        {
            return now + wait
        }
        return nil
    }

    /// Milliseconds from `now` that a `Retry-After` value asks for; nil for anything but delta-seconds or an HTTP-date.
    static func millis(header: String, now: Int64) -> Int64? {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Any number of digits: too many to fit is simply "a long time".
            guard text.utf8.count <= 9, let seconds = Int64(text) else { return ceilingMillis }
            return min(seconds * 1000, ceilingMillis)
        }
        guard let epochSeconds = HTTPDate.parse(text) else { return nil }
        let wait = epochSeconds.multipliedReportingOverflow(by: 1000)
        guard !wait.overflow else { return ceilingMillis }
        return min(max(wait.partialValue - now, 0), ceilingMillis)
    }
}

/// The three date forms HTTP allows (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since the epoch, or nil.
    static func parse(_ text: String) -> Int64? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        var day: Int64?, month: Int64?, year: Int64?, clock: [Int64]?
        switch tokens.count {
        case 6 where tokens[5] == "GMT":
            // "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate)
            (day, month, year, clock) = (Int64(tokens[1]), monthNumber(tokens[2]), Int64(tokens[3]), time(tokens[4]))
        case 4 where tokens[3] == "GMT":
            // "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 850): a two-digit year is read as the nearest century
            let parts = tokens[1].split(separator: "-").map(String.init)
            guard parts.count == 3 else { return nil }
            (day, month, clock) = (Int64(parts[0]), monthNumber(parts[1]), time(tokens[2]))
            year = Int64(parts[2]).map { $0 < 70 ? 2000 + $0 : ($0 < 100 ? 1900 + $0 : $0) }
        case 5:
            // "Sun Nov  6 08:49:37 1994" (asctime)
            (month, day, clock, year) = (monthNumber(tokens[1]), Int64(tokens[2]), time(tokens[3]), Int64(tokens[4]))
        default:
            return nil
        }
        guard let day, let month, let year, let clock, (1...31).contains(day), (1...9999).contains(year) else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + clock[0] * 3_600 + clock[1] * 60 + clock[2]
    }

    private static func monthNumber(_ name: String) -> Int64? {
        months.firstIndex(of: name.lowercased()).map { Int64($0 + 1) }
    }

    private static func time(_ text: String) -> [Int64]? {
        let parts = text.split(separator: ":").map { Int64($0) }
        guard parts.count == 3, let h = parts[0], let m = parts[1], let s = parts[2], (0..<24).contains(h), (0..<60).contains(m),
            (0...60).contains(s)
        else {
            return nil
        }
        return [h, m, s]
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
