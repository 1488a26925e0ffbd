import Foundation
import JourneyQueue

/// Collects rejected records in a private temporary file that becomes `path` only once the enqueue committed:
/// NDJSON, or CSV (cells a spreadsheet would run neutralised) when `path` ends in `.csv`.
final class RejectWriter {
    let path: String
    private let file: PrivateFile
    private let csv: Bool

    init(path: String) throws {
        self.path = path
        file = try PrivateFile(path: path)
        csv = path.lowercased().hasSuffix(".csv")
        if csv { try file.write(Data("line,field,error,record\n".utf8)) }
    }

    /// One record: the error's place and rule, and the record as it was.
    func write(raw: String, error: InputError) throws {
        if csv {
            let cells = [String(error.line), error.field ?? "", error.rule, raw].map(ReportRenderer.csvField)
            try file.write(Data((cells.joined(separator: ",") + "\n").utf8))
            return
        }
        var line = "{\"line\":\(error.line),"
        if let field = error.field { line += "\"field\":" + JSONText.string(field) + "," }
        line += "\"error\":" + JSONText.string(error.rule) + ",\"record\":" + JSONText.string(raw) + "}\n"
        try file.write(Data(line.utf8))
    }

    func commit() throws { try file.commit() }

    func discard() { file.discard() }
}
