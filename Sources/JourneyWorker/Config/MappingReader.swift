import Foundation
import JourneyDestinations
import JourneyQueue
import Yams

extension ConfigLoader {
    /// Reads one mapping's keys through their `Setting`s, remembering which were read so that typos are refused; a key's
    /// deprecated spelling is still read, with a warning.
    final class MappingReader: SettingsReader {
        let loader: ConfigLoader
        let path: String
        let node: Node
        let mapping: Node.Mapping
        var read: Set<String> = []

        init(loader: ConfigLoader, path: String, node: Node) throws {
            guard let mapping = node.mapping else {
                throw ConfigError(file: loader.file, line: node.mark?.line, key: path, expected: "a mapping of settings")
            }
            self.loader = loader
            self.path = path
            self.node = node
            self.mapping = mapping
        }

        func error(_ key: String, _ expected: String) -> ConfigError {
            ConfigError(file: loader.file, line: (mapping[key] ?? node).mark?.line, key: "\(path).\(key)", expected: expected)
        }

        func error(_ setting: Setting, _ expected: String) -> ConfigError {
            let key = setting.legacy.flatMap { mapping[$0.key] != nil && mapping[setting.key] == nil ? $0.key : nil } ?? setting.key
            return error(key, expected)
        }

        func invalid(_ setting: Setting, _ expected: String) -> any Error { error(setting, expected) }

        /// Whether the mapping gives the setting, under either spelling.
        func has(_ setting: Setting) -> Bool {
            mapping[setting.key] != nil || setting.legacy.map { mapping[$0.key] != nil } == true
        }

        private func value(_ key: String) -> Node? {
            read.insert(key)
            return mapping[key]
        }

        /// The setting's node, under its key or (warned) under its deprecated key; the legacy spelling when that was it.
        private func node(_ setting: Setting) throws -> (node: Node, legacy: Setting.Legacy?)? {
            let current = value(setting.key)
            guard let legacy = setting.legacy else { return current.map { ($0, nil) } }
            let old = value(legacy.key)
            switch (current, old) {
            case (.some, .some):
                throw error(legacy.key, "only one of \(setting.key) and \(legacy.key) (its old spelling)")
            case (let node?, nil):
                return (node, nil)
            case (nil, let node?):
                let unit = legacy.millisPerUnit == 1 ? "ms" : "s"
                let example = node.string.map { "\($0)\(unit)" } ?? "10s"
                loader.warn(
                    line: node.mark?.line,
                    "\(path).\(legacy.key) is deprecated: write \(setting.key): \(example) (durations carry their unit)")
                return (node, legacy)
            default:
                return nil
            }
        }

        func optionalString(_ setting: Setting) throws -> String? {
            guard let node = value(setting.key) else { return nil }
            guard case .scalar = node, let text = node.string, !text.isEmpty else { throw error(setting.key, "a non-empty string") }
            return text
        }

        func string(_ setting: Setting) throws -> String {
            let text: String
            if let given = try optionalString(setting) {
                text = given
            } else {
                switch setting.value {
                case .text(let fallback?), .choice(let fallback?, _): return fallback
                default: throw error(setting.key, "a non-empty string (required)")
                }
            }
            if case .choice(_, let among) = setting.value, !among.contains(text) {
                throw error(setting.key, among.joined(separator: " or "))
            }
            return text
        }

        func bool(_ setting: Setting) throws -> Bool {
            guard case .flag(let fallback) = setting.value else { preconditionFailure("\(setting.key) is not a flag") }
            guard let node = value(setting.key) else { return fallback }
            guard let flag = node.bool else { throw error(setting.key, "true or false") }
            return flag
        }

        func stringList(_ setting: Setting) throws -> [String] {
            guard case .list(let fallback) = setting.value else { preconditionFailure("\(setting.key) is not a list") }
            guard let node = value(setting.key) else { return fallback }
            guard case .sequence = node else { throw error(setting.key, "a list of strings") }
            return try node.array().map { item in
                guard let text = item.string else { throw error(setting.key, "a list of strings") }
                return text
            }
        }

        func int(_ setting: Setting) throws -> Int {
            guard case .integer(let fallback, let range) = setting.value else { preconditionFailure("\(setting.key) is not an integer") }
            return try int(setting, default: fallback, in: range)
        }

        /// An integer whose default and range depend on more than the setting (a kind's batch sizes).
        func int(_ setting: Setting, default fallback: Int?, in range: ClosedRange<Int>) throws -> Int {
            guard let node = value(setting.key) else {
                if let fallback { return fallback }
                throw error(setting.key, "an integer (required)")
            }
            guard let number = node.int, range.contains(number) else {
                throw error(setting.key, "an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        /// An integer when the key is given, nil when it is not (a setting without a default).
        func optionalInt(_ setting: Setting) throws -> Int? {
            guard mapping[setting.key] != nil else {
                read.insert(setting.key)
                return nil
            }
            return try int(setting)
        }

        func double(_ setting: Setting) throws -> Double {
            guard case .number(let fallback, let range) = setting.value else { preconditionFailure("\(setting.key) is not a number") }
            guard let node = value(setting.key) else {
                if let fallback { return fallback }
                throw error(setting.key, "a number (required)")
            }
            guard let number = node.float ?? node.int.map(Double.init), range.contains(number) else {
                throw error(setting.key, "a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        func duration(_ setting: Setting) throws -> Int64 {
            guard case .duration(let fallback, let range) = setting.value else { preconditionFailure("\(setting.key) is not a duration") }
            guard let (node, legacy) = try node(setting) else {
                if let fallback { return fallback }
                throw error(setting.key, "a duration such as 30s, 5m or 24h (required)")
            }
            let bounds = "from \(SettingDuration.text(range.lowerBound)) to \(SettingDuration.text(range.upperBound))"
            if let legacy {
                guard let number = node.float ?? node.int.map(Double.init), number.isFinite, number >= 0,
                    case let millis = Int64((number * legacy.millisPerUnit).rounded()), range.contains(millis)
                else {
                    throw error(legacy.key, "a number of \(legacy.millisPerUnit == 1 ? "milliseconds" : "seconds") \(bounds)")
                }
                return millis
            }
            var unitless = false
            guard case .scalar = node, let text = node.string, let millis = SettingDuration.millis(text, unitless: &unitless),
                range.contains(millis)
            else {
                throw error(setting.key, "a duration such as 500ms, 30s, 5m, 24h or 30d, \(bounds)")
            }
            if unitless {
                loader.warn(line: node.mark?.line, "\(path).\(setting.key): a bare number is read as seconds; write \(text)s")
            }
            return millis
        }

        /// A duration that may also be `keep` (nil): retention's ages.
        func keepableDuration(_ setting: Setting) throws -> Int64? {
            if mapping[setting.key]?.string == "keep" {
                read.insert(setting.key)
                return nil
            }
            do { return try duration(setting) } catch var error as ConfigError {
                error.expected = "an age such as 30d, 12h, 15m or 90s, or keep"
                throw error
            }
        }

        func url(_ setting: Setting) throws -> String {
            guard let text = try optionalString(setting) else { throw error(setting.key, "a URL (required)") }
            if let problem = HTTPCaller.checkScheme(text) { throw error(setting.key, problem) }
            return text
        }

        /// `KEY: value` inline, `KEYEnv: NAME` naming an environment variable, or `KEYFile: PATH` naming a file that
        /// holds it (a relative path is read from systemd's `$CREDENTIALS_DIRECTORY` when set, so that `LoadCredential=`
        /// hands secrets over without the config holding them). The value never appears in an error.
        func secret(_ setting: Setting) throws -> Secret {
            let key = setting.key
            let given = [key, key + "Env", key + "File"].compactMap { name in value(name).map { (name, $0) } }
            guard given.count == 1, let (name, node) = given.first else {
                if given.isEmpty {
                    throw error(key, "a credential: inline, by environment variable name (\(key)Env) or in a file (\(key)File)")
                }
                throw error(given[1].0, "only one of \(key), \(key)Env and \(key)File")
            }
            guard case .scalar = node, let value = node.string, !value.isEmpty else { throw error(name, "a non-empty string") }
            switch name {
            case key:
                loader.inlineSecrets.keys.append("\(path).\(key)")
                return Secret(value)
            case key + "Env":
                guard let found = loader.environment[value], !found.isEmpty else {
                    throw error(name, "the name of a set environment variable; '\(value)' is not set")
                }
                return Secret(found)
            default:
                return Secret(try readSecretFile(value, key: name))
            }
        }

        private func readSecretFile(_ path: String, key: String) throws -> String {
            let credentials = loader.environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
            let resolved: String
            if path.hasPrefix("/") {
                resolved = path
            } else if let credentials {
                resolved = credentials + "/" + path
            } else {
                resolved = URL(fileURLWithPath: loader.file).deletingLastPathComponent().appendingPathComponent(path).path
            }
            guard let data = FileManager.default.contents(atPath: resolved) else {
                let hint =
                    credentials == nil && !path.hasPrefix("/") ? " (relative to the config's folder: no $CREDENTIALS_DIRECTORY is set)" : ""
                throw error(key, "a readable file holding the credential; cannot read '\(resolved)'\(hint)")
            }
            // Files made with `echo` end in a newline that is not part of the secret.
            var text = String(decoding: data, as: UTF8.self)
            while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
            guard !text.isEmpty, !text.contains("\n") else {
                throw error(key, "a file holding one credential on one line; '\(resolved)' is empty or has several lines")
            }
            return text
        }

        /// The mapping under a `.section` setting, or nil when absent.
        func child(_ setting: Setting) throws -> MappingReader? {
            guard let node = value(setting.key) else { return nil }
            return try MappingReader(loader: loader, path: "\(path).\(setting.key)", node: node)
        }

        /// The raw node under a `.section` setting (a list), or nil when absent.
        func section(_ setting: Setting) -> Node? { value(setting.key) }

        func rejectUnknown() throws {
            for key in mapping.keys {
                guard let name = key.string, read.contains(name) else {
                    throw ConfigError(file: loader.file, line: key.mark?.line, key: "\(path).\(key.string ?? "?")", expected: "unknown key")
                }
            }
        }
    }
}
