import ArgumentParser
import Foundation
import JourneyQueue

/// `journeyq pause`: an operator holds a destination; every worker obeys within a second, and every restart.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Hold a destination: no request is sent to it until it is resumed (or until --until). Contacts keep their attempts."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The destination.")
    var destination: String

    @Option(help: "Resume by itself at this ISO 8601 time (or after an age such as 30m); default: until `journeyq resume`.")
    var until: String?

    @Option(help: "Why, for the report and the dashboard.")
    var reason: String?

    func run() async throws {
        try await database.withStoreOnServerTime { store, clock in
            let now = clock.nowMillis()
            var end: Int64?
            if let until {
                guard let parsed = try? TimeArgument.parse(until, now: now, future: true), parsed > now else {
                    throw CLIFailure.badInput("journeyq: --until: expected a future ISO 8601 time or an age such as 30m, got '\(until)'")
                }
                end = parsed
            }
            do {
                try await store.setPause(destination: destination, paused: true, until: end, reason: reason)
            } catch let error as StoreError {
                throw CLIFailure.badInput("journeyq: \(error)")
            }
            await OperatorIdentity.audit(
                store, action: "pause", target: destination,
                detail: AuditDetail.json(["until": end.map(ISOTime.string) ?? "", "reason": reason ?? ""]))
            print("paused \(destination) \(end.map { "until \(ISOTime.string($0))" } ?? "until resumed")")
        }
    }
}

/// `journeyq resume`: lets a paused destination go again.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let a paused destination be sent to again.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The destination.")
    var destination: String

    func run() async throws {
        try await database.withStoreOnServerTime { store, _ in
            do {
                try await store.setPause(destination: destination, paused: false, until: nil, reason: nil)
            } catch let error as StoreError {
                throw CLIFailure.badInput("journeyq: \(error)")
            }
            await OperatorIdentity.audit(store, action: "resume", target: destination, detail: nil)
            print("resumed \(destination)")
        }
    }
}
