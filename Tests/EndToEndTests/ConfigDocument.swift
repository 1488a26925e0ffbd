import Foundation
import Yams

/// A config file as values: read with Yams, changed key by key, written back. No test edits config text.
struct ConfigDocument {
    struct NotAConfig: Error, CustomStringConvertible {
        let description: String
    }

    private var root: Node.Mapping

    /// The config at `path` (as `journeyq simulate --write-config` wrote it).
    init(path: String) throws {
        guard let node = try Yams.compose(yaml: try String(contentsOfFile: path, encoding: .utf8)), let mapping = node.mapping else {
            throw NotAConfig(description: "\(path) holds no mapping")
        }
        root = mapping
    }

    private var destinations: Node.Mapping {
        get { root["destinations"]?.mapping ?? Node.Mapping([]) }
        set { root["destinations"] = .mapping(newValue) }
    }

    /// Keeps only the destinations named.
    mutating func keepDestinations(_ names: Set<String>) {
        destinations = Node.Mapping(destinations.filter { names.contains($0.key.string ?? "") })
    }

    /// Sets `key` of destination `name` to the scalar `value` (YAML reads `60s` as text, `8` as a number).
    mutating func set(_ name: String, _ key: String, _ value: String) throws {
        guard var entry = destinations[name]?.mapping else { throw NotAConfig(description: "no destination \(name)") }
        entry[key] = Node(value)
        destinations[name] = .mapping(entry)
    }

    /// Sets several keys of destination `name`.
    mutating func set(_ name: String, _ values: KeyValuePairs<String, String>) throws {
        for (key, value) in values { try set(name, key, value) }
    }

    /// Sets the top-level mapping `section` (`tracing`, `http`) to `values`.
    mutating func set(section: String, _ values: KeyValuePairs<String, String>) {
        root[section] = .mapping(Node.Mapping(values.map { (Node($0.key), Node($0.value)) }))
    }

    /// The config as YAML.
    func yaml() throws -> String { try Yams.serialize(node: .mapping(root)) }

    /// Writes the config to `path`.
    func write(to path: String) throws {
        try yaml().write(toFile: path, atomically: true, encoding: .utf8)
    }
}
