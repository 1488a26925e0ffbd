import JourneyQueue
import Testing

/// What leaves a ledger body when one contact is erased: its member's values, in every shape a remote is sent.
@Suite struct ContactErasureTests {
    static let values: Set<String> = ["ada.lovelace@example.org", "Lovelace Cove", "4711"]

    /// Symplify's upload: a JSON document a line. Only Ada's line loses her values; Bob's keeps his, the same city included.
    @Test func anNDJSONUploadLosesOneLinesValues() throws {
        let body = """
            {"id":"ada","properties":{"email":"ada.lovelace@example.org","city":"Lovelace Cove","score":4711}}
            {"id":"bob","properties":{"email":"bob@example.org","city":"Lovelace Cove","score":4711}}

            """
        let erased = try #require(ContactErasure.erase(body: body, key: "ada", values: Self.values))
        let lines = erased.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty, "one line each, the last newline kept: \(erased)")
        #expect(
            lines[0].contains("\"id\":\"ada\"") && !lines[0].contains("ada.lovelace") && !lines[0].contains("Lovelace Cove"), "\(lines[0])")
        #expect(!lines[0].contains("4711"), "numbers too: \(lines[0])")
        #expect(String(lines[1]) == body.split(separator: "\n")[1], "Bob's line is untouched")
    }

    @Test func aBatchEntryLosesTheMembersValuesOnly() throws {
        let body = """
            {"members":[{"contactKey":"ada","data":{"email":"ada.lovelace@example.org"}},\
            {"contactKey":"bob","data":{"email":"bob@example.org"}}]}
            """
        let erased = try #require(ContactErasure.erase(body: body, key: "ada", values: Self.values))
        #expect(
            !erased.contains("ada.lovelace") && erased.contains("bob@example.org") && erased.contains("\"contactKey\":\"ada\""), "\(erased)"
        )
        #expect(ContactErasure.erase(body: body, key: "carol", values: ["carol@example.org"]) == nil, "nothing of Carol's: unchanged")
    }
}
