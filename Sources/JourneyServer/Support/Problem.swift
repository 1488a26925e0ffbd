import Foundation
import Hummingbird

/// An error answered as RFC 9457 `application/problem+json`.
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// Per-record faults of an ingest (line, column, field, reason).
    public var errors: [RecordProblem] = []

    public init(status: HTTPResponse.Status, title: String, detail: String, errors: [RecordProblem] = []) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    /// One bad record of an ingest body.
    public struct RecordProblem: Codable, Sendable, Equatable {
        public var line: Int
        public var column: Int?
        public var field: String?
        public var reason: String
    }

    private struct Body: Encodable {
        var type = "about:blank"
        var title: String
        var status: Int
        var detail: String
        var errors: [RecordProblem]?
    }

    var response: Response {
        let body = Body(title: title, status: Int(status.code), detail: detail, errors: errors.isEmpty ? nil : errors)
        let data = (try? JSONEncoder.api.encode(body)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// The API's JSON: sorted keys, no escaped slashes.
    static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Encodable values as JSON responses.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.api.encode(value))))
    }
}
