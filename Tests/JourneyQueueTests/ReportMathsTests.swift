import JourneyQueue
import Testing

@Suite struct ReportMathsTests {
    @Test func barsAreAboutThirtyWhateverTheSpan() {
        #expect(ReportMaths.barMillis(span: 0) == 1_000)
        #expect(ReportMaths.barMillis(span: 30_000) == 1_000)
        #expect(ReportMaths.barMillis(span: 31_000) == 5_000)
        #expect(ReportMaths.barMillis(span: 3_600_000) == 300_000)
        #expect(ReportMaths.barMillis(span: 400 * 86_400_000) == 86_400_000)
        for bar in ReportMaths.barLadder {
            let grain = ReportMaths.grain(barMillis: bar)
            #expect(bar % grain == 0 && ReportMaths.settledGrains.contains(grain))
            // A bar reads at most thirty of itself in grains of the coarsest kind that divides it.
            #expect(bar / grain <= 60)
        }
        #expect(ReportMaths.grain(barMillis: 30_000) == 1_000)
        #expect(ReportMaths.grain(barMillis: 900_000) == 60_000)
        #expect(ReportMaths.grain(barMillis: 21_600_000) == 3_600_000)
    }

    @Test func barsRegroupGrainsAndKeepExpiredAsEmptyBars() {
        let rows: [(at: Int64, state: ContactState, n: Int)] = [
            (at: 60_000, state: .confirmed, n: 2), (at: 61_000, state: .dead, n: 1), (at: 125_000, state: .unverifiable, n: 4),
            (at: 300_000, state: .expired, n: 3), (at: 301_000, state: .confirmed, n: 0),
        ]
        #expect(
            ReportMaths.bars(rows, barMillis: 60_000) == [
                DestinationReport.Bucket(minute: 60_000, confirmed: 2, unverifiable: 0, dead: 1),
                DestinationReport.Bucket(minute: 120_000, confirmed: 0, unverifiable: 4, dead: 0),
                DestinationReport.Bucket(minute: 300_000, confirmed: 0, unverifiable: 0, dead: 0),
            ])
    }

    @Test func histogramPercentilesAreTheMeanOfTheBucketHoldingTheRank() {
        // One value per bucket: exact.
        #expect(
            ReportMaths.latency(histogram: [ReportMaths.LatencyBucket(le: 42, n: 1, total: 40)])
                == DestinationReport.Latency(p50: 40, p95: 40, p99: 40))
        // 100 values: ranks 49, 94 and 98 fall in the first, second and third buckets.
        let histogram = [
            ReportMaths.LatencyBucket(le: 91, n: 90, total: 90 * 88), ReportMaths.LatencyBucket(le: 363, n: 8, total: 8 * 350),
            ReportMaths.LatencyBucket(le: 9_999, n: 2, total: 2 * 9_000), ReportMaths.LatencyBucket(le: 20_000, n: 0, total: 0),
        ]
        #expect(ReportMaths.latency(histogram: histogram) == DestinationReport.Latency(p50: 88, p95: 350, p99: 9_000))
        #expect(ReportMaths.latency(histogram: []) == nil)
        #expect(ReportMaths.latency(sorted: Array(1...100)) == DestinationReport.Latency(p50: 50, p95: 95, p99: 99))
        #expect(ReportMaths.latency(sorted: []) == nil)
    }

    @Test func ratesNeverDivideByNothing() {
        #expect(ReportMaths.perSecond(5, spanMillis: 0) == 5_000)
        #expect(ReportMaths.perSecond(10, spanMillis: 2_000) == 5)
    }
}
