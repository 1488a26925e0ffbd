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
            let url = try reader.url(NotifySettings.url)
            let name = try reader.optionalString(NotifySettings.name) ?? URL(string: url)?.host ?? "webhook-\(index + 1)"
            guard name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw reader.error("name", "letters, digits, '-', '_' or '.' (it names the endpoint in the API and the metrics)")
            }
            guard names.insert(name).inserted else {
                throw reader.error("name", "a name no other endpoint has ('\(name)' is taken; give each endpoint a name)")
            }
            var filter = EventFilter()
            if reader.has(NotifySettings.events) {
                let listed = try reader.stringList(NotifySettings.events)
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
            if reader.has(NotifySettings.destinations) {
                let listed = try reader.stringList(NotifySettings.destinations)
                for name in listed where !destinations.contains(name) {
                    throw reader.error("destinations", "names of configured destinations; '\(name)' is not one")
                }
                guard !listed.isEmpty else { throw reader.error("destinations", "at least one destination (leave the key out for all)") }
                filter.destinations = Set(listed)
            }
            let signer: WebhookSigner
            do { signer = try WebhookSigner(secret: try reader.secret(NotifySettings.secret)) } catch let bad as WebhookSigner.BadSecret {
                throw reader.error(
                    ["secretFile", "secretEnv"].first { reader.mapping[Node($0)] != nil } ?? "secret",
                    "a signing secret: \(bad.description)")
            }
            var config = WebhookConfig(name: name, url: url, filter: filter, signer: signer)
            config.batchSize = try reader.int(NotifySettings.batchSize)
            config.timeoutMillis = try reader.duration(NotifySettings.timeout)
            config.maxBackoffMillis = try reader.duration(NotifySettings.maxBackoff)
            config.parkAfterMillis = try reader.duration(NotifySettings.parkAfter)
            try reader.rejectUnknown()
            return config
        }
    }
}
