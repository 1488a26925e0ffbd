import Testing

@testable import JourneyQueue

@Suite struct JSONParserTests {
    @Test func parsesScalarsObjectsAndEscapes() throws {
        let value = try JSONParser.parse(#"{"a": "x\"\u00e9\ud83d\ude00", "n": -1.5e3, "t": true, "f": false, "z": null, "l": [1, 2]}"#)
        #expect(
            value
                == .object([
                    ("a", .string("x\"é😀")), ("n", .number("-1.5e3")), ("t", .bool(true)), ("f", .bool(false)),
                    ("z", .null), ("l", .array([.number("1"), .number("2")])),
                ]))
    }

    @Test(arguments: [
        ("{\"a\": 1,}", "expected a field name in double quotes"),
        ("{\"a\" 1}", "expected ':' after field name"),
        ("{\"a\": 01}", "expected ',' or '}' in an object"),
        ("{\"a\": tru}", "invalid literal"),
        ("{\"a\": \"x}", "unterminated string"),
        ("{\"a\": 1} x", "unexpected text after the JSON value"),
        ("[[[[1]]]]", "nesting deeper than 3 levels"),
        ("{\"a\": \"\\ud800\"}", "unpaired surrogate in \\u escape"),
    ])
    func rejectsMalformedInputWithAReason(text: String, message: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text, maxDepth: 3) }
        do {
            _ = try JSONParser.parse(text, maxDepth: 3)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func reportsTheColumn() {
        do {
            _ = try JSONParser.parse("{\"a\": ?}")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.column == 7)
        }
    }

    @Test func writesWhatItReads() throws {
        let fields = [Field("s", .string("a\"b\\c\n\u{01}")), Field("n", .number("12.50")), Field("b", .bool(true)), Field("z", .null)]
        let text = JSONText.object(fields)
        #expect(
            try JSONParser.parse(text)
                == .object([("s", .string("a\"b\\c\n\u{01}")), ("n", .number("12.50")), ("b", .bool(true)), ("z", .null)]))
    }
}
