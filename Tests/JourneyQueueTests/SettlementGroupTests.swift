import JourneyQueue
import Testing

/// A settle writes one statement per group of outcomes that set the same values; each contact keeps its own event
/// instance id, and no outcome's values leak into another's group.
@Suite struct SettlementGroupTests {
    @Test func outcomesThatSetTheSameValuesShareAGroupAndKeepTheirOwnIDs() {
        let outcomes = [
            Settlement(contactID: 1, outcome: .accepted(eventInstanceID: "e-1", verifyAfter: 500)),
            Settlement(contactID: 2, outcome: .retry(at: 900, error: "HTTP 500", refundAttempt: false)),
            Settlement(contactID: 3, outcome: .accepted(eventInstanceID: "e-\"3\"", verifyAfter: 500)),
            Settlement(contactID: 4, outcome: .accepted(eventInstanceID: nil, verifyAfter: 500)),
            Settlement(contactID: 5, outcome: .retry(at: 900, error: "HTTP 500", refundAttempt: true)),
            Settlement(contactID: 6, outcome: .accepted(eventInstanceID: "e-6", verifyAfter: 501)),
        ]
        let groups = Settlement.groups(outcomes)
        #expect(
            groups.map(\.contactsJSON) == [
                #"[[1,"e-1",null],[3,"e-\"3\"",null],[4,null,null]]"#, "[[2,null,null]]", "[[5,null,null]]",
                #"[[6,"e-6",null]]"#,
            ])
        #expect(groups[0].values == SettlementValues(state: ContactState.accepted.rawValue, availableAt: 500, ambiguous: 0))
        #expect(groups[1].values.refund == 0 && groups[2].values.refund == 1)
        #expect(groups[1].values.lastError == "HTTP 500" && groups[1].values.state == ContactState.queued.rawValue)
        #expect(groups[3].values.availableAt == 501)
        // Every contact exactly once, whatever the grouping.
        #expect(groups.map { $0.contactsJSON.filter { $0 == "[" }.count - 1 }.reduce(0, +) == outcomes.count)
    }

    @Test func evidenceTravelsWithItsContactAndAProvenAbsenceIsCounted() {
        let groups = Settlement.groups([
            Settlement(contactID: 1, outcome: .confirmed, evidence: "journey history: entered at \"T\""),
            Settlement(contactID: 2, outcome: .confirmed),
            Settlement(
                contactID: 3, outcome: .retry(at: 5, error: "never entered", refundAttempt: false), evidence: "no entry", provenAbsent: true
            ),
        ])
        #expect(
            groups.map(\.contactsJSON) == [#"[[1,null,"journey history: entered at \"T\""],[2,null,null]]"#, #"[[3,null,"no entry"]]"#])
        #expect(groups[0].values.provenAbsent == 0 && groups[1].values.provenAbsent == 1)
        #expect(
            Settlement.rowsJSON([Settlement(contactID: 3, outcome: .confirmed, evidence: "e", provenAbsent: true)]).hasSuffix(
                #","e",1,null]]"#))
    }

    @Test func aRecheckKeepsTheStateAndCountsItsLook() {
        let groups = Settlement.groups([
            Settlement(contactID: 9, outcome: .recheck(at: 70, note: "queued", counted: true)),
            Settlement(contactID: 8, outcome: .recheck(at: 70, note: "queued", counted: false)),
        ])
        #expect(groups.count == 2)
        #expect(groups[0].values.state == nil && groups[0].values.looks == 1 && groups[0].values.ambiguous == nil)
        #expect(groups[1].values.looks == 0)
    }
}
