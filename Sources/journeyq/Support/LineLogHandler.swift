import Foundation
import JourneyQueue
import Logging

/// One log line per event on stderr: `2026-11-22T04:27:39.123Z warning journeyq: message key=value …`, or with `json` one
/// object per line (`time`, `level`, `label`, `message`, then the metadata) for log shippers.
struct LineLogHandler: LogHandler {
    let label: String
    let json: Bool
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    private static let lock = NSLock()

    init(label: String, json: Bool) {
        self.label = label
        self.json = json
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let (level, message) = (event.level, event.message)
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let time = ISOTime.string(Int64(Date().timeIntervalSince1970 * 1000))
        var text: String
        if json {
            text =
                "{\"time\":\(JSONText.string(time)),\"level\":\(JSONText.string(level.rawValue)),\"label\":\(JSONText.string(label)),"
                + "\"message\":\(JSONText.string(message.description))"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !["time", "level", "label", "message"].contains(key) {
                text += ",\(JSONText.string(key)):\(JSONText.string("\(value)"))"
            }
            text += "}\n"
        } else {
            text = "\(time) \(level) \(label):"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) { text += " \(key)=\(value)" }
            text += " \(message)\n"
        }
        // A status block on the terminal (a drain's progress) moves below the line instead of being written over.
        Self.lock.withLock { Terminal.live.interrupt { FileHandle.standardError.write(Data(text.utf8)) } }
    }
}
