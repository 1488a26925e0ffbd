import Testing

@testable import JourneyQueue

/// The fast path must agree with the parser + validator on every line it accepts, and defer to them otherwise.
@Suite struct FastRecordScannerTests {
    func slow(_ line: String) -> ContactRecord? {
        guard let value = try? JSONParser.parse(line, maxDepth: 3) else { return nil }
        return try? RecordValidator().record(fromJSON: value)
    }

    func fast(_ line: String, limits: ContactLimits = .standard) -> ContactRecord? {
        var copy = line
        return copy.withUTF8 { FastRecordScanner.scan($0, limits: limits) }
    }

    @Test(arguments: [
        #"{"contactKey": "a", "data": {"email": "a@x.se", "n": -12.5e+3, "t": true, "f": false, "z": null}}"#,
        #"{"data":{"x":"é😀"},"contactKey":"ü"}"#,
        #"{"id": "7", "properties": {"firstname": "Bo"}}"#,
        #"{"contactKey": "a", "data": null}"#,
        #"{"contactKey": "a", "data": {}}"#,
        #"{"contactKey": "a"}"#,
        #"  {"contactKey":"a","data":{"n":0}}  "#,
    ])
    func agreesWithTheSlowPath(line: String) throws {
        let quick = try #require(fast(line))
        #expect(quick == slow(line))
    }

    @Test(arguments: [
        #"{"contactKey": "a\"b"}"#,
        #"{"contactKey": "a", "data": {"x": "\u00e9"}}"#,
        #"{"contactKey": "a", "data": {"x": 01}}"#,
        #"{"contactKey": "a", "data": {"x": 1.}}"#,
        #"{"contactKey": "a", "data": {"x": {"y": 1}}}"#,
        #"{"contactKey": "a", "data": {"x": 1, "x": 2}}"#,
        #"{"contactKey": "", "data": {}}"#,
        #"{"contactKey": " a"}"#,
        #"{"contactKey": "a", "id": "b"}"#,
        #"{"contactKey": "a", "properties": {}}"#,
        #"{"contactKey": "a", "other": 1}"#,
        #"{"contactKey": "a"} x"#,
        #"{"data": {}}"#,
        #"{"contactKey": 5}"#,
    ])
    func defersEverythingElse(line: String) {
        #expect(fast(line) == nil)
    }

    @Test func defersAtTheLimits() {
        let limits = ContactLimits(maxKeyBytes: 3, maxDataBytes: 20, maxFields: 2)
        #expect(fast(#"{"contactKey": "abcd"}"#, limits: limits) == nil)
        #expect(fast(#"{"contactKey": "a", "data": {"a": 1, "b": 2, "c": 3}}"#, limits: limits) == nil)
        #expect(fast(#"{"contactKey": "a", "data": {"a": "0123456789012345"}}"#, limits: limits) == nil)
        #expect(fast(#"{"contactKey": "abc", "data": {"a": 1, "b": 2}}"#, limits: limits) != nil)
    }
}
