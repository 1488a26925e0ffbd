import JourneyDestinations
import JourneyQueue
import JourneyRuntime

/// The config described as the README prints it: every section's settings as a table, made from the same `Setting`s the
/// loader reads (`journeyq config-reference`; CI compares its output with the README).
public enum ConfigReference {
    /// Every mapping of the config, in the order the README lists them.
    public static var sections: [SettingSection] {
        var sections = [
            SettingSection(
                path: "destinations.NAME",
                summary: "Every destination, whatever its kind. A key that belongs to another kind is refused as unknown.",
                settings: DestinationSettings.all),
            SettingSection(
                path: "destinations.NAME.retry", summary: "Capped exponential backoff with full jitter.",
                settings: DestinationSettings.Retry.all),
            SettingSection(
                path: "destinations.NAME.circuit",
                summary:
                    "Consecutive 5xx answers and timeouts of submissions pause the destination; the same of looks pause only the looks.",
                settings: DestinationSettings.Circuit.all),
            SettingSection(
                path: "destinations.NAME.sendWindow", summary: "When contacts may enter (see Send windows).",
                settings: DestinationSettings.Window.all),
        ]
        sections += kindGroups.map { names, settings in
            SettingSection(
                path: "destinations.NAME (kind: \(names.joined(separator: ", ")))",
                summary: "What `kind: \(names.joined(separator: "`, `kind: "))` adds.", settings: settings)
        }
        sections += [
            SettingSection(
                path: "http", summary: "Where `journeyq serve` listens, who may call it, and the limits that hold without a key.",
                settings: HTTPSettings.all),
            SettingSection(path: "http.apiKeys[i]", summary: "One API key.", settings: HTTPSettings.APIKey.all),
            SettingSection(path: "http.tls", summary: "The listener's certificate.", settings: HTTPSettings.TLSFiles.all),
            SettingSection(
                path: "retention", summary: "How long finished work is kept; the daemon prunes the rest.", settings: RetentionSettings.all),
            SettingSection(
                path: "notify[i]", summary: "A webhook endpoint told of every final verdict and pause.", settings: NotifySettings.all),
            SettingSection(
                path: "tracing", summary: "OpenTelemetry traces over OTLP/HTTP; none without the section.", settings: TracingSettings.all),
        ]
        return sections
    }

    /// Kinds that read the same settings share one table (Marketing Cloud's three entries).
    static var kindGroups: [(names: [String], settings: [Setting])] {
        var groups: [(names: [String], settings: [Setting])] = []
        for kind in DestinationKind.allCases {
            let settings = kind.definition.settings
            if let index = groups.firstIndex(where: { $0.settings.map(\.key) == settings.map(\.key) }) {
                groups[index].names.append(kind.rawValue)
            } else {
                groups.append(([kind.rawValue], settings))
            }
        }
        return groups
    }

    /// The tables as Markdown.
    public static func markdown() -> String {
        sections.map { section in
            var lines = ["#### `\(section.path)`", "", section.summary, "", "| key | takes | default | meaning |", "|---|---|---|---|"]
            for setting in section.settings {
                var meaning = setting.doc
                if let legacy = setting.legacy {
                    meaning += " (old key: `\(legacy.key)`)"
                }
                lines.append("| `\(setting.key)` | \(setting.typeDescription) | \(setting.defaultDescription) | \(cell(meaning)) |")
            }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    private static func cell(_ text: String) -> String { text.replacing("|", with: "\\|") }
}
