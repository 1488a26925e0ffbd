import Foundation
import JourneyDestinations
import JourneyQueue
import Yams

extension ConfigLoader {
    /// `notify:` a list of webhook endpoints: `{name, url, events, destinations, secret or secretEnv, batchSize, timeout,
    /// maxBackoff, parkAfter}`. Every mistake names the file, line and key; the secret never appears in an error.
    func notify(_ node: Node, destinations: [String]) throws -> [WebhookConfig] {
        guard case .sequence = node else {
            throw ConfigError(
                file: file, line: node.mark?.line, key: "notify", expected: "a list of webhook endpoints ({url, secretEnv, …})")
        }
        var names: Set<String> = []
        return try node.array().enumerated().map { index, item in
            let reader = try MappingReader(loader: self, path: "notify[\(index)]", node: item)
            let url = try reader.url("url")
            let name = try reader.optionalString("name") ?? URL(string: url)?.host ?? "webhook-\(index + 1)"
            guard name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw reader.error("name", "letters, digits, '-', '_' or '.' (it names the endpoint in the API and the metrics)")
            }
            guard names.insert(name).inserted else {
                throw reader.error("name", "a name no other endpoint has ('\(name)' is taken; give each endpoint a name)")
            }
            var filter = EventFilter()
            if reader.mapping["events"] != nil {
                let listed = try reader.stringList("events", default: [])
                var types: Set<EventType> = []
                for text in listed {
                    guard let type = EventType(rawValue: text) else {
                        throw reader.error(
                            "events",
                            "event types among \(EventType.allCases.map(\.rawValue).joined(separator: ", ")); '\(text)' is not one")
                    }
                    types.insert(type)
                }
                guard !types.isEmpty else { throw reader.error("events", "at least one event type (leave the key out for all)") }
                filter.types = types
            }
            if reader.mapping["destinations"] != nil {
                let listed = try reader.stringList("destinations", default: [])
                for name in listed where !destinations.contains(name) {
                    throw reader.error("destinations", "names of configured destinations; '\(name)' is not one")
                }
                guard !listed.isEmpty else { throw reader.error("destinations", "at least one destination (leave the key out for all)") }
                filter.destinations = Set(listed)
            }
            let signer: WebhookSigner
            do { signer = try WebhookSigner(secret: try reader.secret("secret")) } catch let bad as WebhookSigner.BadSecret {
                throw reader.error(
                    ["secretFile", "secretEnv"].first { reader.mapping[Node($0)] != nil } ?? "secret",
                    "a signing secret: \(bad.description)")
            }
            var config = WebhookConfig(name: name, url: url, filter: filter, signer: signer)
            config.batchSize = try reader.int("batchSize", default: 1_000, in: 1...1_000)
            config.timeoutMillis = try duration(reader, "timeout", default: config.timeoutMillis, within: 1_000...300_000)
            config.maxBackoffMillis = try duration(reader, "maxBackoff", default: config.maxBackoffMillis, within: 1_000...86_400_000)
            config.parkAfterMillis = try duration(reader, "parkAfter", default: config.parkAfterMillis, within: 60_000...30 * 86_400_000)
            try reader.rejectUnknown()
            return config
        }
    }

    private func duration(_ reader: MappingReader, _ key: String, default fallback: Int64, within range: ClosedRange<Int64>) throws -> Int64
    {
        guard let text = try reader.optionalString(key) else { return fallback }
        guard let millis = Self.durationMillis(text), range.contains(millis) else {
            throw reader.error(key, "a duration such as 30s, 5m or 1h, from \(range.lowerBound / 1_000)s to \(range.upperBound / 1_000)s")
        }
        return millis
    }
}
