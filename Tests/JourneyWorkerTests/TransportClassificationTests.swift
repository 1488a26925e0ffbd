import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import JourneyDestinations

/// Only a failure before the request was written counts as "not sent" (a contact then costs no attempt and needs no
/// look); anything that may have ended a connection that carried the request is "connection lost", and looked for.
@Suite struct TransportClassificationTests {
    @Test func anUnreachableHostOnAConnectedChannelMayHaveCarriedTheRequest() {
        for code in [EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ECONNRESET, EPIPE] {
            #expect(HTTPCaller.classify(IOError(errnoCode: code, reason: "read(descriptor:pointer:size:)")) == .connectionLost, "errno \(code)")
        }
    }

    @Test func failuresBeforeTheRequestLeftAreNotSent() {
        #expect(HTTPCaller.classify(IOError(errnoCode: ECONNREFUSED, reason: "connect")) == .notSent)
        #expect(HTTPCaller.classify(HTTPClientError.connectTimeout) == .notSent)
        #expect(HTTPCaller.classify(HTTPClientError.readTimeout) == .timeout)
        #expect(HTTPCaller.classify(HTTPClientError.remoteConnectionClosed) == .connectionLost)
    }
}
