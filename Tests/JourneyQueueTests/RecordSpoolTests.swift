import Foundation
import Testing

@testable import JourneyQueue

/// What an enqueue gathers before its transaction comes back whole: keys, data and each record's own limits, in order,
/// whether it stayed in memory or went to the spool file.
@Suite struct RecordSpoolTests {
    static func records(_ count: Int) -> [ContactRecord] {
        (0..<count).map { index in
            var record = ContactRecord(key: "k\(index)", data: [Field("note", .string(String(repeating: "x", count: index % 200)))])
            if index % 3 == 0 { record.notBefore = 1_800_000_000_000 + Int64(index) }
            if index % 5 == 0 { record.notAfter = -Int64(index) - 1 }
            return record
        }
    }

    @Test(arguments: [0, 1, 7, 30_000]) func recordsComeBackWholeInOrder(count: Int) async throws {
        let spool = RecordSpool()
        let written = Self.records(count)
        for record in written { try spool.append(record) }
        #expect(spool.count == count)
        var replayed: [ContactRecord] = []
        try spool.replay { replayed.append($0) }
        #expect(replayed == written)
        // And again, as the async sequence a store reads (each pass from the start).
        var iterated: [ContactRecord] = []
        for try await record in spool { iterated.append(record) }
        #expect(iterated == written)
    }
}
