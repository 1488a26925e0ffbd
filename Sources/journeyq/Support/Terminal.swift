import Foundation

/// Writes to the terminal; progress lines only when stderr is one.
enum Terminal {
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Rewrites the current stderr line (progress).
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    static func endProgress() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
