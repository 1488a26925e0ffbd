import Foundation
import Testing

@testable import JourneyQueue

/// A temporary directory removed at deinit.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String, _ contents: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

func readAll(_ path: String, _ format: InputFormat, keyColumn: String = "contactKey", limits: ContactLimits = .standard) throws
    -> [ReadOutcome]
{
    var outcomes: [ReadOutcome] = []
    try RecordReader(path: path, format: format, keyColumn: keyColumn, validator: RecordValidator(limits: limits)).forEach {
        outcomes.append($0)
    }
    return outcomes
}

func errors(_ outcomes: [ReadOutcome]) -> [String] {
    outcomes.compactMap { if case .invalid(let error, _) = $0 { error.description } else { nil } }
}

func records(_ outcomes: [ReadOutcome]) -> [ContactRecord] {
    outcomes.compactMap { if case .record(let record, _) = $0 { record } else { nil } }
}

@Suite struct RecordReaderTests {
    @Test func readsBothNDJSONShapesAndSkipsBlankLines() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file(
            "in.ndjson",
            """
            {"contactKey": "a", "data": {"email": "a@x.se", "age": 42, "vip": true, "note": null}}

            {"id": "b", "properties": {"firstname": "Bo"}}\r
            {"contactKey": "c"}
            """)
        let outcomes = try readAll(path, .ndjson)
        #expect(errors(outcomes).isEmpty)
        let got = records(outcomes)
        #expect(got.map(\.key) == ["a", "b", "c"])
        #expect(got[0].dataJSON == #"{"email":"a@x.se","age":42,"vip":true,"note":null}"#)
        #expect(got[1].dataJSON == #"{"firstname":"Bo"}"#)
        #expect(got[2].dataJSON == "{}")
    }

    @Test func namesLineFieldAndRuleForEveryInvalidRecord() throws {
        let dir = try TemporaryDirectory()
        let long = String(repeating: "k", count: 255)
        let path = try dir.file(
            "bad.ndjson",
            [
                #"{"contactKey": "ok", "data": {}}"#,
                #"{"contactKey": "", "data": {}}"#,
                #"{"contactKey": 12, "data": {}}"#,
                #"{"data": {"a": 1}}"#,
                #"{"contactKey": "x", "data": {"nested": {"a": 1}}}"#,
                #"{"contactKey": "x", "data": {"list": [1]}}"#,
                #"{"contactKey": "x", "data": "text"}"#,
                #"{"contactKey": "x", "extra": 1}"#,
                #"{"contactKey": "\#(long)"}"#,
                #"{"contactKey": "x", "data": {"a": 1, "a": 2}}"#,
                #"{"contactKey": "x\u0001"}"#,
                #"{"contactKey": "x", "data": {"a": 1}"#,
                #"[1, 2]"#,
            ].joined(separator: "\n"))
        let got = errors(try readAll(path, .ndjson))
        #expect(
            got == [
                "\(path):2: field 'contactKey': must not be empty",
                "\(path):3: field 'contactKey': expected a non-empty string, found a number",
                "\(path):4: field 'contactKey': missing: every record needs a contact key",
                "\(path):5: field 'data.nested': expected a string, number, boolean or null, found an object (data must be flat)",
                "\(path):6: field 'data.list': expected a string, number, boolean or null, found an array (data must be flat)",
                "\(path):7: field 'data': expected an object of fields, found a string",
                "\(path):8: field 'extra': unknown field: a record has 'contactKey' and optionally 'data', 'notBefore', 'notAfter'",
                "\(path):9: field 'contactKey': longer than 254 bytes (255)",
                "\(path):10: field 'data.a': appears twice",
                "\(path):11: field 'contactKey': must not contain control characters",
                "\(path):12:37: invalid JSON: unexpected end of input inside an object",
                "\(path):13: expected a JSON object, found an array",
            ])
    }

    @Test func enforcesSizeLimits() throws {
        let dir = try TemporaryDirectory()
        let limits = ContactLimits(maxKeyBytes: 10, maxDataBytes: 40, maxFields: 2, maxRecordBytes: 80)
        let path = try dir.file(
            "big.ndjson",
            [
                #"{"contactKey": "a", "data": {"x": "\#(String(repeating: "y", count: 40))"}}"#,
                #"{"contactKey": "b", "data": {"x": 1, "y": 2, "z": 3}}"#,
                #"{"contactKey": "c", "data": {"x": "\#(String(repeating: "y", count: 100))"}}"#,
                #"{"contactKey": "d"}"#,
            ].joined(separator: "\n"))
        let got = errors(try readAll(path, .ndjson, limits: limits))
        #expect(
            got == [
                "\(path):1: field 'data': data is 48 bytes as JSON, more than the limit of 40",
                "\(path):2: field 'data': more than 2 fields (3)",
                "\(path):3: line longer than 80 bytes",
            ])
        #expect(records(try readAll(path, .ndjson, limits: limits)).map(\.key) == ["d"])
    }

    @Test func readsCSVWithQuotesAndMultilineFields() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file(
            "in.csv", "email,ContactKey,note\r\na@x.se,k1,\"said \"\"hi\"\", twice\"\nb@x.se,k2,\"two\nlines\"\nc@x.se,,x\nd@x.se,k4\n")
        let outcomes = try readAll(path, .csv, keyColumn: "ContactKey")
        let got = records(outcomes)
        #expect(got.map(\.key) == ["k1", "k2"])
        #expect(got[0].dataJSON == #"{"email":"a@x.se","note":"said \"hi\", twice"}"#)
        #expect(got[1].dataJSON == #"{"email":"b@x.se","note":"two\nlines"}"#)
        #expect(
            errors(outcomes) == [
                "\(path):5: field 'ContactKey': must not be empty",
                "\(path):6: expected 3 columns as in the header, found 2",
            ])
    }

    @Test func csvWithoutTheKeyColumnIsRefusedWhole() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("in.csv", "email,name\na,b\n")
        #expect(throws: InputFileError.missingKeyColumn(path: path, column: "contactKey", header: ["email", "name"])) {
            _ = try readAll(path, .csv)
        }
    }

    @Test func readsAJSONArrayNamingEachElementsLine() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file(
            "in.json",
            """
            [
              {"contactKey": "a", "data": {"n": 1}},
              {"contactKey": "b",
               "data": {"n": {"deep": 1}}},
              {"id": "c"}
            ]
            """)
        let outcomes = try readAll(path, .json)
        #expect(records(outcomes).map(\.key) == ["a", "c"])
        #expect(
            errors(outcomes) == [
                "\(path):3: field 'data.n': expected a string, number, boolean or null, found an object (data must be flat)"
            ])
    }

    @Test func aBrokenJSONArrayIsRefusedWithLineAndColumn() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("in.json", "[\n  {\"contactKey\": \"a\"},\n  {\"contactKey\" \"b\"}\n]")
        #expect(throws: InputFileError.syntax(path: path, line: 3, column: 17, message: "invalid JSON: expected ':' after field name")) {
            _ = try readAll(path, .json)
        }
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: InputFileError.cannotOpen(path: "/nonexistent/x.ndjson", errno: ENOENT)) {
            _ = try readAll("/nonexistent/x.ndjson", .ndjson)
        }
    }

    @Test func formatFollowsTheExtension() {
        #expect(InputFormat.inferred(fromPath: "a.NDJSON") == .ndjson)
        #expect(InputFormat.inferred(fromPath: "a.jsonl") == .ndjson)
        #expect(InputFormat.inferred(fromPath: "a.csv") == .csv)
        #expect(InputFormat.inferred(fromPath: "a.json") == .json)
        #expect(InputFormat.inferred(fromPath: "a.txt") == nil)
    }
}

@Suite struct LargeInputTests {
    @Test func linesAcrossManyBufferRefillsAreAllRead() throws {
        let dir = try TemporaryDirectory()
        let count = 60_000
        var text = ""
        for index in 0..<count {
            text += "{\"contactKey\":\"key-\(index)\",\"data\":{\"pad\":\"\(String(repeating: "x", count: index % 97))\"}}\n"
        }
        let path = try dir.file("many.ndjson", text)
        let outcomes = try readAll(path, .ndjson)
        #expect(errors(outcomes).isEmpty)
        let keys = records(outcomes).map(\.key)
        #expect(keys.count == count)
        #expect(keys.last == "key-\(count - 1)")
    }
}

@Suite struct CSVEncodingTests {
    /// Two keys that differ only in invalid bytes must never both become "\u{FFFD}": invalid UTF-8 is an error.
    @Test func invalidUTF8InACSVFieldIsAnErrorWithLineAndColumn() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).csv").path
        var bytes = Array("contactKey,email\nok,a@b.se\n".utf8)
        bytes += [0x61, 0xFF, 0x62] + Array(",x@y.se\n".utf8)
        bytes += Array("c,".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var outcomes: [ReadOutcome] = []
        try RecordReader(path: path, format: .csv).forEach { outcomes.append($0) }
        #expect(outcomes.count == 3)
        guard case .invalid(let first, _) = outcomes[1], case .invalid(let second, _) = outcomes[2] else {
            Issue.record("expected the two records with invalid bytes to be invalid: \(outcomes)")
            return
        }
        #expect(first.line == 3 && first.column == 1 && first.rule.contains("invalid UTF-8"))
        #expect(second.line == 4 && second.column == 3)
    }
}

@Suite struct JSONArrayStreamTests {
    @Test func elementsStreamWithTheirRawTextAndStringsMayHoldBrackets() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file(
            "in.json", #"[{"contactKey":"a]\"[","data":{"x":"}{"}} , {"contactKey":"b","data":{"n":[1]}},{"id":"c"}]"# + "\n  \n")
        let outcomes = try readAll(path, .json)
        #expect(records(outcomes).map(\.key) == ["a]\"[", "c"])
        guard case .invalid(_, let raw) = outcomes[1] else { Issue.record("expected b to be invalid"); return }
        #expect(raw == #"{"contactKey":"b","data":{"n":[1]}}"#, "rejects get the element as written")
    }

    @Test func anOverlongElementIsRejectedAloneAndTheRestIsRead() throws {
        let dir = try TemporaryDirectory()
        var limits = ContactLimits.standard
        limits.maxRecordBytes = 60
        let long = String(repeating: "x", count: 100)
        let path = try dir.file("in.json", "[{\"contactKey\":\"a\"},{\"contactKey\":\"\(long)\"},{\"contactKey\":\"c\"}]")
        let outcomes = try readAll(path, .json, limits: limits)
        #expect(records(outcomes).map(\.key) == ["a", "c"])
        #expect(errors(outcomes) == ["\(path):1: record longer than 60 bytes"])
    }

    @Test func whatIsNotAnArrayOrEndsEarlyIsRefused() throws {
        let dir = try TemporaryDirectory()
        let object = try dir.file("o.json", "{\"contactKey\":\"a\"}")
        #expect(throws: InputFileError.notAnArray(path: object, found: "an object")) { _ = try readAll(object, .json) }
        let open = try dir.file("open.json", "[{\"contactKey\":\"a\"},\n")
        #expect(throws: InputFileError.syntax(path: open, line: 2, column: 1, message: "invalid JSON: unterminated array")) {
            _ = try readAll(open, .json)
        }
        let trailing = try dir.file("t.json", "[] x")
        #expect(throws: InputFileError.syntax(path: trailing, line: 1, column: 4, message: "invalid JSON: text after the array")) {
            _ = try readAll(trailing, .json)
        }
        let comma = try dir.file("c.json", "[{\"contactKey\":\"a\"} {\"contactKey\":\"b\"}]")
        #expect(throws: InputFileError.syntax(path: comma, line: 1, column: 21, message: "invalid JSON: expected ',' or ']'")) {
            _ = try readAll(comma, .json)
        }
    }
}

/// `notBefore` and `notAfter` as record fields (NDJSON members, CSV columns): read as moments, never as data.
@Suite struct ScheduleFieldTests {
    func records(_ outcomes: [ReadOutcome]) -> [ContactRecord] {
        outcomes.compactMap { if case .record(let record, _) = $0 { record } else { nil } }
    }

    @Test func ndjsonAndCSVCarryTheLimitsOutsideTheData() throws {
        let directory = try TemporaryDirectory()
        let ndjson = try directory.file(
            "s.ndjson",
            """
            {"contactKey":"a","data":{"x":1},"notBefore":"2027-03-28T08:00:00+02:00","notAfter":"2027-03-29T00:00:00Z"}
            {"contactKey":"b","notAfter":null}
            """)
        let read = records(try readAll(ndjson, .ndjson))
        #expect(read.map(\.key) == ["a", "b"])
        #expect(read[0].notBefore == ISOTime.parse("2027-03-28T06:00:00Z") && read[0].notAfter == ISOTime.parse("2027-03-29T00:00:00Z"))
        #expect(read[0].dataJSON == #"{"x":1}"#)
        #expect(read[1].notBefore == nil && read[1].notAfter == nil)
        let csv = try directory.file("s.csv", "contactKey,notAfter,city\nc,2027-03-29T00:00:00Z,Lund\nd,,Malmö\n")
        let rows = records(try readAll(csv, .csv))
        #expect(rows.map(\.notAfter) == [ISOTime.parse("2027-03-29T00:00:00Z"), nil])
        #expect(rows.map(\.dataJSON) == [#"{"city":"Lund"}"#, #"{"city":"Malmö"}"#])
    }

    @Test func aBadMomentNamesItsLineAndField() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file(
            "bad.ndjson",
            """
            {"contactKey":"a","notBefore":"2027-03-28"}
            {"contactKey":"b","notAfter":5}
            {"contactKey":"c","notBefore":"2027-03-29T00:00:00Z","notAfter":"2027-03-28T00:00:00Z"}
            """)
        let found = errors(try readAll(path, .ndjson))
        #expect(
            found == [
                "\(path):1: field 'notBefore': expected an ISO 8601 date-time with an offset (2026-03-29T08:00:00+02:00), "
                    + "found '2027-03-28'",
                "\(path):2: field 'notAfter': expected an ISO 8601 date-time with an offset, found a number",
                "\(path):3: field 'notAfter': must be later than notBefore",
            ])
    }
}
