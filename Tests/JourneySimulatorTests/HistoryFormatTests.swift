import Foundation
import Testing

@testable import JourneySimulator

/// The sandbox writes history times as Marketing Cloud does: Central time without an offset, to the millisecond.
@Suite struct HistoryFormatTests {
    @Test func aRowsTimeIsCentralTimeToTheMillisecond() {
        #expect(SFMCHistoryRoutes.centralTime(1_700_000_000_000) == "2023-11-14T16:13:20.000")
        #expect(SFMCHistoryRoutes.centralTime(1_700_000_000_007) == "2023-11-14T16:13:20.007")
        #expect(SFMCHistoryRoutes.centralTime(1_700_000_000_999 + 6 * 3_600_000) == "2023-11-14T22:13:20.999")
        // The first second of a year, and a time before 1970 (seconds round down).
        #expect(SFMCHistoryRoutes.centralTime(1_704_088_800_000) == "2024-01-01T00:00:00.000")
        #expect(SFMCHistoryRoutes.centralTime(-1) == "1969-12-31T17:59:59.999")
    }

    @Test func idsArePaddedToTwelveDigits() {
        #expect(ZeroPadded.digits(7, 12) == "000000000007")
        #expect(ZeroPadded.digits(1_234_567_890_123, 12) == "1234567890123")
        #expect(Interaction.definitionID(index: 1) == "de1f0000-0000-4000-8000-000000000001")
    }
}
