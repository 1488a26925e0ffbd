import ArgumentParser
import JourneyDestinations
import JourneyQueue

/// `journeyq redrive`: dead → queued, by the operator's decision.
struct RedriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Move dead contacts of a destination back to queued (attempts reset), optionally only those whose reason contains TEXT.",
        discussion: """
            A dead contact whose last request may have been taken (a timeout, a crash, an ambiguous upload) is not sent
            again blindly: it becomes unknown and is looked for first, once the settle time after that request has passed.
            Where the destination offers no way to look (Symplify), it is sent again as you choose, and counted as a
            possible duplicate. Every redriven contact is looked for afresh before it is sent (was it in the journey
            already?). A contact whose key has a newer confirmed or unverifiable row at the destination is skipped: it
            was enqueued again and delivered (or is in doubt there) since.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The destination.")
    var destination: String

    @Option(help: "Only dead contacts whose reason contains this text.")
    var reason: String?

    @Flag(help: "Redrive expired contacts (never sent: their notAfter passed) instead of dead ones; needs --not-after.")
    var expired = false

    @Option(help: "With --expired: their new notAfter, an ISO 8601 date-time with an offset (2027-04-01T20:00:00+02:00).")
    var notAfter: String?

    func validate() throws {
        if expired && reason != nil { throw ValidationError("--reason is for dead contacts; --expired redrives every expired contact") }
        if expired && notAfter == nil { throw ValidationError("--expired needs --not-after: the new moment after which they are not sent") }
        if !expired && notAfter != nil { throw ValidationError("--not-after is used only with --expired") }
        if let notAfter, (try? RecordValidator.moment(notAfter, field: "--not-after")) == nil {
            throw ValidationError(
                "--not-after: expected an ISO 8601 date-time with an offset (2027-04-01T20:00:00+02:00), found '\(notAfter)'")
        }
    }

    func run() async throws {
        try await database.withStoreOnServerTime { store, _ in
            if expired, let notAfter, let moment = try? RecordValidator.moment(notAfter, field: "--not-after") {
                do {
                    let moved = try await store.redriveExpired(destination: destination, notAfter: moment)
                    var line =
                        "redrove \(moved.queued) expired contact(s) of \(destination) back to queued, not after \(ISOTime.string(moment))"
                    if moved.skipped > 0 { line += "; \(moved.skipped) skipped (a newer row of the same key is confirmed or unverifiable)" }
                    await OperatorIdentity.audit(
                        store, action: "redrive", target: destination,
                        detail: AuditDetail.json(["state": "expired", "queued": "\(moved.queued)", "skipped": "\(moved.skipped)"]))
                    print(line)
                } catch let error as StoreError {
                    throw CLIFailure.badInput("journeyq: \(error)")
                }
                return
            }
            do {
                let kind = try await store.counts().first { $0.name == destination }?.kind
                let moved = try await store.redrive(destination: destination, reason: reason, lookable: DestinationKind.lookable(kind))
                var line =
                    "redrove \(moved.total) dead contact(s) of \(destination): \(moved.queued) back to queued, "
                    + "\(moved.toLookFor) to be looked for first (their last request may have been taken)"
                if moved.possibleDuplicates > 0 {
                    line += "; \(moved.possibleDuplicates) of them sent again although nobody can look (possible duplicates)"
                }
                if moved.skipped > 0 { line += "; \(moved.skipped) skipped (a newer row of the same key is confirmed or unverifiable)" }
                await OperatorIdentity.audit(
                    store, action: "redrive", target: destination,
                    detail: AuditDetail.json([
                        "state": "dead", "reason": reason ?? "", "queued": "\(moved.queued)", "skipped": "\(moved.skipped)",
                    ]))
                print(line)
            } catch let error as StoreError {
                throw CLIFailure.badInput("journeyq: \(error)")
            }
        }
    }
}
