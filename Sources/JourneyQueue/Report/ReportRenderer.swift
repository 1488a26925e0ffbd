import Foundation

/// Renders destination reports for people (text, HTML) and programs (JSON, CSV).
public enum ReportRenderer {
    /// The JSON report: docs/ARCHITECTURE.md's contract (`destinations[].{name, kind, counts}`) and everything else the store knows.
    public static func json(_ reports: [DestinationReport], generatedAt: Int64) throws -> String {
        struct Document: Encodable {
            var generatedAt: Int64
            var destinations: [DestinationReport]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Document(generatedAt: generatedAt, destinations: reports)), as: UTF8.self) + "\n"
    }

    /// A readable summary per destination: states, funnel, retries, throttling, latency, throughput, dead letters.
    /// `remoteIDsLabel` names the ids a kind's remote gives its requests (the kinds live outside the core).
    public static func text(_ reports: [DestinationReport], remoteIDsLabel: (String?) -> String = { _ in "remote ids" }) -> String {
        guard !reports.isEmpty else { return "no destinations yet: enqueue contacts first\n" }
        let states = ContactState.allCases.map(\.description)
        var rows = [["destination", "kind"] + states + ["total"]]
        for report in reports {
            rows.append(
                [report.name, report.kind ?? "-"] + states.map { String(report.counts[$0] ?? 0) } + [String(report.funnel.enqueued)])
        }
        var out = table(rows)
        for report in reports {
            let f = report.funnel
            out += "\n\(report.name)\n"
            if let pause = report.pause {
                out +=
                    "  PAUSED      by an operator \(pause.until == .max ? "until resumed" : "until \(ISOTime.string(pause.until))"): "
                    + "\(pause.reason)\n"
            }
            if let health = report.health {
                out +=
                    "  HELD        \(health.reason)\(health.since.map { " (since \(ISOTime.string($0)))" } ?? ""), "
                    + "next try \(ISOTime.string(health.until))\n"
            }
            if let looks = report.lookOutage {
                out +=
                    "  LOOKS HELD  the look endpoints fail: \(looks.reason)\(looks.since.map { " (since \(ISOTime.string($0)))" } ?? ""), "
                out += "next look \(ISOTime.string(looks.until)); submissions go on, nobody loses a look\n"
            }
            if report.waitingForWindow > 0 {
                out += "  WINDOW      \(report.waitingForWindow) waiting for the send window, next opening "
                out += "\(report.nextWindowOpening.map(ISOTime.string) ?? "-")\n"
            }
            if let expired = report.counts[ContactState.expired.description], expired > 0 {
                out += "  expired     \(expired) never sent: their notAfter passed first (redrive --expired --not-after … sends them)\n"
            }
            out += "  funnel      enqueued \(f.enqueued) → submitted \(f.submitted) → accepted \(f.accepted) "
            out += "→ confirmed \(f.confirmed)"
            out += f.unverifiable > 0 ? " (unverifiable \(f.unverifiable))" : ""
            out += ", dead \(f.dead)\n"
            out += "  requests    \(report.requests) submissions (\(String(format: "%.1f", report.requestsPerSecond))/s), "
            out += "\(report.looks) reconciliation looks, \(report.throttled) answered 429 (each paused the destination)\n"
            if let rates = report.callsPer100Contacts, let all = rates["all"] {
                let parts = CallPurpose.allCases.compactMap { purpose in
                    rates[purpose.rawValue].map { "\(purpose.rawValue) \(String(format: "%.2f", $0))" }
                }
                out += "  API calls   \(String(format: "%.2f", all)) per 100 contacts (\(parts.joined(separator: ", ")))\n"
            }
            out += "  retries     \(report.retries) extra attempts; possible duplicates \(report.possibleDuplicates)"
            out += report.provenAbsent > 0 ? "; re-sent after the journey history proved no entry \(report.provenAbsent)\n" : "\n"
            if let latency = report.latency {
                out += "  latency     p50 \(latency.p50) ms, p95 \(latency.p95) ms, p99 \(latency.p99) ms\n"
            }
            out += "  throughput  \(String(format: "%.1f", report.contactsPerSecond)) contacts settled per second\n"
            let label = remoteIDsLabel(report.kind)
            if report.remoteBatches > 0 {
                out +=
                    "  \(label.padding(toLength: 11, withPad: " ", startingAt: 0)) \(report.remoteBatches), "
                    + "latest \(report.recentRemoteIDs.prefix(3).joined(separator: ", "))\n"
            }
            if report.uploads + report.uploadsFailed > 0 {
                out += "  uploads     \(report.uploads) accepted, \(report.uploadsFailed) failed or unanswered\n"
            }
            if !report.unverifiableReasons.isEmpty {
                out += "  unverifiable by reason:\n"
                for (reason, count) in report.unverifiableReasons.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(10) {
                    out += "    \(String(count).leftPad(7))  \(reason.prefix(160))\n"
                }
            }
            if !report.deadReasons.isEmpty {
                out += "  dead letters by reason:\n"
                for (reason, count) in report.deadReasons.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(10) {
                    out += "    \(String(count).leftPad(7))  \(reason.prefix(160))\n"
                }
            }
        }
        return out
    }

    /// One CSV row per contact: key, state, attempts, last error, eventInstanceId, times (ISO 8601).
    public static let csvHeader =
        "destination,contact_key,state,attempts,last_error,dead_reason,event_instance_id,request_id,enqueued_at,updated_at\n"

    public static func csvLine(_ row: ContactRow) -> String {
        [
            row.destination, row.key, row.state, String(row.attempts), row.lastError ?? "", row.deadReason ?? "", row.eventInstanceID ?? "",
            row.requestID ?? "", iso(row.enqueuedAt), iso(row.updatedAt),
        ].map(csvField).joined(separator: ",") + "\n"
    }

    /// One cell of a CSV meant for people. A cell a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
    /// `@`, a tab or a carriage return) gets a leading `'`, as OWASP recommends; NDJSON exports keep keys exact.
    public static func csvField(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func iso(_ millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(millis) / 1000).ISO8601Format(
            .iso8601.year().month().day().time(includingFractionalSeconds: true))
    }

    static func table(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index < 2 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) : cell.leftPad(widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
