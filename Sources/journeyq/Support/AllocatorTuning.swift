#if os(Linux)
    import CMalloc
#endif

/// Keeps glibc's allocator from handing memory back to the kernel after every burst.
enum AllocatorTuning {
    /// Applied once, before any command runs.
    ///
    /// Why: with the defaults, every batch's buffers (a ledger body's deflate state is a quarter of a megabyte) crossed
    /// the mmap threshold or trimmed an arena on free, so the daemon spent a seventh of its CPU in `madvise`, page faults
    /// and zeroing fresh pages (perf of `journeyq work` on the sandbox; `scripts/bench` has the figures). Freed memory now
    /// stays in the process for reuse; the peak is the same, it is only not returned between batches.
    static func apply() {
        #if os(Linux)
            _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
            _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
            _ = mallopt(M_TOP_PAD, 16 << 20)
        #endif
    }
}
