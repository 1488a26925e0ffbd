/// SplitMix64: small, fast and reproducible from a seed, which is all the sandbox needs.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        p > 0 && Double.random(in: 0..<1, using: &self) < p
    }

    /// A GUID-shaped id (lower-case hex, 8-4-4-4-12), reproducible from the seed.
    public mutating func guid() -> String {
        guid(low: next())
    }

    /// A GUID whose last 12 hex digits are `tag` (the simulator finds a record from its id without an index).
    public mutating func guid(tag: Int) -> String {
        guid(low: (next() & 0xFFFF_0000_0000_0000) | (UInt64(tag) & 0x0000_FFFF_FFFF_FFFF))
    }

    private mutating func guid(low: UInt64) -> String {
        let words = (next(), low)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            let hex = Array("0123456789abcdef".utf8)
            var out = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                let word = nibble < 16 ? words.0 : words.1
                buffer[out] = hex[Int((word >> UInt64(60 - (nibble % 16) * 4)) & 0xF)]
                out += 1
            }
            return out
        }
    }

    /// Random alphanumerics (tokens).
    public mutating func token(length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
