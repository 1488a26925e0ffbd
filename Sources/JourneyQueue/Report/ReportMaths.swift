/// The report's arithmetic, done once for every store: stores count (rows, histogram buckets, sums); bar widths,
/// percentiles and rates are decided here.
public enum ReportMaths {
    /// Widths of the throughput bars, smallest first: about thirty bars whatever the span, seconds for a demo, hours
    /// for a night's run.
    public static let barLadder: [Int64] = [
        1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000,
    ]

    /// Grains at which the stores keep final contacts by time (`settled_count.grain`): each bar width is a multiple
    /// of one of them, and a bar of any width reads at most thirty times its width over its grain in rows.
    public static let settledGrains: [Int64] = [1_000, 60_000, 3_600_000]

    /// The bar width for final contacts spread over `span` milliseconds.
    public static func barMillis(span: Int64) -> Int64 {
        barLadder.first { span / $0 <= 30 } ?? barLadder[barLadder.count - 1]
    }

    /// The bar width for final contacts reached between `first` and `last` (epoch ms), taken at the second (the finest
    /// grain the stores keep), so that counters and scans choose alike.
    public static func barMillis(first: Int64, last: Int64) -> Int64 {
        barMillis(span: last / 1_000 * 1_000 - first / 1_000 * 1_000)
    }

    /// The coarsest grain that divides `barMillis`: the fewest rows to read.
    public static func grain(barMillis: Int64) -> Int64 {
        settledGrains.last { barMillis % $0 == 0 } ?? settledGrains[0]
    }

    /// Bars from counts of final contacts by (start of a grain, state): every grain start that had a final contact
    /// gives its bar, expired ones included (as zero bars: the exact scan groups them the same way).
    public static func bars(_ rows: [(at: Int64, state: ContactState, n: Int)], barMillis: Int64) -> [DestinationReport.Bucket] {
        var bars: [Int64: DestinationReport.Bucket] = [:]
        for row in rows where row.n != 0 {
            let start = row.at / barMillis * barMillis
            var bar = bars[start] ?? DestinationReport.Bucket(minute: start, confirmed: 0, unverifiable: 0, dead: 0)
            switch row.state {
            case .confirmed: bar.confirmed += row.n
            case .unverifiable: bar.unverifiable += row.n
            case .dead: bar.dead += row.n
            default: break
            }
            bars[start] = bar
        }
        return bars.keys.sorted().map { bars[$0]! }
    }

    /// The rank of percentile `p` among `count` sorted values: index (count − 1) × p / 100, as both stores' scans pick.
    public static func rank(_ p: Int, of count: Int) -> Int { (count - 1) * p / 100 }

    /// p50, p95 and p99 of sorted latencies; nil when there are none.
    public static func latency(sorted: [Int64]) -> DestinationReport.Latency? {
        guard !sorted.isEmpty else { return nil }
        return DestinationReport.Latency(
            p50: sorted[rank(50, of: sorted.count)], p95: sorted[rank(95, of: sorted.count)],
            p99: sorted[rank(99, of: sorted.count)])
    }

    /// One bucket of a latency histogram: values at most `le` (and above the previous bucket's), how many, their sum.
    public struct LatencyBucket: Sendable, Equatable {
        public var le: Int64
        public var n: Int
        public var total: Int64

        public init(le: Int64, n: Int, total: Int64) {
            self.le = le
            self.n = n
            self.total = total
        }
    }

    /// p50, p95 and p99 from a histogram: each is the mean of the bucket that holds its rank, so it lies within the
    /// bucket's bounds (2^(1/8) apart: within 9 % of the exact value) and is exact when the bucket holds one value.
    public static func latency(histogram: [LatencyBucket]) -> DestinationReport.Latency? {
        let buckets = histogram.filter { $0.n > 0 }.sorted { $0.le < $1.le }
        let count = buckets.reduce(0) { $0 + $1.n }
        guard count > 0 else { return nil }
        func value(at rank: Int) -> Int64 {
            var seen = 0
            for bucket in buckets {
                seen += bucket.n
                if rank < seen { return (bucket.total + Int64(bucket.n) / 2) / Int64(bucket.n) }
            }
            return buckets[buckets.count - 1].total / Int64(buckets[buckets.count - 1].n)
        }
        return DestinationReport.Latency(
            p50: value(at: rank(50, of: count)), p95: value(at: rank(95, of: count)), p99: value(at: rank(99, of: count)))
    }

    /// `count` per second over `spanMillis` (at least a millisecond).
    public static func perSecond(_ count: Int, spanMillis: Int64) -> Double {
        Double(count) * 1000 / Double(max(spanMillis, 1))
    }
}
