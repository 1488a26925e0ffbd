/// Text someone asks a store about: a contact key, a reason to filter by, a destination's name.
///
/// Stored keys hold no control character (`RecordValidator`), and PostgreSQL's `text` cannot hold a NUL at all (sent
/// as a parameter, one fails the whole statement; SQLite's string functions stop at it, so "bad\0" found "bad field").
/// Text with a NUL names nothing, in both stores alike.
public enum AskedText {
    /// Whether `text` cannot name anything stored.
    public static func namesNothing(_ text: String) -> Bool { text.utf8.contains(0) }
}
