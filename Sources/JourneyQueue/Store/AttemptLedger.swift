/// The ledger side of the store, as destinations see it: every request is written before it leaves.
public protocol AttemptLedger: Sendable {
    /// Write-ahead for a batch request: ledger row, contacts to `sending` (unless the request `takesContacts` not).
    /// Guarded by the lease.
    func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) async throws -> Int64
    /// Records an answer that settles nothing by itself (a 401 before the retry, a poll).
    func finishAttempt(_ result: AttemptResult) async throws
    /// Ties the remote's id (a Bulk job id) to the batch and its contacts before the data goes out, so that a
    /// worker killed mid-job leaves a job to look at rather than a blank. Guarded by the lease.
    func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws

    /// Hands contacts of a claimed batch back to the queue before any request carried them (they do not fit this
    /// request: an upload's size bound), at no attempt's cost. Guarded by the lease.
    func release(_ lease: Lease, _ contacts: [ClaimedContact], reason: String) async throws

    /// Records a whole request not tied to a batch (token, reconciliation look).
    @discardableResult
    func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64
}
