import Foundation

/// Writes to the terminal; progress lines only when stderr is one.
enum Terminal {
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// The columns of the terminal on stderr (80 when it cannot tell).
    static var columns: Int {
        var size = winsize()
        return ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }

    static func error(_ text: String) {
        live.interrupt { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    /// Rewrites the status block at the bottom of stderr (one line or several).
    static func progress(_ text: String) { live.show(text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)) }

    /// Clears the status block (the next output starts where it was).
    static func endProgress() { live.clear() }

    /// Leaves the status block as it is, as the last thing printed (the final figures stay on screen).
    static func keepProgress() { live.keep() }

    /// The status block: log lines written while it shows go above it, and it is drawn again below them.
    static let live = LiveBlock()

    final class LiveBlock: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []

        func show(_ newLines: [String]) {
            lock.withLock {
                let width = max(Terminal.columns - 1, 20)
                let fitted = newLines.map { $0.count > width ? String($0.prefix(width - 1)) + "…" : $0 }
                write(erase() + fitted.joined(separator: "\n"))
                lines = fitted
            }
        }

        func clear() {
            lock.withLock {
                write(erase())
                lines = []
            }
        }

        func keep() {
            lock.withLock {
                if !lines.isEmpty { write("\n") }
                lines = []
            }
        }

        /// Runs `output` (a log line) with the block out of the way, then draws the block again under it.
        func interrupt(_ output: () -> Void) {
            lock.withLock {
                guard !lines.isEmpty else { return output() }
                write(erase())
                output()
                write(lines.joined(separator: "\n"))
            }
        }

        /// Escape codes that take the cursor to the block's first line and clear to the end of the screen.
        private func erase() -> String {
            guard !lines.isEmpty else { return "" }
            return (lines.count > 1 ? "\u{1B}[\(lines.count - 1)F" : "\r") + "\u{1B}[J"
        }

        private func write(_ text: String) {
            guard !text.isEmpty else { return }
            FileHandle.standardError.write(Data(text.utf8))
        }
    }
}
