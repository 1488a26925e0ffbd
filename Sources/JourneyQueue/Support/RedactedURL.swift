/// URLs as they may appear in logs and reasons: scheme and host, never a path or query (pre-signed URLs carry grants).
public enum RedactedURL {
    /// `scheme://host[:port]` of `text`, without credentials, path or query.
    public static func origin(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return "<url>" }
        let rest = text[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // user:password@host is never printed.
        let bare = host.split(separator: "@").last.map(String.init) ?? ""
        return String(text[..<schemeEnd.upperBound]) + String(bare.prefix(200))
    }
}
