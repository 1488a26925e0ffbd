import Foundation

/// One config key, described once: the loader reads the key through it (name, kind, range, default), the policies take
/// their defaults from it, and `journeyq config-reference` prints it as a row of the README's tables.
public struct Setting: Sendable {
    /// What the key holds, with its default and the values it may take.
    public enum Value: Sendable {
        /// A duration written `500ms`, `30s`, `5m`, `24h` or `30d`; default and range in milliseconds.
        case duration(default: Int64?, range: ClosedRange<Int64>)
        case integer(default: Int?, range: ClosedRange<Int>)
        case number(default: Double?, range: ClosedRange<Double>)
        case flag(default: Bool)
        case text(default: String?)
        case choice(default: String?, among: [String])
        case list(default: [String])
        /// An http(s) URL (plain http only to loopback).
        case url
        /// A credential: inline, `KEYEnv` (an environment variable's name) or `KEYFile` (a file holding it).
        case secret
        /// A mapping or list of its own, described by its own table.
        case section
    }

    /// A key this setting replaced, and how its number was written (`timeoutSeconds: 10`, `baseDelayMillis: 200`): still
    /// read, with a warning that names the new spelling.
    public struct Legacy: Sendable {
        public let key: String
        /// Milliseconds per unit of the old number: 1,000 for `…Seconds`, 1 for `…Millis`.
        public let millisPerUnit: Double

        /// `key` counted in seconds.
        public static func seconds(_ key: String) -> Legacy { Legacy(key: key, millisPerUnit: 1_000) }
        /// `key` counted in milliseconds.
        public static func millis(_ key: String) -> Legacy { Legacy(key: key, millisPerUnit: 1) }
    }

    public let key: String
    public let value: Value
    /// One line for the README: what the setting does.
    public let doc: String
    /// The default as the README prints it, where it is not one value (it depends on the kind, or the key is required).
    public let defaultNote: String?
    public let legacy: Legacy?

    /// A setting; `defaultNote` replaces the printed default where it depends on something else.
    public init(_ key: String, _ value: Value, _ doc: String, defaultNote: String? = nil, legacy: Legacy? = nil) {
        self.key = key
        self.value = value
        self.doc = doc
        self.defaultNote = defaultNote
        self.legacy = legacy
    }

    /// The default of a duration, in milliseconds.
    public var defaultMillis: Int64 {
        guard case .duration(let value?, _) = value else { preconditionFailure("\(key) has no duration default") }
        return value
    }

    /// The default of an integer.
    public var defaultInt: Int {
        guard case .integer(let value?, _) = value else { preconditionFailure("\(key) has no integer default") }
        return value
    }

    /// The default of a number.
    public var defaultDouble: Double {
        guard case .number(let value?, _) = value else { preconditionFailure("\(key) has no number default") }
        return value
    }

    /// The default of a flag.
    public var defaultBool: Bool {
        guard case .flag(let value) = value else { preconditionFailure("\(key) is not a flag") }
        return value
    }

    /// The default of a text or a choice.
    public var defaultText: String {
        switch value {
        case .text(let value?), .choice(let value?, _): return value
        default: preconditionFailure("\(key) has no text default")
        }
    }

    /// The default of a list.
    public var defaultList: [String] {
        guard case .list(let value) = value else { preconditionFailure("\(key) is not a list") }
        return value
    }

    /// The default as the README prints it.
    public var defaultDescription: String {
        if let defaultNote { return defaultNote }
        switch value {
        case .duration(let value, _): return value.map { "`\(SettingDuration.text($0))`" } ?? "none"
        case .integer(let value, _): return value.map { "\($0)" } ?? "none"
        case .number(let value, _): return value.map { SettingDuration.plain($0) } ?? "none"
        case .flag(let value): return "`\(value)`"
        case .text(let value), .choice(let value, _): return value.map { "`\($0)`" } ?? "none"
        case .list(let value): return "`[\(value.joined(separator: ", "))]`"
        case .url, .secret, .section: return "required"
        }
    }

    /// What the key takes, as the README prints it.
    public var typeDescription: String {
        switch value {
        case .duration(_, let range):
            return "duration, \(SettingDuration.text(range.lowerBound))–\(SettingDuration.text(range.upperBound))"
        case .integer(_, let range): return "integer, \(range.lowerBound)–\(SettingDuration.plain(Double(range.upperBound)))"
        case .number(_, let range): return "number, \(SettingDuration.plain(range.lowerBound))–\(SettingDuration.plain(range.upperBound))"
        case .flag: return "true or false"
        case .text: return "text"
        case .choice(_, let among): return among.joined(separator: " or ")
        case .list: return "list of text"
        case .url: return "URL"
        case .secret: return "credential (`\(key)`, `\(key)Env` or `\(key)File`)"
        case .section: return "mapping"
        }
    }
}

/// One table of settings: the keys of one mapping of the config.
public struct SettingSection: Sendable {
    /// Where the mapping sits (`destinations.NAME`, `destinations.NAME.retry`, `http`).
    public let path: String
    /// A sentence above the table.
    public let summary: String
    public let settings: [Setting]

    /// A section of `settings` found at `path`.
    public init(path: String, summary: String, settings: [Setting]) {
        self.path = path
        self.summary = summary
        self.settings = settings
    }
}

/// Durations as the config writes them: a number and one of `ms`, `s`, `m`, `h`, `d`.
public enum SettingDuration {
    private static let units: [(suffix: String, millis: Double)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Milliseconds of `30s`, `1.5m`, `500ms`; nil for text that is not a duration with its unit. `unitless` is set when
    /// the text is a bare number (read as seconds, as keys before units did).
    public static func millis(_ text: String, unitless: inout Bool) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // "ms" before "s": the longest suffix that matches names the unit.
        for (suffix, scale) in units.sorted(by: { $0.suffix.count > $1.suffix.count }) where trimmed.hasSuffix(suffix) {
            return number(trimmed.dropLast(suffix.count), scale: scale)
        }
        unitless = true
        return number(Substring(trimmed), scale: 1_000)
    }

    private static func number(_ text: Substring, scale: Double) -> Int64? {
        guard let value = Double(text), value.isFinite, value >= 0, value * scale < 3_650 * 86_400_000 else { return nil }
        return Int64((value * scale).rounded())
    }

    /// `90000` → `90s`, `86400000` → `1d`: the largest unit that divides it exactly.
    public static func text(_ millis: Int64) -> String {
        if millis == 0 { return "0s" }
        for (suffix, scale) in units.reversed() where millis % Int64(scale) == 0 { return "\(millis / Int64(scale))\(suffix)" }
        return "\(millis)ms"
    }

    /// A number without a needless `.0`, with thousands grouped for reading.
    static func plain(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            let whole = Int64(value)
            let digits = String(whole.magnitude)
            var grouped = ""
            for (index, character) in digits.reversed().enumerated() {
                if index > 0 && index % 3 == 0 { grouped.append(",") }
                grouped.append(character)
            }
            return (whole < 0 ? "-" : "") + String(grouped.reversed())
        }
        return "\(value)"
    }
}
