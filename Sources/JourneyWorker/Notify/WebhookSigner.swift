import Crypto
import Foundation
import JourneyDestinations

/// Signs messages as the Standard Webhooks specification says: `webhook-signature` is `v1,` and the base64 of
/// HMAC-SHA256 over `id.timestamp.body`, keyed by the secret (`whsec_` + base64 of the key bytes).
public struct WebhookSigner: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key's bytes (SymmetricKey is not Sendable; one is made per signature).
    let key: [UInt8]

    /// Why a secret cannot sign.
    public struct BadSecret: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// A signer for `secret`: `whsec_` followed by the base64 of 24 to 64 bytes, or any other text of at least 24 bytes
    /// (its UTF-8 bytes are the key).
    public init(secret: Secret) throws(BadSecret) {
        let text = secret.value
        if text.hasPrefix("whsec_") {
            guard let bytes = Data(base64Encoded: String(text.dropFirst(6))), (24...64).contains(bytes.count) else {
                throw BadSecret(description: "whsec_ followed by the base64 of 24 to 64 random bytes")
            }
            key = Array(bytes)
        } else {
            guard text.utf8.count >= 24 else { throw BadSecret(description: "at least 24 bytes (or whsec_ and base64)") }
            key = Array(text.utf8)
        }
    }

    public var description: String { "<webhook signer>" }
    public var debugDescription: String { "<webhook signer>" }

    /// The `webhook-signature` header's value for one message.
    public func signature(messageID: String, timestamp: Int64, body: [UInt8]) -> String {
        var signed = Data("\(messageID).\(timestamp).".utf8)
        signed.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers of a signed message sent at `timestamp` (epoch seconds).
    public func headers(messageID: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        [
            ("webhook-id", messageID), ("webhook-timestamp", "\(timestamp)"),
            ("webhook-signature", signature(messageID: messageID, timestamp: timestamp, body: body)),
        ]
    }
}
