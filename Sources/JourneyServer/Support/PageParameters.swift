import Hummingbird

/// The paging parameters of the API's reads, parsed alike on every route: a 400 naming the parameter when it is bad.
enum PageParameters {
    /// `limit`: 1 to `maximum`; `standard` when absent.
    static func limit(_ request: Request, maximum: Int = 1_000, standard: Int = 100) throws -> Int {
        try request.uri.queryParameters.get("limit").map { text -> Int in
            guard let value = Int(text), (1...maximum).contains(value) else {
                throw Problem(status: .badRequest, title: "Bad limit", detail: "limit is 1 to \(maximum).")
            }
            return value
        } ?? standard
    }

    /// An id that pages (`after`, `before`): a non-negative integer; `meaning` is the 400's detail.
    static func id(_ request: Request, _ name: String, meaning: String) throws -> Int64? {
        try request.uri.queryParameters.get(name).map { text -> Int64 in
            guard let value = Int64(text), value >= 0 else {
                throw Problem(status: .badRequest, title: "Bad \(name)", detail: meaning)
            }
            return value
        }
    }
}
