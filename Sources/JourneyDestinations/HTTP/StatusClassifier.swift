import Foundation
import JourneyQueue

/// The verdict an HTTP status alone gives for every contact of a request, before any per-member answer.
enum StatusClassifier {
    /// nil for a 2xx (the body decides); a verdict for everything else.
    static func verdict(for answer: HTTPAnswer) -> Verdict? {
        switch answer.status {
        case 200..<300: return nil
        case 429: return .throttled(reason: "HTTP 429 \(summary(answer))")
        case 401: return .notTaken(reason: "HTTP 401 after a token refresh \(summary(answer))")
        case 408, 500..<600: return .ambiguous(reason: "HTTP \(answer.status) \(summary(answer))")
        default: return .permanent(reason: "HTTP \(answer.status) \(summary(answer))")
        }
    }

    /// The verdict for a request that got no answer.
    static func verdict(for failure: TransportFailure) -> Verdict {
        switch failure.kind {
        case .notSent: .notTaken(reason: "not sent: \(failure.message)")
        case .timeout: .ambiguous(reason: "no answer in time: \(failure.message)")
        case .connectionLost: .ambiguous(reason: "connection lost: \(failure.message)")
        }
    }

    /// When a throttled destination may be tried again: `Retry-After`, else the body's `retryAfter`, else `fallbackMillis`.
    static func throttledUntil(_ answer: HTTPAnswer, now: Int64, fallbackMillis: Int64) -> Int64 {
        if let header = answer.headers["retry-after"], let seconds = Double(header.trimmingCharacters(in: .whitespaces)) {
            return now + Int64(seconds * 1000)
        }
        if let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any],
           let seconds = (object["retryAfter"] as? NSNumber)?.doubleValue {
            return now + Int64(seconds * 1000)
        }
        return now + fallbackMillis
    }

    /// A short description of an error answer for reasons and logs: errorcode and message when the body has them.
    static func summary(_ answer: HTTPAnswer) -> String {
        let json = try? JSONSerialization.jsonObject(with: Data(answer.body), options: [.fragmentsAllowed])
        if let object = json as? [String: Any] {
            let code = object["errorcode"].map { "errorcode \($0)" } ?? (object["error"] as? String).map { "error \($0)" }
            let message = (object["message"] as? String) ?? (object["error_description"] as? String)
            return [code, message].compactMap { $0 }.joined(separator: ": ")
        }
        if let array = json as? [[String: Any]], let first = array.first {
            return [first["errorCode"] as? String, first["message"] as? String].compactMap { $0 }.joined(separator: ": ")
        }
        return String(answer.bodyText.prefix(200))
    }
}
