import Foundation
import JourneyQueue

extension ConfigLoader {
    /// `sendWindow: {days: [mon, …], from: "08:00", to: "20:00", zone: "Europe/Stockholm", zoneField: "timeZone"}`.
    func sendWindow(_ reader: MappingReader) throws -> SendWindow {
        typealias Settings = DestinationSettings.Window
        let names = try reader.stringList(Settings.days)
        var days: Set<Int> = []
        for name in names {
            guard let index = SendWindow.dayNames.firstIndex(of: name.lowercased().prefix(3).description), name.count >= 3 else {
                throw reader.error("days", "a list of days (\(SendWindow.dayNames.joined(separator: ", "))); '\(name)' is not one")
            }
            days.insert(index + 1)
        }
        if days.isEmpty { throw reader.error("days", "at least one day") }
        let fromText = try reader.string(Settings.from)
        guard let from = SendWindow.secondOfDay(fromText, allowEnd: false) else {
            throw reader.error("from", "a time of day as HH:MM or HH:MM:SS (00:00 to 23:59:59)")
        }
        let toText = try reader.string(Settings.to)
        guard let to = SendWindow.secondOfDay(toText, allowEnd: true) else {
            throw reader.error("to", "a time of day as HH:MM or HH:MM:SS (00:00 to 24:00)")
        }
        if from == to { throw reader.error("to", "a time other than from (an empty window never opens)") }
        let zoneName = try reader.string(Settings.zone)
        guard let zone = TimeZone(identifier: zoneName) else {
            throw reader.error("zone", "an IANA time zone such as Europe/Stockholm; '\(zoneName)' is not one")
        }
        let zoneField = try reader.optionalString(Settings.zoneField)
        try reader.rejectUnknown()
        return SendWindow(days: days, fromSecond: from, toSecond: to, zone: zone, zoneField: zoneField)
    }
}
