import Foundation
import JourneyQueue
import Testing

/// The send window read as a person reads a wall clock, across midnight and the days clocks change.
struct SendWindowTests {
    let stockholm = TimeZone(identifier: "Europe/Stockholm")!
    let newYork = TimeZone(identifier: "America/New_York")!
    let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    func at(_ text: String) -> Int64 { ISOTime.parse(text)! }
    func iso(_ millis: Int64?) -> String { millis.map(ISOTime.string) ?? "never" }
    func window(_ from: String, _ to: String, days: [String] = SendWindow.dayNames, zone: TimeZone) -> SendWindow {
        SendWindow(
            days: Set(days.map { SendWindow.dayNames.firstIndex(of: $0)! + 1 }), fromSecond: SendWindow.secondOfDay(from, allowEnd: false)!,
            toSecond: SendWindow.secondOfDay(to, allowEnd: true)!, zone: zone)
    }

    @Test func eightToEightIsReadInEachZonesOwnTime() {
        let day = window("08:00", "20:00", zone: stockholm)
        // 2027-01-15 (winter): Stockholm +01:00, New York -05:00, Tokyo +09:00.
        #expect(day.isOpen(atMillis: at("2027-01-15T07:00:00Z"), in: stockholm))
        #expect(!day.isOpen(atMillis: at("2027-01-15T06:59:59Z"), in: stockholm))
        #expect(!day.isOpen(atMillis: at("2027-01-15T19:00:00Z"), in: stockholm))
        #expect(day.isOpen(atMillis: at("2027-01-15T13:00:00Z"), in: newYork))
        #expect(!day.isOpen(atMillis: at("2027-01-15T12:59:00Z"), in: newYork))
        #expect(day.isOpen(atMillis: at("2027-01-14T23:00:00Z"), in: tokyo))
        #expect(!day.isOpen(atMillis: at("2027-01-15T11:00:00Z"), in: tokyo))
        #expect(iso(day.nextOpening(atOrAfterMillis: at("2027-01-15T11:00:00Z"), in: tokyo)) == "2027-01-15T23:00:00.000Z")
        #expect(iso(day.nextChange(afterMillis: at("2027-01-15T12:00:00Z"), in: stockholm)) == "2027-01-15T19:00:00.000Z")
    }

    @Test func theDayClocksGoForwardMovesTheUTCOpeningAnHourEarlier() {
        let day = window("08:00", "20:00", zone: stockholm)
        // Europe goes to summer time on 2027-03-28 at 01:00 UTC.
        #expect(iso(day.nextOpening(atOrAfterMillis: at("2027-03-27T20:00:00Z"), in: stockholm)) == "2027-03-28T06:00:00.000Z")
        #expect(iso(day.nextOpening(atOrAfterMillis: at("2027-03-26T20:00:00Z"), in: stockholm)) == "2027-03-27T07:00:00.000Z")
        // New York went on 2027-03-14: on 28 March it is -04:00.
        #expect(iso(day.nextOpening(atOrAfterMillis: at("2027-03-28T01:00:00Z"), in: newYork)) == "2027-03-28T12:00:00.000Z")
        // An opening inside the skipped hour (02:00–03:00 local) opens at the jump.
        let night = window("02:30", "05:00", zone: stockholm)
        #expect(iso(night.nextOpening(atOrAfterMillis: at("2027-03-27T22:00:00Z"), in: stockholm)) == "2027-03-28T01:00:00.000Z")
        #expect(night.isOpen(atMillis: at("2027-03-28T01:00:00Z"), in: stockholm))
        #expect(!night.isOpen(atMillis: at("2027-03-28T00:59:59Z"), in: stockholm))
    }

    @Test func theDayClocksGoBackMovesItAnHourLater() {
        let day = window("08:00", "20:00", zone: stockholm)
        // Europe leaves summer time on 2027-10-31 at 01:00 UTC.
        #expect(iso(day.nextOpening(atOrAfterMillis: at("2027-10-30T20:00:00Z"), in: stockholm)) == "2027-10-31T07:00:00.000Z")
        #expect(iso(day.nextChange(afterMillis: at("2027-10-31T08:00:00Z"), in: stockholm)) == "2027-10-31T19:00:00.000Z")
    }

    @Test func aWindowAcrossMidnightBelongsToTheDayItStarts() {
        let night = window("22:00", "06:00", days: ["fri"], zone: stockholm)
        // Friday 2027-01-15 23:00 local, Saturday 05:00 local: open; Saturday 22:00 local: closed (Saturday is not a day).
        #expect(night.isOpen(atMillis: at("2027-01-15T22:00:00Z"), in: stockholm))
        #expect(night.isOpen(atMillis: at("2027-01-16T04:00:00Z"), in: stockholm))
        #expect(!night.isOpen(atMillis: at("2027-01-16T05:00:00Z"), in: stockholm))
        #expect(!night.isOpen(atMillis: at("2027-01-16T21:00:00Z"), in: stockholm))
        #expect(!night.isOpen(atMillis: at("2027-01-15T04:00:00Z"), in: stockholm), "Friday early morning belongs to Thursday's night")
        #expect(iso(night.nextOpening(atOrAfterMillis: at("2027-01-16T05:00:00Z"), in: stockholm)) == "2027-01-22T21:00:00.000Z")
    }

    @Test func weekdaysOnlyWaitsOverTheWeekend() {
        let office = window("09:00", "17:00", days: ["mon", "tue", "wed", "thu", "fri"], zone: newYork)
        // Friday 2027-01-15 17:00 New York (22:00 UTC) closes; Monday 2027-01-18 09:00 (14:00 UTC) opens.
        #expect(iso(office.nextChange(afterMillis: at("2027-01-15T20:00:00Z"), in: newYork)) == "2027-01-15T22:00:00.000Z")
        #expect(iso(office.nextOpening(atOrAfterMillis: at("2027-01-15T22:00:00Z"), in: newYork)) == "2027-01-18T14:00:00.000Z")
        let allDay = window("00:00", "24:00", days: ["sat"], zone: tokyo)
        #expect(allDay.isOpen(atMillis: at("2027-01-15T15:00:00Z"), in: tokyo))
        #expect(!allDay.isOpen(atMillis: at("2027-01-16T15:00:00Z"), in: tokyo))
    }

    @Test func aContactsZoneComesFromItsDataOrFallsBack() {
        var zoned = window("08:00", "20:00", zone: stockholm)
        zoned.zoneField = "timeZone"
        #expect(zoned.zone(forData: #"{"timeZone":"Asia/Tokyo"}"#) == (tokyo, false))
        #expect(zoned.zone(forData: #"{"timeZone":"Mars/Olympus"}"#) == (stockholm, true))
        #expect(zoned.zone(forData: #"{"other":1}"#) == (stockholm, true))
        #expect(zoned.zone(forData: #"{"timeZone":7}"#) == (stockholm, true))
    }

    @Test func timesOfDayParseStrictly() {
        #expect(SendWindow.secondOfDay("08:30", allowEnd: false) == 30_600)
        #expect(SendWindow.secondOfDay("08:30:15", allowEnd: false) == 30_615)
        #expect(SendWindow.secondOfDay("24:00", allowEnd: true) == 86_400)
        for bad in ["24:00", "8:30", "08:60", "08", "08:30:61", "ab:cd", ""] {
            #expect(SendWindow.secondOfDay(bad, allowEnd: false) == nil, "\(bad)")
        }
    }
}
