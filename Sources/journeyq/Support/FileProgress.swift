import Foundation

/// How far a reader is into a regular file, read from the offset of the descriptor it reads (a little ahead of the
/// record it is on: the reader buffers).
final class FileProgress {
    let fd: Int32
    let size: Int64

    /// Nil when `path` cannot be opened or is not a regular file of some size (the reader then opens it itself and
    /// reports the error its own way).
    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else {
            Glibc.close(fd)
            return nil
        }
        self.fd = fd
        self.size = Int64(info.st_size)
    }

    /// The share of the file read so far, 0 to 1.
    func fraction() -> Double {
        let offset = lseek(fd, 0, SEEK_CUR)
        return offset < 0 ? 0 : min(Double(offset) / Double(size), 1)
    }

    func close() { Glibc.close(fd) }

    /// `read 1250000 records · 48% · 412000/s · about 6 s left`.
    static func line(records: Int, elapsed: TimeInterval, fraction: Double?) -> String {
        let seconds = max(elapsed, 0.001)
        var line = "read \(records) records"
        if let fraction { line += " · \(Int((fraction * 100).rounded(.down)))%" }
        line += " · \(Int((Double(records) / seconds).rounded()))/s"
        if let fraction, fraction > 0.001 { line += " · about \(DrainProgress.duration(seconds * (1 - fraction) / fraction)) left" }
        return line
    }
}
