import Crypto
import Foundation
import JourneyRuntime

/// Checks bearer keys against the configured SHA-256 digests, in time that does not depend on how much matched.
public struct APIKeyVerifier: Sendable {
    let keys: [(key: HTTPConfig.APIKey, digest: [UInt8])]

    public init(keys: [HTTPConfig.APIKey]) {
        self.keys = keys.map { ($0, Self.bytes(hex: $0.sha256)) }
    }

    /// The key's entry, or nil. Every configured digest is compared, byte by byte without an early exit.
    func verify(_ presented: String) -> HTTPConfig.APIKey? {
        let digest = Array(SHA256.hash(data: Data(presented.utf8)))
        var found: HTTPConfig.APIKey?
        for entry in keys {
            var difference: UInt8 = entry.digest.count == digest.count ? 0 : 1
            for (left, right) in zip(entry.digest, digest) { difference |= left ^ right }
            if difference == 0 { found = entry.key }
        }
        return found
    }

    /// The hex SHA-256 of a key, as the config names it.
    public static func digest(of key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random key: 32 bytes from the system's generator, URL-safe base64, prefixed so that it is recognisable.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "jq_"
            + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex),
            let byte = UInt8(hex[index..<next], radix: 16)
        {
            out.append(byte)
            index = next
        }
        return out
    }
}
