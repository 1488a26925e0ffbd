import Foundation

/// A file of personal data (a report, an export, rejected records): written under a temporary name readable by its
/// owner only (0600, like the database), moved into place only when complete, never over a directory.
final class PrivateFile {
    let path: String
    private let temporary: String
    private let handle: FileHandle

    init(path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CLIFailure.badInput("journeyq: \(path) is a directory; name a file")
        }
        var template = Array((path + ".partial-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw CLIFailure.runtime("journeyq: cannot write \(path): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)
        temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.path = path
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    func write(_ data: Data) throws { try handle.write(contentsOf: data) }

    /// Moves the complete file into place (atomically replacing a file there, never a directory).
    func commit() throws {
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIFailure.runtime("journeyq: cannot write \(path): \(reason)")
        }
    }

    func discard() {
        try? handle.close()
        unlink(temporary)
    }
}
