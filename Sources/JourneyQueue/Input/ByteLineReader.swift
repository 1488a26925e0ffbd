#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file descriptor in large chunks and hands out its lines without copying them twice.
struct ByteLineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var end = 0
    private var eof = false
    private let chunk = 1 << 20

    init(fd: Int32) {
        self.fd = fd
        buffer = [UInt8](repeating: 0, count: chunk)
    }

    /// Calls `body` with the next line (without its `\n` or `\r\n`); returns false at end of input.
    /// Lines longer than `limit` are handed over truncated to `limit` bytes with `tooLong` set.
    mutating func nextLine<R>(limit: Int, _ body: (UnsafeBufferPointer<UInt8>, _ tooLong: Bool) throws -> R) throws -> R? {
        var tooLong = false
        var scanned = 0  // bytes after `start` known to hold no newline; survives the move in fill()
        while true {
            if let newline = findNewline(from: start + scanned) {
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let result = try emit(from: start, to: lineEnd, limit: limit, tooLong: tooLong, body)
                start = newline + 1
                return result
            }
            if eof {
                guard start < end else { return nil }
                var lineEnd = end
                if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let result = try emit(from: start, to: lineEnd, limit: limit, tooLong: tooLong, body)
                start = end
                return result
            }
            if end - start > limit {
                // Keep the first `limit` bytes, drop the rest of the line as it streams past.
                tooLong = true
                end = start + limit
            }
            scanned = end - start
            try fill()
        }
    }

    private func emit<R>(from: Int, to: Int, limit: Int, tooLong: Bool, _ body: (UnsafeBufferPointer<UInt8>, Bool) throws -> R) throws -> R
    {
        let long = tooLong || to - from > limit
        let stop = long ? from + limit : to
        return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[from..<stop]), long) }
    }

    private func findNewline(from: Int) -> Int? {
        buffer.withUnsafeBufferPointer { pointer in
            guard from < end, let base = pointer.baseAddress else { return nil }
            guard let hit = memchr(base + from, 0x0A, end - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    private mutating func fill() throws {
        if start > 0 {
            let (from, count) = (start, end - start)
            buffer.withUnsafeMutableBufferPointer { pointer in
                _ = memmove(pointer.baseAddress!, pointer.baseAddress! + from, count)
            }
            end -= start
            start = 0
        }
        if buffer.count - end < chunk { buffer.append(contentsOf: repeatElement(0, count: chunk)) }
        let (fd, offset) = (self.fd, end)
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            read(fd, pointer.baseAddress! + offset, pointer.count - offset)
        }
        if count < 0 { throw InputFileError.readFailed(errno: errno) }
        if count == 0 { eof = true }
        end += count
    }
}
