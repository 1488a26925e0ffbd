import Foundation

/// Generates producer files for the demo and the benchmark.
enum SampleContacts {
    /// Writes `count` NDJSON contacts shaped like docs/ARCHITECTURE.md's input.
    static func write(count: Int, to path: String, offset: Int = 0) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CLIFailure.runtime("journeyq: cannot write \(path)")
        }
        defer { try? handle.close() }
        var chunk = ""
        for index in offset..<(offset + count) {
            chunk +=
                "{\"contactKey\":\"C\(String(format: "%09d", index))\",\"data\":{\"email\":\"user\(index)@example.com\","
                + "\"firstName\":\"Name\(index)\",\"country\":\"SE\",\"optIn\":true,\"score\":\(index % 100)}}\n"
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
    }
}
