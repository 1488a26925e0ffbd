import Foundation
import HTTPTypes
import Hummingbird
import JourneyQueue

/// Marketing Cloud's journey history (docs/remote-apis.md §6.2), as the sandbox reads the documentation: a download of CSV or TSV that
/// requires `x-direct-pipe: true`, filtered by time, contact keys, journeys, statuses and activity types, 30 days deep,
/// running as far behind real events as the freshness endpoint says.
enum SFMCHistoryRoutes {
    /// Every column the documentation lists, and its default selection.
    static let columns: Set<String> = [
        "ActivityId", "ActivityName", "ActivityType", "ClientStatus", "ContactKey", "CreatedDate", "DefinitionId", "DefinitionInstanceId",
        "DefinitionName", "EndDate", "EntrySource", "EpochTimeInMilliseconds", "EventId", "EventName", "Id", "Message", "OutcomeActivityId",
        "SourceType", "StartDate", "Status", "TransactionTime", "Result.Messages", "Result.Outcome", "Result.Status", "Result.Tags",
    ]
    static let defaultColumns = [
        "TransactionTime", "ContactKey", "Status", "DefinitionId", "DefinitionName", "ActivityId", "ActivityName", "ActivityType",
    ]

    static func register(
        on router: Router<BasicRequestContext>, state: SimulatorState, faults: FaultInjector, configuration: SimulatorConfiguration
    ) {
        router.get("/interaction/v1/interactions/journeyhistory/freshness") { request, _ -> Response in
            try await faults.run("GET /interaction/v1/interactions/journeyhistory/freshness", style: .sfmc) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                if await state.drawLookFault() { return HTTPAnswers.Style.sfmc.serverError }
                return HTTPAnswers.json(200, ["freshnessInSeconds": await state.historyFreshnessSeconds()])
            }
        }

        router.post("/interaction/v1/interactions/journeyhistory/download") { request, _ -> Response in
            try await faults.run("POST /interaction/v1/interactions/journeyhistory/download", style: .sfmc) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                if await state.drawLookFault() { return HTTPAnswers.Style.sfmc.serverError }
                guard request.headers[HTTPField.Name("x-direct-pipe")!]?.lowercased() == "true" else {
                    return HTTPAnswers.sfmc(
                        SFMCError(status: 400, errorCode: 10002, message: "The x-direct-pipe: true header is required for this route."))
                }
                if configuration.historyForbidden {
                    return HTTPAnswers.sfmc(
                        SFMCError(status: 403, errorCode: 20003, message: "Insufficient privileges to read journey history."))
                }
                let query = request.uri.queryParameters
                let format = query.get("format")?.lowercased() ?? "csv"
                guard format == "csv" || format == "tsv" else {
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10003, message: "format must be csv or tsv."))
                }
                var selected =
                    query.get("columns").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? defaultColumns
                if let unknown = selected.first(where: { !columns.contains($0) }) {
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10003, message: "Unknown column '\(unknown)'."))
                }
                if configuration.historyOmitsEpoch { selected.removeAll { $0 == "EpochTimeInMilliseconds" } }
                var request = request
                let body = try await request.bytes(limit: 8 << 20)
                let filter: HistoryQuery
                do { filter = try parse(body) } catch let error as SFMCError { return HTTPAnswers.sfmc(error) }
                let rows = await state.historyRows(filter)
                var text = (format == "csv" ? CSVTable.line(selected) : selected.joined(separator: "\t")) + "\n"
                for (row, definition, journeyName) in rows {
                    let values = selected.map { value(of: $0, row: row, definition: definition, journeyName: journeyName) }
                    text += (format == "csv" ? CSVTable.line(values) : values.map(tsvSafe).joined(separator: "\t")) + "\n"
                }
                let contentType = format == "csv" ? "text/csv; charset=utf-8" : "text/tab-separated-values; charset=utf-8"
                switch await state.drawHistoryFault() {
                case .serverError?:
                    return HTTPAnswers.Style.sfmc.serverError
                case .cutOff?:
                    // The file starts and the connection closes halfway through it: a download that cannot be resumed.
                    let whole = ByteBuffer(string: text)
                    let half = whole.getSlice(at: 0, length: whole.readableBytes / 2) ?? ByteBuffer()
                    return Response(
                        status: .ok, headers: [.contentType: contentType],
                        body: ResponseBody(contentLength: whole.readableBytes) { writer in
                            try await writer.write(half)
                            throw CancellationError()
                        })
                case nil:
                    return HTTPAnswers.text(200, text, contentType: contentType)
                }
            }
        }
    }

    /// The body's filters; a missing body asks for everything of the last 30 days.
    static func parse(_ body: [UInt8]) throws -> HistoryQuery {
        guard !body.isEmpty else { return HistoryQuery() }
        guard let object = JSONValue.parse(body, maxDepth: 4), case .object = object else {
            throw SFMCError(status: 400, errorCode: 10001, message: "The body is not a JSON object.")
        }
        func time(_ name: String) throws -> Int64? {
            guard let text = object[name]?.string else { return nil }
            guard let millis = ISOTime.parse(text) else {
                throw SFMCError(status: 400, errorCode: 10003, message: "\(name) is not an ISO 8601 date.")
            }
            return millis
        }
        func strings(_ name: String) -> Set<String>? {
            object[name]?.array.map { Set($0.compactMap(\.string)) }
        }
        return HistoryQuery(
            start: try time("start"), end: try time("end"), contactKeys: strings("contactKeys"), definitionIDs: strings("definitionIds"),
            statuses: strings("statuses"), activityTypes: strings("activityTypes").map { Set($0.map { $0.lowercased() }) })
    }

    static func value(of column: String, row: JourneyEngine.HistoryRow, definition: String, journeyName: String) -> String {
        switch column {
        case "TransactionTime", "CreatedDate", "StartDate": centralTime(row.time)
        case "EpochTimeInMilliseconds": String(row.time)
        case "ContactKey": row.contactKey
        case "Status": row.status
        case "DefinitionId": definition
        case "DefinitionName": journeyName
        case "DefinitionInstanceId": row.instance > 0 ? "d1510000-0000-4000-8000-" + ZeroPadded.digits(row.instance, 12) : ""
        case "ActivityId": "ac710000-0000-4000-8000-" + ZeroPadded.digits(abs(row.activityType.hashValue % 1_000_000), 12)
        case "ActivityName": row.activityName
        case "ActivityType": row.activityType
        case "Message", "Result.Messages": row.message
        case "ClientStatus": row.status == "Failed" ? "Failed" : "Complete"
        default: ""
        }
    }

    /// A time as Marketing Cloud's system time writes it: Central Standard Time (UTC−6, no daylight saving), without an
    /// offset, to the millisecond (the sandbox's reading of docs/remote-apis.md §6.2: the zone is not documented, many dates look so).
    static func centralTime(_ millis: Int64) -> String {
        let local = millis - 6 * 3_600_000
        var seconds = time_t(local.floorDivided(by: 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(local - local.floorDivided(by: 1000) * 1000)
        return ZeroPadded.digits(Int(parts.tm_year) + 1900, 4) + "-" + ZeroPadded.digits(Int(parts.tm_mon) + 1, 2) + "-"
            + ZeroPadded.digits(Int(parts.tm_mday), 2) + "T" + ZeroPadded.digits(Int(parts.tm_hour), 2) + ":"
            + ZeroPadded.digits(Int(parts.tm_min), 2) + ":" + ZeroPadded.digits(Int(parts.tm_sec), 2) + "."
            + ZeroPadded.digits(millis, 3)
    }

    static func tsvSafe(_ value: String) -> String {
        String(value.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}

extension Int64 {
    /// Division rounding towards minus infinity (times before 1970 stay in their second).
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
