import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JourneyQueue

/// `POST /v1/destinations/{name}/contacts`: the same parsing, validation, limits and dedupe as `enqueue`, all or
/// nothing unless `?skipInvalid=true`, idempotent under an `Idempotency-Key`.
enum IngestRoutes {
    /// The 202 answer.
    struct Accepted: Codable {
        var enqueued: Int
        var skipped: Int
        var rejected: [Rejected]
        /// Invalid records in all (the list holds the first thousand).
        var rejectedCount: Int
        /// Records whose data named no known time zone for the destination's send window (they use its zone).
        var withoutZone: Int?
    }

    struct Rejected: Codable {
        var line: Int
        var reason: String
    }

    static func register(on router: Router<APIContext>, _ dependencies: JourneyServerApp.Dependencies, gate: IngestGate) {
        router.post("/v1/destinations/:name/contacts") { request, context -> Response in
            try context.require(.ingest)
            // Refused before a byte of the body is read, so that a flood of ingests costs neither spool nor writer.
            guard let ticket = gate.enter(key: context.keyName) else {
                var response = Problem(
                    status: .serviceUnavailable, title: "Too many ingests in progress",
                    detail: "At most \(gate.total) ingests run at once (\(gate.perKey) per key); try again shortly."
                ).response
                response.headers[.retryAfter] = "1"
                return response
            }
            defer { ticket.release() }
            let destination = try QueueRoutes.destinationName(context)
            if let known = dependencies.destinations, !known.contains(destination) {
                throw Problem(
                    status: .notFound, title: "Unknown destination",
                    detail: "The running config names no destination '\(destination)'; it names \(known.sorted().joined(separator: ", ")).")
            }
            // Every part of the request is checked before a stored answer is replayed.
            let format = try format(of: request)
            let keyColumn = request.uri.queryParameters.get("keyColumn") ?? "contactKey"
            guard !keyColumn.isEmpty, keyColumn.utf8.count <= 200 else {
                throw Problem(status: .badRequest, title: "Bad keyColumn", detail: "keyColumn names a CSV column: 1 to 200 bytes.")
            }
            let skipInvalid = try flag(request.uri.queryParameters.get("skipInvalid"), "skipInvalid")
            let limits = try ["notBefore", "notAfter"].map { name in
                try request.uri.queryParameters.get(name).map { text -> Int64 in
                    guard let millis = try? RecordValidator.moment(text, field: name) else {
                        throw Problem(status: .badRequest, title: "Bad \(name)", detail: "\(name) is an ISO 8601 date-time with an offset.")
                    }
                    return millis
                }
            }
            if let before = limits[0], let after = limits[1], after <= before {
                throw Problem(status: .badRequest, title: "Bad notAfter", detail: "notAfter must be later than notBefore.")
            }
            let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!]
            if let key = idempotencyKey, key.isEmpty || key.utf8.count > 200 {
                throw Problem(status: .badRequest, title: "Bad Idempotency-Key", detail: "An Idempotency-Key is 1 to 200 bytes.")
            }
            let (body, bodyDigest) = try await spool(request, limit: dependencies.config.maxBodyBytes)
            // A key answers its first result only to the same request; reused for another one, it is refused.
            let fingerprint =
                "\(format.rawValue)|\(keyColumn)|\(skipInvalid)|\(bodyDigest)"
                + (limits.allSatisfy { $0 == nil } ? "" : "|\(limits[0].map(String.init) ?? "")|\(limits[1].map(String.init) ?? "")")
            if let key = idempotencyKey,
                let stored = try await dependencies.store.idempotentResponse(destination: destination, key: key)
            {
                return try replay(stored, fingerprint: fingerprint)
            }
            let store = dependencies.store
            let maxRecords = dependencies.config.maxRecordsPerRequest
            let window = dependencies.sendWindows[destination]
            do {
                let reader = RecordReader(fd: body.handle.fileDescriptor, of: body, name: "body", format: format, keyColumn: keyColumn)
                let collected = RejectedList()
                var enqueuer = Enqueuer(store: store)
                enqueuer.maxReportedErrors = 1_000
                enqueuer.notBefore = limits[0]
                enqueuer.notAfter = limits[1]
                enqueuer.sendWindow = window
                enqueuer.maxRecords = maxRecords
                let summary = try await enqueuer.run(
                    destination: destination, reader: reader,
                    reject: skipInvalid ? { _, error in collected.add(Rejected(line: error.line, reason: error.fieldAndRule)) } : nil,
                    idempotency: idempotencyKey.map { key in
                        IdempotencyRecord(key: key) { summary in fingerprint + "\n" + answer(summary, collected.items) }
                    })
                let rejected = collected.items
                return try JSONResponse.make(
                    Accepted(
                        enqueued: summary.enqueued, skipped: summary.duplicates, rejected: Array(rejected.prefix(1_000)),
                        rejectedCount: summary.rejected, withoutZone: summary.withoutZone), status: .accepted)
            } catch let rejected as Enqueuer.Rejected {
                throw Problem(
                    status: .badRequest, title: "Invalid records; nothing was enqueued",
                    detail: "\(rejected.total) invalid record(s); send ?skipInvalid=true to enqueue the valid ones.",
                    errors: rejected.errors.map {
                        Problem.RecordProblem(line: $0.line, column: $0.column, field: $0.field, reason: $0.rule)
                    })
            } catch let tooMany as Enqueuer.TooManyRecords {
                throw Problem(
                    status: .contentTooLarge, title: "Too many records; nothing was enqueued",
                    detail: "The body holds more than http.maxRecordsPerRequest (\(tooMany.limit)) records; send it in parts.")
            } catch let error as InputFileError {
                throw Problem(status: .badRequest, title: "The body cannot be read; nothing was enqueued", detail: error.description)
            } catch StoreError.duplicateIdempotencyKey(let key) {
                guard let stored = try await store.idempotentResponse(destination: destination, key: key) else { throw Problem.conflict }
                return try replay(stored, fingerprint: fingerprint)
            }
        }
    }

    static func answer(_ summary: EnqueueSummary, _ rejected: [Rejected]) -> String {
        let body = Accepted(
            enqueued: summary.enqueued, skipped: summary.duplicates, rejected: Array(rejected.prefix(1_000)),
            rejectedCount: summary.rejected,
            withoutZone: summary.withoutZone)
        return String(decoding: (try? JSONEncoder.api.encode(body)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The first answer to a key (stored as its request's fingerprint, a newline, the answer), if this is the same request.
    static func replay(_ stored: String, fingerprint: String) throws -> Response {
        let parts = stored.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == fingerprint else {
            throw Problem(
                status: .unprocessableContent, title: "Idempotency-Key reused",
                detail: "This Idempotency-Key was used for a different request; a retry must send the same request.")
        }
        return Response(
            status: .accepted, headers: [.contentType: "application/json", HTTPField.Name("Idempotent-Replayed")!: "true"],
            body: .init(byteBuffer: ByteBuffer(string: String(parts[1]))))
    }

    static func format(of request: Request) throws -> InputFormat {
        let type =
            (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            ?? ""
        switch type {
        case "application/x-ndjson", "application/ndjson", "application/jsonl": return .ndjson
        case "application/json": return .json
        case "text/csv": return .csv
        default:
            throw Problem(
                status: .unsupportedMediaType, title: "Unsupported Content-Type",
                detail: "Send application/x-ndjson, application/json (an array) or text/csv.")
        }
    }

    /// The body, streamed into an unlinked temporary file, and its SHA-256; 413 past `limit`.
    static func spool(_ request: Request, limit: Int) async throws -> (SpoolFile, String) {
        let file = try SpoolFile()
        var hasher = SHA256()
        var size = 0
        for try await buffer in request.body {
            size += buffer.readableBytes
            guard size <= limit else {
                throw Problem(
                    status: .contentTooLarge, title: "Body too large", detail: "The body is larger than http.maxBodyBytes (\(limit) bytes)."
                )
            }
            try buffer.withUnsafeReadableBytes { bytes in
                hasher.update(bufferPointer: bytes)
                try file.handle.write(contentsOf: Data(bytes))
            }
        }
        try file.handle.seek(toOffset: 0)
        return (file, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}

/// Rejected records collected while the enqueue runs.
final class RejectedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [IngestRoutes.Rejected] = []
    func add(_ item: IngestRoutes.Rejected) { lock.withLock { if list.count < 1_000 { list.append(item) } } }
    var items: [IngestRoutes.Rejected] { lock.withLock { list } }
}

/// An unlinked temporary file for a request body.
final class SpoolFile: @unchecked Sendable {
    let handle: FileHandle

    init() throws {
        var template = Array("\(ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")/journeyq-body-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            throw Problem(status: .internalServerError, title: "Cannot spool the body", detail: "No temporary file could be made.")
        }
        unlink(template)
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}

extension Problem {
    static var conflict: Problem { Problem(status: .conflict, title: "Conflict", detail: "The request could not be completed; try again.") }
}

extension InputError {
    /// The field (if any) and the rule broken, without the file name: what an API caller needs.
    var fieldAndRule: String { field.map { "field '\($0)': \(rule)" } ?? rule }
}
