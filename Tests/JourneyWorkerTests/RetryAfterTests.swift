import JourneyQueue
import Testing

@testable import JourneyDestinations

/// Every number a remote sends is read defensively (issue 10): nothing it can send traps.
@Suite struct RetryAfterTests {
    func answer(_ headers: [String: String], _ body: String = "") -> HTTPAnswer {
        HTTPAnswer(status: 429, headers: headers, body: Array(body.utf8), latencyMillis: 1)
    }

    @Test func deltaSecondsAndHTTPDates() {
        #expect(RetryAfter.millis(header: "5", now: 0) == 5_000)
        #expect(RetryAfter.millis(header: " 0 ", now: 0) == 0)
        let now: Int64 = 784_111_777_000 - 10_000
        #expect(RetryAfter.millis(header: "Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 10_000)
        #expect(RetryAfter.millis(header: "Sunday, 06-Nov-94 08:49:37 GMT", now: now) == 10_000)
        #expect(RetryAfter.millis(header: "Sun Nov  6 08:49:37 1994", now: now) == 10_000)
        #expect(RetryAfter.millis(header: "Sun, 06 Nov 1994 08:49:37 GMT", now: now + 60_000) == 0, "a date in the past means now")
    }

    @Test func absurdValuesAreClampedOrIgnored() {
        #expect(RetryAfter.millis(header: "1e16", now: 0) == nil)
        #expect(RetryAfter.millis(header: "nan", now: 0) == nil)
        #expect(RetryAfter.millis(header: "-5", now: 0) == nil)
        #expect(RetryAfter.millis(header: "99999999999999999999999999", now: 0) == RetryAfter.ceilingMillis)
        #expect(RetryAfter.millis(header: "Fri, 31 Dec 9999 23:59:59 GMT", now: 0) == RetryAfter.ceilingMillis)
        #expect(RetryAfter.until(answer([:], #"{"retryAfter": 1e300}"#), now: 0) == RetryAfter.ceilingMillis)
        #expect(RetryAfter.until(answer([:], #"{"retryAfter": -3}"#), now: 7) == 7)
        #expect(RetryAfter.until(answer([:], #"{"retryAfter": "soon"}"#), now: 0) == nil)
        #expect(RetryAfter.until(answer(["retry-after": "2"], #"{"retryAfter": 9}"#), now: 0) == 2_000, "the header wins")
        let policy = OutcomePolicy(maxPauseMillis: 900_000)
        #expect(StatusClassifier.throttledUntil(answer(["retry-after": "86400"]), now: 0, policy: policy) == 900_000)
        #expect(StatusClassifier.throttledUntil(answer(["retry-after": "garbage"]), now: 0, policy: policy) == policy.throttlePauseMillis)
    }

    @Test func tokenLifetimesAreClamped() {
        let fallback: Int64 = 1_079_000
        #expect(TokenRequester.lifetime(.number("1079"), default: fallback) == 1_079_000)
        #expect(TokenRequester.lifetime(.string("3600"), default: fallback) == 3_600_000)
        #expect(TokenRequester.lifetime(.number("1e300"), default: fallback) == 86_400_000)
        #expect(TokenRequester.lifetime(.number("-1"), default: fallback) == fallback)
        #expect(TokenRequester.lifetime(.number("0"), default: fallback) == fallback)
        #expect(TokenRequester.lifetime(.string("NaN"), default: fallback) == fallback)
        #expect(TokenRequester.lifetime(.bool(true), default: fallback) == fallback)
        #expect(TokenRequester.lifetime(.number("0.0001"), default: fallback) == 1_000)
    }

    /// Random headers and bodies, thousands of them: the parsers answer something and never trap.
    @Test func randomAnswersNeverTrap() {
        var random = SystemRandomNumberGenerator()
        let pieces = [
            "", "1", "9", "-", "+", ".", "e", "E", "nan", "inf", "GMT", ",", " ", "Sun", "Nov", "06", ":", "99", "1e308",
            "0x1p1023", "18446744073709551616", "\u{0}", "é", "Feb 30", "00:00:60", "-0", "NaN", "Infinity",
        ]
        for _ in 0..<20_000 {
            let header = (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let number = (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let now = Int64.random(in: 0...Int64.max / 2, using: &random)
            let wait = RetryAfter.until(answer(["retry-after": header], "{\"retryAfter\": \(number)}"), now: now)
            if let wait { #expect(wait >= now && wait - now <= RetryAfter.ceilingMillis) }
            _ = StatusClassifier.summary(answer([:], "{\"errorcode\": \(number), \"message\": \"\(header)\"}"))
            _ = TokenRequester.lifetime(JSONValue.parse(Array(number.utf8)), default: 1)
            _ = HTTPDate.parse(header)
        }
    }
}

@Suite struct UploadBoundTests {
    @Test func aSymplifyFileHoldsWhatFitsAndAtLeastOneContact() {
        let contacts = (0..<10).map {
            ClaimedContact(id: Int64($0), key: "k\($0)", dataJSON: String(repeating: "x", count: 58), attempts: 1)
        }
        #expect(SymplifyBatchTriggerDestination.fitting(contacts, limit: 1_000) == 10)
        #expect(SymplifyBatchTriggerDestination.fitting(contacts, limit: 250) == 2)
        #expect(SymplifyBatchTriggerDestination.fitting(contacts, limit: 10) == 1, "one contact always goes, or nothing ever would")
    }

    @Test func theLedgerKeepsBodiesUpToItsBoundAndANoteBeyond() {
        #expect(LedgerBody.bounded("small") == "small")
        let big = String(repeating: "y", count: LedgerBody.maxBytes + 1)
        #expect(LedgerBody.bounded(big).hasPrefix("<\(LedgerBody.maxBytes + 1) bytes, not kept"))
    }
}
