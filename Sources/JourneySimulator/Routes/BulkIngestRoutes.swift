import Foundation
import HTTPTypes
import Hummingbird

/// Salesforce OAuth and Bulk API 2.0 ingest (docs/remote-apis.md §9).
enum BulkIngestRoutes {
    static let base = "/services/data/v61.0/jobs/ingest"

    static func register(
        on router: Router<BasicRequestContext>, state: SimulatorState, faults: FaultInjector, configuration: SimulatorConfiguration
    ) {
        // sObject describe: the object's fields, and which of them are external ids.
        router.get("/services/data/v61.0/sobjects/:object/describe") { request, context -> Response in
            do {
                try await state.checkSalesforceToken(request.bearerToken)
            } catch let error as BulkError {
                return HTTPAnswers.bulk(error)
            }
            let object = context.parameters.get("object") ?? ""
            guard configuration.journeys.contains(where: { $0.destination == "salesforce-bulk-ingest" && $0.key == object }) else {
                return HTTPAnswers.bulk(BulkError(status: 404, errorCode: "NOT_FOUND", message: "The requested resource does not exist"))
            }
            let fields: [[String: Any]] = [
                ("Id", false), ("ContactKey__c", true), ("Email", false), ("FirstName", false), ("LastName", false), ("n", false),
            ]
            .map { ["name": $0.0, "externalId": $0.1, "type": $0.0 == "Id" ? "id" : "string"] }
            return HTTPAnswers.json(200, ["name": object, "createable": true, "updateable": true, "fields": fields])
        }

        router.post("/services/oauth2/token") { request, _ -> Response in
            if await state.drawRedirect() { return HTTPAnswers.redirect }
            var request = request
            let form = String(decoding: try await request.bytes(limit: 1 << 16), as: UTF8.self)
            let fields = Dictionary(
                form.split(separator: "&").map { pair -> (String, String) in
                    let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                    return (parts[0], parts.count > 1 ? parts[1] : "")
                }, uniquingKeysWith: { $1 })
            guard
                let token = await state.issueSalesforceToken(
                    clientID: fields["client_id"] ?? "", clientSecret: fields["client_secret"] ?? "")
            else {
                await state.count("POST /services/oauth2/token", status: 400)
                return HTTPAnswers.json(400, ["error": "invalid_client", "error_description": "invalid client credentials"])
            }
            await state.count("POST /services/oauth2/token", status: 200)
            let host = "http://\(request.head.authority ?? "127.0.0.1")"
            return HTTPAnswers.json(
                200,
                [
                    "access_token": token, "instance_url": host, "id": "\(host)/id/00DSIM/005SIM", "token_type": "Bearer",
                    "issued_at": String(Int64(Date().timeIntervalSince1970 * 1000)), "signature": "sim",
                ])
        }

        router.post(RouterPath(base)) { request, _ -> Response in
            try await faults.run("POST \(base)", style: .bulk) {
                var request = request
                do {
                    try await state.checkSalesforceToken(request.bearerToken)
                    let body = try await request.jsonObject() ?? [:]
                    let job = try await state.createJob(
                        object: body["object"] as? String, operation: body["operation"] as? String,
                        externalIDFieldName: body["externalIdFieldName"] as? String,
                        contentType: body["contentType"] as? String, lineEnding: body["lineEnding"] as? String)
                    return HTTPAnswers.json(200, info(job))
                } catch let error as BulkError {
                    return HTTPAnswers.bulk(error)
                }
            }
        }

        router.put(RouterPath("\(base)/:id/batches")) { request, context -> Response in
            try await faults.run("PUT \(base)/{id}/batches", style: .bulk) {
                var request = request
                do {
                    try await state.checkSalesforceToken(request.bearerToken)
                    guard request.headers[.contentType]?.hasPrefix("text/csv") == true else {
                        return HTTPAnswers.bulk(
                            BulkError(status: 415, errorCode: "UNSUPPORTED_MEDIA_TYPE", message: "Content-Type must be text/csv"))
                    }
                    let bytes = try await request.bytes(limit: configuration.bulkUploadLimitBytes + 1)
                    try await state.upload(jobID: context.parameters.get("id") ?? "", csv: bytes)
                    return HTTPAnswers.empty(201)
                } catch let error as BulkError {
                    return HTTPAnswers.bulk(error)
                }
            }
        }

        router.patch(RouterPath("\(base)/:id")) { request, context -> Response in
            try await faults.run("PATCH \(base)/{id}", style: .bulk) {
                var request = request
                do {
                    try await state.checkSalesforceToken(request.bearerToken)
                    let body = try await request.jsonObject() ?? [:]
                    let job = try await state.changeState(jobID: context.parameters.get("id") ?? "", to: body["state"] as? String)
                    return HTTPAnswers.json(200, info(job))
                } catch let error as BulkError {
                    return HTTPAnswers.bulk(error)
                }
            }
        }

        router.get(RouterPath("\(base)/:id")) { request, context -> Response in
            try await faults.run("GET \(base)/{id}", style: .bulk) {
                if await state.drawLookFault() { return HTTPAnswers.Style.bulk.serverError }
                do {
                    try await state.checkSalesforceToken(request.bearerToken)
                    return HTTPAnswers.json(200, info(try await state.job(context.parameters.get("id") ?? "")))
                } catch let error as BulkError {
                    return HTTPAnswers.bulk(error)
                }
            }
        }

        for kind in ["successfulResults", "failedResults", "unprocessedrecords"] {
            router.get(RouterPath("\(base)/:id/\(kind)")) { request, context -> Response in
                try await faults.run("GET \(base)/{id}/\(kind)", style: .bulk) {
                    if await state.inLookOutage() { return HTTPAnswers.Style.bulk.serverError }
                    do {
                        try await state.checkSalesforceToken(request.bearerToken)
                        let job = try await state.job(context.parameters.get("id") ?? "")
                        guard job.state.isTerminal else {
                            return HTTPAnswers.bulk(
                                BulkError(status: 400, errorCode: "INVALIDJOBSTATE", message: "Job \(job.id) is not complete."))
                        }
                        let rows = results(job, kind: kind)
                        let pageRows = configuration.bulkResultPageRows
                        guard pageRows > 0 else { return HTTPAnswers.text(200, CSVTable.write(rows), contentType: "text/csv") }
                        // Every page repeats the header; the locator names where the next page starts.
                        let offset = request.uri.queryParameters.get("locator").flatMap { Int($0.dropFirst()) } ?? 0
                        let data = rows.dropFirst()
                        let page = Array(data.dropFirst(offset).prefix(pageRows))
                        let next = offset + pageRows < data.count ? "L\(offset + pageRows)" : "null"
                        return HTTPAnswers.text(
                            200, CSVTable.write([rows[0]] + page), contentType: "text/csv",
                            headers: [HTTPField.Name("Sforce-Locator")!: next])
                    } catch let error as BulkError {
                        return HTTPAnswers.bulk(error)
                    }
                }
            }
        }
    }

    /// A result file's rows, header first.
    static func results(_ job: BulkJob, kind: String) -> [[String]] {
        let header = job.header ?? []
        switch kind {
        case "successfulResults":
            return [["sf__Id", "sf__Created"] + header]
                + job.successful.map {
                    ["003SIM" + String(abs($0.hashValue) % 1_000_000_000), job.operation == "insert" ? "true" : "false"] + $0
                }
        case "failedResults":
            return [["sf__Id", "sf__Error"] + header] + job.failed.map { ["", $0.error] + $0.row }
        default:
            return [header] + job.unprocessed
        }
    }

    static func info(_ job: BulkJob) -> [String: Any] {
        var info: [String: Any] = [
            "id": job.id, "operation": job.operation, "object": job.object, "createdById": "005SIM000000001AAA",
            "createdDate": SFMCReconcileRoutes.isoDate(job.createdAt),
            "systemModstamp": SFMCReconcileRoutes.isoDate(job.closedAt ?? job.createdAt),
            "state": job.state.rawValue, "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": 61.0,
            "contentUrl": "services/data/v61.0/jobs/ingest/\(job.id)/batches", "lineEnding": job.lineEnding, "columnDelimiter": "COMMA",
            "jobType": "V2Ingest",
            "numberRecordsProcessed": job.successful.count + job.failed.count, "numberRecordsFailed": job.failed.count,
            "retries": 0, "totalProcessingTime": 0, "apiActiveProcessingTime": 0, "apexProcessingTime": 0,
        ]
        if let external = job.externalIDFieldName { info["externalIdFieldName"] = external }
        if let message = job.errorMessage { info["errorMessage"] = message }
        return info
    }
}
