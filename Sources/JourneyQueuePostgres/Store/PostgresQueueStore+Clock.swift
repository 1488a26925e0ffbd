import JourneyQueue

extension PostgresQueueStore {
    /// Measures the database server's clock and corrects `clock` by the difference, so that every time this process
    /// writes or compares (leases, settle times, backoffs, retention ages) is the server's, on whichever host it runs:
    /// a fleet whose hosts disagree still agrees. The reading with the shortest of three round trips is taken.
    /// Returns the offset (server minus host, in milliseconds).
    @discardableResult
    public func synchronize(_ clock: ReferenceClock) async throws -> Int64 {
        var best: (reference: Int64, sentAt: Int64, receivedAt: Int64)?
        for _ in 0..<3 {
            let sentAt = clock.hostMillis()
            let row = try await rows("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
            let receivedAt = clock.hostMillis()
            let reading = (try row[0][0].decode(Int64.self), sentAt, receivedAt)
            if best.map({ reading.2 - reading.1 < $0.receivedAt - $0.sentAt }) ?? true { best = reading }
        }
        guard let best else { return 0 }
        clock.record(reference: best.reference, sentAt: best.sentAt, receivedAt: best.receivedAt)
        return clock.offsetMillis ?? 0
    }
}
