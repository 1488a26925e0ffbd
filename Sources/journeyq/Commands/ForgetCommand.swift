import ArgumentParser
import Foundation
import JourneyQueue

/// `journeyq forget`: erases people's data on request (GDPR art. 17), keeping the proof of what was done.
struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase contacts' data on request: from their records, every ledger body that carried them, and the messages.",
        discussion: """
            Each contact record with the key keeps its key, states, ids and times (show still tells its story) and loses its
            data. A queued record is taken out of the queue unsent (dead, "erased on request"); a record in flight is never
            sent again and is erased once its request is settled (the daemon finishes it within a minute). Each erasure is
            recorded with who asked and when, and the key only as its SHA-256; never the data. On SQLite the file keeps no
            byte of the erased data (secure_delete; the WAL is checkpointed and truncated).
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print each key's summary as JSON.")
    var json = false

    @Argument(help: "The contact keys.")
    var keys: [String]

    func validate() throws {
        if keys.isEmpty { throw ValidationError("give at least one contact key") }
        if keys.contains(where: \.isEmpty) { throw ValidationError("a contact key is not empty") }
    }

    func run() async throws {
        try await database.withStoreOnServerTime { store, _ in
            var missing: [String] = []
            for key in keys {
                let summary = try await store.forget(contactKey: key, actor: OperatorIdentity.cli)
                if summary.contacts == 0 { missing.append(key) }
                if json {
                    print(AuditDetail.json(ForgetLine(contact: ContactErasure.keyDigest(key), summary: summary)))
                } else if summary.contacts > 0 {
                    var line = "erased \(key): \(summary.erased) record(s), \(summary.bodies) ledger bodies rewritten"
                    if summary.withdrawn > 0 { line += ", \(summary.withdrawn) taken out of the queue unsent" }
                    if summary.pending > 0 { line += "; \(summary.pending) in flight, erased once settled (never sent again)" }
                    print(line)
                }
            }
            if !missing.isEmpty {
                throw CLIFailure.runtime(
                    "journeyq: no contact with the key(s) \(missing.joined(separator: ", ")) in \(database.printable); "
                        + "nothing erased for them"
                )
            }
        }
    }

    struct ForgetLine: Encodable {
        var contact: String
        var summary: ErasureSummary
    }
}

/// `journeyq audit`: what operators did (pause, resume, redrive, redeliver, forget), by whom and when.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the operators' actions (pause, resume, redrive, redeliver, forget): when, by which key or user, on what."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Entries after this id.")
    var after: Int64?

    @Option(help: "At most this many entries.")
    var limit: Int = 100

    @Flag(help: "One JSON object per line.")
    var json = false

    func run() async throws {
        try await database.withStore(readOnly: true) { store in
            for entry in try await store.auditEntries(after: after, limit: limit) {
                if json {
                    print(AuditDetail.json(entry))
                } else {
                    print(
                        [String(entry.id), ISOTime.string(entry.at), entry.actor, entry.action, entry.target ?? "-", entry.detail ?? ""]
                            .joined(
                                separator: "  "))
                }
            }
        }
    }
}

/// Who acts from the command line, for the audit log: `cli:` and the login name.
enum OperatorIdentity {
    static var cli: String {
        let name =
            getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? ProcessInfo.processInfo.environment["USER"]
            ?? "unknown"
        return "cli:" + name
    }

    /// Records an action; a failure to record is said on stderr and never undoes the action.
    static func audit(_ store: any AuditLog, action: String, target: String?, detail: String?) async {
        do {
            try await store.recordAudit(actor: cli, action: action, target: target, detail: detail)
        } catch {
            FileHandle.standardError.write(Data("journeyq: warning: the audit log could not record the \(action): \(error)\n".utf8))
        }
    }
}
