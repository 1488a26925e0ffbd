import CZlib
import Foundation
import GRDB
import JourneyQueue

/// Ledger bodies as stored: short ones as text, longer ones zlib-compressed in the format of the sqlite3 shell's
/// `sqlar_compress()`, so that `attempt_text` reads them in journeyq and in the shell alike.
enum LedgerCompression {
    /// Below this many bytes a body stays text: zlib's header and checksum would eat most of the gain.
    static let threshold = 256

    /// A body ready for its three columns.
    struct Stored: Sendable {
        var text: String
        var zip: Data?
        var size: Int?
    }

    /// `body` compressed when that makes it smaller (and `compress` allows).
    static func stored(_ body: String, compress allowed: Bool = true) -> Stored {
        let bytes = Array(body.utf8)
        guard allowed, bytes.count >= threshold, let zip = compress(bytes) else { return Stored(text: body) }
        return Stored(text: "", zip: zip, size: bytes.count)
    }

    /// zlib's `compress2` at a fast level: the request body is compressed on the path before the request leaves.
    static func compress(_ bytes: [UInt8]) -> Data? {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &length, source.baseAddress, uLong(source.count), 3)
            }
        }
        guard status == Z_OK, Int(length) < bytes.count else { return nil }
        return Data(out[0..<Int(length)])
    }

    /// The bytes `zip` holds, `size` long; `nil` when they are not what `compress` wrote.
    static func inflate(_ zip: Data, size: Int) -> Data? {
        guard size > 0, size <= LedgerBody.maxBytes * 2 else { return nil }
        if zip.count == size { return zip }
        var length = uLong(size)
        var out = [UInt8](repeating: 0, count: size)
        let status = out.withUnsafeMutableBufferPointer { target in
            zip.withUnsafeBytes { (source: UnsafeRawBufferPointer) in
                uncompress(target.baseAddress, &length, source.bindMemory(to: UInt8.self).baseAddress, uLong(zip.count))
            }
        }
        guard status == Z_OK, Int(length) == size else { return nil }
        return Data(out)
    }

    /// `sqlar_uncompress(X, SZ)` as the sqlite3 shell defines it: X unchanged when SZ is not positive or equals X's
    /// length, X inflated otherwise. The view `attempt_text` calls it; journeyq's connections get it here.
    static let sqlarUncompress = DatabaseFunction("sqlar_uncompress", argumentCount: 2, pure: true) { values in
        let size = Int.fromDatabaseValue(values[1]) ?? 0
        guard let zip = Data.fromDatabaseValue(values[0]), size > 0, size != zip.count else { return values[0] }
        return inflate(zip, size: size)
    }
}
