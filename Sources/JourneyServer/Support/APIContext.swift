import Foundation
import Hummingbird
import JourneyRuntime

/// The request context of the API: who is calling (the role of their key), once the key is checked.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's role; nil without a known key.
    public var role: HTTPConfig.Role?
    /// The key's name, for logs.
    public var keyName: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Bodies are streamed and bounded by the ingest route itself (413), not collected whole here.
    public var maxUploadSize: Int { 1 << 20 }

    /// A path parameter as the caller meant it: the router hands it over still percent-encoded, and a contact key with a
    /// space, a slash or a letter outside ASCII (`Åsa Öberg`) arrives as `%C3%85sa%20%C3%96berg`. Nil when absent or
    /// not valid percent-encoding.
    func pathParameter(_ name: String) -> String? {
        parameters.get(name).flatMap { $0.removingPercentEncoding }
    }

    /// Throws 401 without a known key, 403 for a role that may not.
    func require(_ needed: HTTPConfig.Role) throws {
        guard let role else {
            throw Problem(
                status: .unauthorized, title: "An API key is needed",
                detail: "Send Authorization: Bearer KEY with a key of role \(needed.rawValue).")
        }
        guard role.allows(needed) else {
            throw Problem(
                status: .forbidden, title: "This key may not do that",
                detail: "This needs a key of role \(needed.rawValue); this key's role is \(role.rawValue).")
        }
    }
}
