import Foundation

/// When a destination may enter contacts: on some days of the week, between two wall-clock times, in the contact's own
/// time zone (`zoneField` in its data) or the destination's (`zone`).
///
/// The rule is the wall clock of that zone: open when the local day is one of `days` and the local time is in
/// [`from`, `to`). A window whose `to` is before its `from` runs across midnight and belongs to the day it starts on
/// (`fri 22:00–06:00` is open Friday night until Saturday 06:00). On the day clocks go forward, a `from` inside the
/// skipped hour opens the window at the jump; on the day they go back, times in the repeated hour follow the wall clock
/// (an end inside it is reached twice). docs/ARCHITECTURE.md has worked examples.
public struct SendWindow: Sendable, Equatable {
    /// Days the window opens on, as `Calendar` numbers them (1 Sunday … 7 Saturday).
    public var days: Set<Int>
    /// Opening, in seconds after local midnight.
    public var fromSecond: Int
    /// Closing, in seconds after local midnight (86,400 for "24:00"); before `fromSecond` for a window across midnight.
    public var toSecond: Int
    /// The zone for contacts without a usable `zoneField`.
    public var zone: TimeZone
    /// The field of a contact's data naming its IANA zone; nil: everyone uses `zone`.
    public var zoneField: String?

    /// Day names as the config writes them, in `Calendar` order.
    public static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public init(days: Set<Int> = Set(1...7), fromSecond: Int, toSecond: Int, zone: TimeZone, zoneField: String? = nil) {
        self.days = days
        self.fromSecond = fromSecond
        self.toSecond = toSecond
        self.zone = zone
        self.zoneField = zoneField
    }

    /// Parses `HH:MM` or `HH:MM:SS` (and `24:00` when `allowEnd`) into seconds after midnight.
    public static func secondOfDay(_ text: String, allowEnd: Bool) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), let second = parts.count == 3 ? Int(parts[2]) : 0,
            (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let total = hour * 3_600 + minute * 60 + second
        if hour == 24 && allowEnd && total == 86_400 { return total }
        return (0...23).contains(hour) ? total : nil
    }

    /// The zone a contact is entered by, and whether it fell back to `zone` (no field, or not a known IANA zone).
    public func zone(forData dataJSON: String) -> (zone: TimeZone, defaulted: Bool) {
        guard let zoneField else { return (zone, false) }
        guard let value = JSONValue.parse(Array(dataJSON.utf8))?[zoneField]?.string, !value.isEmpty,
            let named = TimeZone(identifier: value)
        else { return (zone, true) }
        return (named, false)
    }

    /// Whether the window is open at `millis` in `zone`.
    public func isOpen(atMillis millis: Int64, in zone: TimeZone) -> Bool {
        let local = LocalTime(Self.floorSeconds(millis), zone: zone)
        if fromSecond < toSecond {
            return days.contains(local.weekday) && local.second >= fromSecond && local.second < toSecond
        }
        let previousDay = local.weekday == 1 ? 7 : local.weekday - 1
        return (days.contains(local.weekday) && local.second >= fromSecond) || (days.contains(previousDay) && local.second < toSecond)
    }

    /// `millis` itself when the window is open then, else the first moment after it when it opens; nil if it never does.
    public func nextOpening(atOrAfterMillis millis: Int64, in zone: TimeZone) -> Int64? {
        isOpen(atMillis: millis, in: zone) ? millis : nextChange(afterMillis: millis, in: zone)
    }

    /// The first moment after `millis` at which the window opens or closes in `zone` (within eight days); nil if none.
    public func nextChange(afterMillis millis: Int64, in zone: TimeZone) -> Int64? {
        let now = isOpen(atMillis: millis, in: zone)
        let start = Self.floorSeconds(millis)
        for candidate in candidates(from: start, days: 9, zone: zone) where candidate * 1_000 > millis {
            if isOpen(atMillis: candidate * 1_000, in: zone) != now { return candidate * 1_000 }
        }
        return nil
    }

    /// Every instant (epoch seconds, ascending) at which the window's state may change in the local days around
    /// `start`: each day's midnight, opening and closing, and the zone's offset changes.
    private func candidates(from start: Int64, days count: Int, zone: TimeZone) -> [Int64] {
        let first = LocalTime(start, zone: zone)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        guard let firstMidnight = utc.date(from: DateComponents(year: first.year, month: first.month, day: first.day)) else { return [] }
        let firstWall = Int64(firstMidnight.timeIntervalSince1970) - 86_400
        var result: [Int64] = []
        for day in 0..<(count + 1) {
            let midnightWall = firstWall + Int64(day) * 86_400
            for second in [0, fromSecond, toSecond] {
                result.append(contentsOf: Self.instants(wall: midnightWall + Int64(second), zone: zone))
            }
            let dayStart = midnightWall - 14 * 3_600
            let dayEnd = midnightWall + 38 * 3_600
            if let change = Self.offsetChange(between: dayStart, and: dayEnd, zone: zone) { result.append(change) }
        }
        return Array(Set(result)).sorted()
    }

    /// The instants whose local wall time in `zone` is `wall` (seconds as if UTC): one, two in a repeated hour, or, in a
    /// skipped hour, the jump itself (the first instant whose wall time is past `wall`).
    static func instants(wall: Int64, zone: TimeZone) -> [Int64] {
        let offsets = Set(
            [wall - 86_400, wall, wall + 86_400].map { Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0)))) })
        let exact = offsets.map { wall - $0 }.filter {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0)))) == wall - $0
        }
        if !exact.isEmpty { return exact.sorted() }
        guard let low = offsets.max(), let high = offsets.min(),
            let jump = offsetChange(between: wall - low, and: wall - high, zone: zone)
        else { return [] }
        return [jump]
    }

    /// The first second in (`start`, `end`] whose offset differs from `start`'s, by bisection; nil if the offset is the
    /// same at both ends (zones change offset at most once in the spans asked here).
    static func offsetChange(between start: Int64, and end: Int64, zone: TimeZone) -> Int64? {
        func offset(_ second: Int64) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second))) }
        let before = offset(start)
        guard start < end, offset(end) != before else { return nil }
        var low = start
        var high = end
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(middle) == before { low = middle } else { high = middle }
        }
        return high
    }

    /// The window as the config writes it: `mon, tue 08:00–20:00 Europe/Stockholm`.
    public var text: String {
        func clock(_ second: Int) -> String {
            second % 60 == 0
                ? String(format: "%02d:%02d", second / 3_600, second % 3_600 / 60)
                : String(format: "%02d:%02d:%02d", second / 3_600, second % 3_600 / 60, second % 60)
        }
        let dayList =
            days.count == 7
            ? "every day" : days.sorted { ($0 + 5) % 7 < ($1 + 5) % 7 }.map { Self.dayNames[$0 - 1] }.joined(separator: ", ")
        let zones = zoneField.map { "each contact's zone ('\($0)'), else \(zone.identifier)" } ?? zone.identifier
        return "\(dayList) \(clock(fromSecond))–\(clock(toSecond)) in \(zones)"
    }

    /// Open or closed now in the default zone, and until when: what `journeyq check` prints.
    public func state(atMillis now: Int64) -> String {
        let open = isOpen(atMillis: now, in: zone)
        let change = nextChange(afterMillis: now, in: zone).map { ISOTime.string($0) } ?? "never"
        return "\(open ? "open" : "closed") now in \(zone.identifier), \(open ? "closes" : "opens") \(change)"
    }

    static func floorSeconds(_ millis: Int64) -> Int64 { millis >= 0 ? millis / 1_000 : (millis - 999) / 1_000 }

    /// A moment's wall-clock reading in a zone.
    struct LocalTime {
        var year: Int
        var month: Int
        var day: Int
        var weekday: Int
        var second: Int

        init(_ epochSecond: Int64, zone: TimeZone) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let parts = calendar.dateComponents(
                [.year, .month, .day, .weekday, .hour, .minute, .second],
                from: Date(timeIntervalSince1970: TimeInterval(epochSecond)))
            year = parts.year ?? 1970
            month = parts.month ?? 1
            day = parts.day ?? 1
            weekday = parts.weekday ?? 1
            second = (parts.hour ?? 0) * 3_600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0)
        }
    }
}
