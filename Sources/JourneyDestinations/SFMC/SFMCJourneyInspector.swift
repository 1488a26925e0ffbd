import Foundation
import HTTPTypes
import JourneyQueue

/// What Marketing Cloud says of the configured journey (docs/remote-apis.md §6.4, §7): whether it exists, takes entries (only a
/// Published, that is running, journey does), listens to the configured event definition key, and how it lets contacts
/// in again. `journeyq check` shows it; the daemon's journey watch acts on it.
struct SFMCJourneyInspector: Sendable {
    let settings: SFMCSettings
    let calls: AuthorizedCaller
    let legacyToken: Bool

    /// The journey's description, or why there is none.
    enum Lookup {
        case found(JSONValue)
        case missing(String)
        case failed(String)
    }

    func lookup(ledger: any AttemptLedger) async -> Lookup {
        guard let journeyKey = settings.journeyKey else { return .missing("journeyKey is not set in the config") }
        let url = settings.restURL + "/interaction/v1/interactions/key:" + SFMCVerifier.encode(journeyKey)
        let reply: AuthorizedCaller.Reply
        do { reply = try await calls.call(.get, url: { _ in url }, lease: nil, ledger: ledger, call: .journeyCheck) } catch {
            return .failed("\(error)")
        }
        switch reply {
        case .answered(let answer) where answer.status == 200:
            guard let journey = JSONValue.parse(answer.body, maxDepth: 16), journey["key"] != nil || journey["status"] != nil else {
                return .failed("the interactions API answered without a journey")
            }
            return .found(journey)
        case .answered(let answer) where answer.status == 404:
            return .missing("no journey has the key '\(journeyKey)'")
        case .answered(let answer):
            return .failed("HTTP \(answer.status) \(StatusClassifier.summary(answer))")
        case .failed(let failure):
            return .failed(failure.message)
        case .noToken(let failure):
            return .failed(failure.description)
        }
    }

    /// The event definition keys the journey's triggers use ([INFER]: `triggers[].metaData.eventDefinitionKey`, or
    /// `triggers[].eventDefinitionKey`).
    static func triggerKeys(_ journey: JSONValue) -> Set<String> {
        var keys = Set<String>()
        for trigger in journey["triggers"]?.array ?? [] {
            if let key = trigger["metaData"]?["eventDefinitionKey"]?.string, !key.isEmpty { keys.insert(key) }
            if let key = trigger["eventDefinitionKey"]?.string, !key.isEmpty { keys.insert(key) }
        }
        return keys
    }

    func watch(ledger: any AttemptLedger) async -> JourneyWatch {
        switch await lookup(ledger: ledger) {
        case .missing(let reason) where settings.journeyKey == nil:
            return .unknown(reason: reason)
        case .missing(let reason):
            return .misconfigured(reason: reason)
        case .failed(let reason):
            return .unknown(reason: reason)
        case .found(let journey):
            let triggers = Self.triggerKeys(journey)
            if !triggers.isEmpty && !triggers.contains(settings.eventDefinitionKey) {
                return .misconfigured(
                    reason:
                        "journey '\(settings.journeyKey ?? "")' is triggered by \(triggers.sorted().joined(separator: ", ")), "
                        + "not by eventDefinitionKey '\(settings.eventDefinitionKey)'"
                )
            }
            let status = journey["status"]?.string ?? "?"
            guard status == "Published" || status == "Running" else {
                return .notTakingEntries(reason: "journey '\(settings.journeyKey ?? "")' is \(status): it takes no entries")
            }
            return .takesEntries
        }
    }

    func preflight(tokens: TokenProvider, ledger: any AttemptLedger) async -> [PreflightCheck] {
        var checks: [PreflightCheck] = []
        do {
            let token = try await tokens.token()
            checks.append(
                PreflightCheck(
                    legacyToken ? "legacy token" : "credentials", .passed,
                    legacyToken
                        ? "a legacy (v1) token was obtained" : "a token was obtained" + (token.scope.map { " (scope: \($0))" } ?? "")))
        } catch {
            checks.append(
                PreflightCheck(
                    legacyToken ? "legacy token" : "credentials", .failed, "\(error)",
                    advice: legacyToken
                        ? "batchcontactevents needs a legacy package's client id and secret (v2 tokens are refused)"
                        : "check clientId, clientSecret and authURL; the installed package must be enabled"))
            return checks
        }
        switch await lookup(ledger: ledger) {
        case .missing(let reason):
            checks.append(
                PreflightCheck(
                    "journey exists", .failed, reason,
                    advice: "set journeyKey to the journey's key (Journey Builder › journey settings); membership is matched by it"))
        case .failed(let reason):
            checks.append(
                PreflightCheck(
                    "journey exists", .unknown, "the journey could not be looked up: \(reason)",
                    advice: "the package needs Journeys read access"))
        case .found(let journey):
            let status = journey["status"]?.string ?? "?"
            checks.append(
                PreflightCheck(
                    "journey exists", .passed,
                    "'\(journey["name"]?.string ?? settings.journeyKey ?? "")', version \(journey["version"]?.scalarText ?? "?")"))
            checks.append(
                status == "Published" || status == "Running"
                    ? PreflightCheck("journey takes entries", .passed, "status \(status)")
                    : PreflightCheck(
                        "journey takes entries", .failed, "status \(status): only a Published (running) journey takes entries",
                        advice: "publish the journey; contacts sent now would be answered 201 and enter nothing"))
            let triggers = Self.triggerKeys(journey)
            checks.append(
                triggers.isEmpty
                    ? PreflightCheck("trigger uses eventDefinitionKey", .unknown, "the journey's description names no trigger key")
                    : triggers.contains(settings.eventDefinitionKey)
                        ? PreflightCheck("trigger uses eventDefinitionKey", .passed, "'\(settings.eventDefinitionKey)'")
                        : PreflightCheck(
                            "trigger uses eventDefinitionKey", .failed, "the trigger uses \(triggers.sorted().joined(separator: ", "))",
                            advice: "set eventDefinitionKey to the journey's entry event, or journeyKey to the journey that uses it"))
            let mode = journey["entryMode"]?.string ?? "NotSet"
            let meaning =
                switch mode {
                case "MultipleEntries": "re-entry any time: a contact sent twice enters twice (journeyq never re-sends without a look)"
                case "OnceAndDone":
                    "no re-entry: a contact in the journey before is not entered again, and cannot be confirmed for this run"
                case "SingleEntryAcrossAllVersions": "re-entry only after exiting"
                default: "not set"
                }
            checks.append(PreflightCheck("entry mode", .passed, "\(mode): \(meaning)"))
        }
        let url = settings.restURL + "/interaction/v1/interactions/contactMembership"
        switch try? await calls.call(
            .post, url: { _ in url }, body: #"{"ContactKeyList":["journeyq-preflight-check"]}"#, lease: nil, ledger: ledger,
            call: .journeyCheck)
        {
        case .answered(let answer) where answer.status == 200 && JSONValue.parse(answer.body)?["results"] != nil:
            checks.append(PreflightCheck("contactMembership answers", .passed, "reconciliation can look"))
        case .answered(let answer):
            checks.append(
                PreflightCheck(
                    "contactMembership answers", .failed, "HTTP \(answer.status) \(StatusClassifier.summary(answer))",
                    advice: "the package needs Journey Builder and Automation access; without it no contact can be confirmed"))
        default:
            checks.append(PreflightCheck("contactMembership answers", .failed, "no answer", advice: "check restURL"))
        }
        return checks
    }
}
