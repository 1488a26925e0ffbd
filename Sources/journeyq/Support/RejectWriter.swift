import Foundation
import JourneyQueue

/// Collects rejected records in a temporary file that becomes `path` only once the enqueue committed.
final class RejectWriter {
    let path: String
    private let temporary: String
    private let handle: FileHandle

    init(path: String) throws {
        self.path = path
        temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) , let handle = FileHandle(forWritingAtPath: temporary) else {
            throw CLIFailure.badInput("journeyq: cannot write rejects file \(path)")
        }
        self.handle = handle
    }

    /// One NDJSON line: the error's place and rule, and the record as it was.
    func write(raw: String, error: InputError) throws {
        var line = "{\"line\":\(error.line),"
        if let field = error.field { line += "\"field\":" + JSONText.string(field) + "," }
        line += "\"error\":" + JSONText.string(error.rule) + ",\"record\":" + JSONText.string(raw) + "}\n"
        try handle.write(contentsOf: Data(line.utf8))
    }

    func commit() throws {
        try handle.close()
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: temporary)
    }
}
