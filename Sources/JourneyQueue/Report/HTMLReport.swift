/// The HTML report: one self-contained page (no external assets) with the funnel and the throughput
/// over time as inline SVG charts, and the dead letters as a table.
public enum HTMLReport {
    public static func render(_ reports: [DestinationReport], generatedAt: Int64) -> String {
        var body = ""
        for report in reports {
            body += "<section><h2>\(escape(report.name)) <small>\(escape(report.kind ?? ""))</small></h2>"
            body +=
                "<div class=\"charts\">" + funnelChart(report.funnel)
                + throughputChart(report.throughput, bucketMillis: report.bucketMillis) + "</div>"
            body +=
                "<p class=\"facts\">\(report.requests) submissions · \(report.looks) reconciliation looks · "
                + "\(report.throttled) answered 429 · "
            body += "\(report.retries) retries · \(report.possibleDuplicates) possible duplicates"
            if let latency = report.latency { body += " · latency p50 \(latency.p50) ms, p95 \(latency.p95) ms, p99 \(latency.p99) ms" }
            body += "</p>"
            let expired = report.counts[ContactState.expired.description] ?? 0
            if report.waitingForWindow > 0 || expired > 0 {
                body += "<p class=\"facts\">\(report.waitingForWindow) waiting for the send window"
                body += report.nextWindowOpening.map { " (next opening \(ReportRenderer.iso($0)))" } ?? ""
                body += " · \(expired) expired (their notAfter passed before they were sent)</p>"
            }
            if report.deadReasons.isEmpty {
                body += "<p>No dead letters.</p>"
            } else {
                body += "<table><thead><tr><th>dead letters</th><th>reason</th></tr></thead><tbody>"
                for (reason, count) in report.deadReasons.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                    body += "<tr><td class=\"n\">\(count)</td><td>\(escape(reason))</td></tr>"
                }
                body += "</tbody></table>"
            }
            body += "</section>"
        }
        if reports.isEmpty { body = "<p>No destinations yet: enqueue contacts first.</p>" }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>journeyq report</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2433;background:#fafbfc}
            h1{font-size:1.4rem;margin:0 0 .2rem} h2{font-size:1.15rem;margin:1.5rem 0 .5rem} h2 small{color:#6b7385;font-weight:400}
            .meta{color:#6b7385;margin:0 0 1rem} \
            section{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:1rem 1.2rem;margin-bottom:1.2rem}
            .charts{display:flex;flex-wrap:wrap;gap:1.5rem} .facts{color:#3a4256}
            table{border-collapse:collapse;margin-top:.5rem} \
            th,td{border-bottom:1px solid #e3e6eb;padding:.3rem .7rem;text-align:left;font-size:.9rem}
            td.n{text-align:right;font-variant-numeric:tabular-nums} svg text{font-size:12px;fill:#1d2433}
            </style></head><body>
            <h1>journeyq report</h1><p class="meta">generated \(ReportRenderer.iso(generatedAt))</p>
            \(body)
            </body></html>

            """
    }

    /// Horizontal bars: enqueued, submitted, accepted, confirmed (or unverifiable), dead.
    static func funnelChart(_ funnel: DestinationReport.Funnel) -> String {
        let stages: [(String, Int, String)] = [
            ("enqueued", funnel.enqueued, "#8da2c0"), ("submitted", funnel.submitted, "#5b7db1"),
            ("accepted", funnel.accepted, "#3b6fb6"), ("confirmed", funnel.confirmed, "#2e9e5b"),
            ("unverifiable", funnel.unverifiable, "#c9a227"), ("dead", funnel.dead, "#c2413a"),
        ]
        let width = 420.0, labelWidth = 90.0, barHeight = 22.0, gap = 8.0
        let top = Double(max(funnel.enqueued, 1))
        var svg =
            "<svg role=\"img\" aria-label=\"funnel\" width=\"\(Int(width + 80))\" "
            + "height=\"\(Int(Double(stages.count) * (barHeight + gap) + 24))\">"
        svg += "<text x=\"0\" y=\"14\" font-weight=\"600\">Funnel</text>"
        for (index, stage) in stages.enumerated() {
            let y = 24 + Double(index) * (barHeight + gap)
            let length = max((width - labelWidth) * Double(stage.1) / top, stage.1 > 0 ? 2 : 0)
            svg += "<text x=\"0\" y=\"\(format(y + 15))\">\(stage.0)</text>"
            svg +=
                "<rect x=\"\(format(labelWidth))\" y=\"\(format(y))\" width=\"\(format(length))\" height=\"\(format(barHeight))\" "
                + "rx=\"3\" fill=\"\(stage.2)\"/>"
            svg += "<text x=\"\(format(labelWidth + length + 6))\" y=\"\(format(y + 15))\">\(stage.1)</text>"
        }
        return svg + "</svg>"
    }

    /// Contacts settled per bucket of time, stacked: confirmed, unverifiable, dead.
    static func throughputChart(_ buckets: [DestinationReport.Bucket], bucketMillis: Int64) -> String {
        let width = 460.0, height = 180.0, left = 40.0, bottom = 24.0, top = 24.0
        var svg = "<svg role=\"img\" aria-label=\"throughput\" width=\"\(Int(width))\" height=\"\(Int(height + top + bottom))\">"
        let unit =
            bucketMillis < 60_000
            ? "\(bucketMillis / 1000) s" : bucketMillis < 3_600_000 ? "\(bucketMillis / 60_000) min" : "\(bucketMillis / 3_600_000) h"
        svg += "<text x=\"0\" y=\"14\" font-weight=\"600\">Contacts settled per \(unit) (confirmed, unverifiable, dead)</text>"
        guard !buckets.isEmpty else { return svg + "<text x=\"\(format(left))\" y=\"60\">nothing settled yet</text></svg>" }
        let peak = Double(buckets.map { $0.confirmed + $0.unverifiable + $0.dead }.max() ?? 1)
        // Bars sit at their time, so a quiet spell shows as a gap.
        let slots = Int((buckets[buckets.count - 1].minute - buckets[0].minute) / max(bucketMillis, 1)) + 1
        let slot = (width - left - 10) / Double(slots)
        let barWidth = max(min(slot * 0.8, 40), 1)
        svg +=
            "<line x1=\"\(format(left))\" y1=\"\(format(top + height))\" x2=\"\(format(width - 5))\" y2=\"\(format(top + height))\" "
            + "stroke=\"#9aa3b2\"/>"
        svg += "<text x=\"0\" y=\"\(format(top + 10))\">\(Int(peak))</text><text x=\"0\" y=\"\(format(top + height))\">0</text>"
        for bucket in buckets {
            let index = Double((bucket.minute - buckets[0].minute) / max(bucketMillis, 1))
            let x = left + index * slot + (slot - barWidth) / 2
            var y = top + height
            for (value, color) in [(bucket.confirmed, "#2e9e5b"), (bucket.unverifiable, "#c9a227"), (bucket.dead, "#c2413a")]
            where value > 0 {
                let h = height * Double(value) / peak
                y -= h
                svg +=
                    "<rect x=\"\(format(x))\" y=\"\(format(y))\" width=\"\(format(barWidth))\" height=\"\(format(h))\" fill=\"\(color)\">"
                    + "<title>\(value)</title></rect>"
            }
        }
        // Axis labels: the first bucket's date and time, the last one's time (UTC).
        let first = ReportRenderer.iso(buckets[0].minute).prefix(19).replacingOccurrences(of: "T", with: " ")
        svg += "<text x=\"\(format(left))\" y=\"\(format(top + height + 16))\">\(first) UTC</text>"
        if buckets.count > 1 {
            let last = ReportRenderer.iso(buckets[buckets.count - 1].minute).dropFirst(11).prefix(8)
            svg += "<text x=\"\(format(width - 60))\" y=\"\(format(top + height + 16))\">\(last)</text>"
        }
        return svg + "</svg>"
    }

    static func format(_ value: Double) -> String { format1(value) }

    private static func format1(_ value: Double) -> String {
        let scaled = Int((value * 10).rounded())
        return "\(scaled / 10).\(abs(scaled % 10))"
    }

    /// Escapes text for HTML element content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
