#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The process's limit on open file descriptors, which bounds how many connections the listener can hold.
public enum DescriptorLimit {
    /// Descriptors kept back from connections: the queue's files, PostgreSQL's pool, the workers' HTTP clients, spools.
    static let reserve = 256

    /// Raises the soft limit to the hard one (the soft default of 1,024 is a relic; the hard one is the operator's
    /// choice, `LimitNOFILE=` in a unit). Returns the soft limit in force afterwards.
    @discardableResult
    public static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return current() }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
        }
        return current()
    }

    /// The soft limit now.
    public static func current() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        return Int(clamping: limit.rlim_cur)
    }

    /// How many connections fit beside the reserve, at most `wanted`.
    static func connections(wanted: Int) -> Int {
        min(wanted, max(16, current() - reserve))
    }
}
