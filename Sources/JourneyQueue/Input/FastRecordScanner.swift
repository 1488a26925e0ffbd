/// The common NDJSON record, validated and written out canonically in one pass over its bytes.
///
/// It accepts only what needs no decoding (no escapes, no limit near) and returns nil for anything
/// else, so that `JSONParser` + `RecordValidator` stay the one source of error messages and of the
/// canonical form: for every line it accepts, its `dataJSON` equals what that slow path writes.
enum FastRecordScanner {
    private static let contactKey = Array("contactKey".utf8)
    private static let data = Array("data".utf8)
    private static let id = Array("id".utf8)
    private static let properties = Array("properties".utf8)

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, limits: ContactLimits) -> ContactRecord? {
        var scanner = Cursor(bytes: bytes)
        scanner.skipWhitespace()
        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        var key: String?
        var dataJSON: String?
        var symplify: Bool?
        var members = 0
        while true {
            scanner.skipWhitespace()
            if members == 0, scanner.consume(UInt8(ascii: "}")) { break }
            guard let name = scanner.plainString() else { return nil }
            scanner.skipWhitespace()
            guard scanner.consume(UInt8(ascii: ":")) else { return nil }
            scanner.skipWhitespace()
            let isKey = scanner.equals(name, contactKey) || scanner.equals(name, id)
            let isData = scanner.equals(name, data) || scanner.equals(name, properties)
            let shape = scanner.equals(name, id) || scanner.equals(name, properties)
            guard isKey || isData, symplify == nil || symplify == shape else { return nil }
            symplify = shape
            if isKey {
                guard key == nil, let range = scanner.plainString(), range.count > 0, range.count <= limits.maxKeyBytes,
                    !range.contains(where: { bytes[$0] <= 0x20 || bytes[$0] == 0x7F }),
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                else { return nil }
                key = text
            } else {
                guard dataJSON == nil, let json = scanner.flatObject(limits: limits) else { return nil }
                dataJSON = json
            }
            members += 1
            scanner.skipWhitespace()
            if scanner.consume(UInt8(ascii: ",")) { continue }
            guard scanner.consume(UInt8(ascii: "}")) else { return nil }
            break
        }
        scanner.skipWhitespace()
        guard scanner.atEnd, let key else { return nil }
        return ContactRecord(key: key, dataJSON: dataJSON ?? "{}")
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        func equals(_ range: Range<Int>, _ word: [UInt8]) -> Bool {
            range.count == word.count && zip(range, word).allSatisfy { bytes[$0] == $1 }
        }

        /// A string without escapes or control characters: the range of its content.
        mutating func plainString() -> Range<Int>? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return start..<(index - 1)
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// A flat object of scalars, written canonically; nil for anything the slow path must judge.
        mutating func flatObject(limits: ContactLimits) -> String? {
            if index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
                bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
            {
                index += 4
                return "{}"
            }
            guard consume(UInt8(ascii: "{")) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(min(bytes.count, limits.maxDataBytes) + 2)
            out.append(UInt8(ascii: "{"))
            var names: [Range<Int>] = []
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { return "{}" }
            while true {
                skipWhitespace()
                guard let name = plainString(), !name.isEmpty, names.count < limits.maxFields else { return nil }
                for earlier in names where earlier.count == name.count && zip(earlier, name).allSatisfy({ bytes[$0] == bytes[$1] }) {
                    return nil
                }
                names.append(name)
                if out.count > 1 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[name]))
                out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                let start = index
                guard scalar() else { return nil }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "}")) else { return nil }
                break
            }
            out.append(UInt8(ascii: "}"))
            guard out.count <= limits.maxDataBytes else { return nil }
            return String(validating: out, as: UTF8.self)
        }

        /// Skips one string, number or literal; false for anything else.
        mutating func scalar() -> Bool {
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""): return plainString() != nil
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return false
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func number() -> Bool {
            _ = consume(UInt8(ascii: "-"))
            let integerStart = index
            let count = digits()
            // A leading zero must stand alone ("01" is not JSON).
            guard count > 0, count == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return false }
            if consume(UInt8(ascii: ".")) { guard digits() > 0 else { return false } }
            if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
                if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
                guard digits() > 0 else { return false }
            }
            return true
        }

        mutating func digits() -> Int {
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            return index - start
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
