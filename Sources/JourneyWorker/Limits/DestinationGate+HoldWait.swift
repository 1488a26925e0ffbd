extension DestinationGate {
    /// Returns when any hold changes (the journey's first check is back, an operator resumed) or after `millis`,
    /// whichever comes first; at once if the task is cancelled. A loop held back waits here rather than sleeping out the
    /// whole step, so that the first request leaves as soon as the journey check answers, not up to a step later.
    public func waitForHoldChange(atMost millis: Int64) async {
        let id = nextHoldWaiter
        nextHoldWaiter += 1
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                guard !Task.isCancelled else { return continuation.resume() }
                holdWaiters[id] = continuation
                // The bound: a timer of its own, which ends the wait unless a change ended it first.
                Task { [millis] in
                    try? await Task.sleep(for: .milliseconds(max(millis, 1)))
                    self.wakeHoldWaiter(id)
                }
            }
        } onCancel: {
            Task { await self.wakeHoldWaiter(id) }
        }
    }

    /// Loops waiting in `waitForHoldChange` now.
    public var holdWaiterCount: Int { holdWaiters.count }

    func wakeHoldWaiter(_ id: UInt64) {
        holdWaiters.removeValue(forKey: id)?.resume()
    }

    func wakeHoldWaiters() {
        let waiters = holdWaiters
        holdWaiters = [:]
        for waiter in waiters.values { waiter.resume() }
    }
}
