import ArgumentParser
import Foundation
import JourneyQueue

/// `journeyq show CONTACTKEY`: one contact's timeline.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a contact's state at every destination and every request that carried it, with the answers."
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print the timeline as JSON.")
    var json = false

    @Argument(help: "The contact key.")
    var contactKey: String

    func run() async throws {
        try await database.withStore(readOnly: true) { store in
            let timeline = try await store.timeline(contactKey: contactKey)
            guard !timeline.isEmpty else { throw CLIFailure.runtime("journeyq: no contact '\(contactKey)' in \(database.printable)") }
            if json {
                struct Entry: Encodable {
                    var contact: ContactRow
                    var requests: [LedgerEntry]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(timeline.map { Entry(contact: $0.0, requests: $0.1) }), as: UTF8.self))
                return
            }
            for (contact, requests) in timeline {
                print("\(contact.key) at \(contact.destination): \(contact.state), \(contact.attempts) attempt(s)")
                print("  enqueued \(ReportRenderer.iso(contact.enqueuedAt)), last change \(ReportRenderer.iso(contact.updatedAt))")
                if let id = contact.eventInstanceID { print("  eventInstanceId \(id)") }
                if let id = contact.requestID { print("  last request id \(id)") }
                if let notBefore = contact.notBefore { print("  not before \(ReportRenderer.iso(notBefore))") }
                if let notAfter = contact.notAfter {
                    print("  not after \(ReportRenderer.iso(notAfter))\(contact.state == "expired" ? ": passed before it was sent" : "")")
                }
                if let availableAt = contact.availableAt {
                    let why =
                        switch contact.waitingFor {
                        case "sendWindow": "for the destination's send window"
                        case "notBefore": "for its notBefore"
                        default: "before its next attempt"
                        }
                    print("  waits \(why) until \(ReportRenderer.iso(availableAt))")
                }
                if let error = contact.lastError { print("  last error: \(error)") }
                if let reason = contact.deadReason { print("  dead: \(reason)") }
                if let evidence = contact.evidence { print("  evidence: \(evidence)") }
                if let erasedAt = contact.erasedAt {
                    print("  data erased on request at \(ReportRenderer.iso(erasedAt))")
                } else {
                    print("  data \(contact.dataJSON)")
                }
                for request in requests {
                    let status = request.status.map(String.init) ?? request.errorClass ?? "no answer"
                    print(
                        "  \(ReportRenderer.iso(request.startedAt))  \(request.purpose.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                            + "#\(request.attemptNumber) \(request.method) \(request.url) → \(status) "
                            + "in \(request.latencyMillis.map { "\($0) ms" } ?? "?")"
                    )
                    if let body = request.responseBody, !body.isEmpty { print("      answer: \(body.prefix(300))") }
                    if let trace = request.traceID { print("      trace \(trace)") }
                }
            }
        }
    }
}
