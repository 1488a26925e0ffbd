import JourneyQueue

extension SimulatorState {
    func checkSalesforceToken(_ token: String?) throws(BulkError) {
        guard authorize(token) == .salesforce else {
            throw BulkError(status: 401, errorCode: "INVALID_SESSION_ID", message: "Session expired or invalid")
        }
    }

    /// `POST /services/data/v61.0/jobs/ingest`.
    func createJob(object: String?, operation: String?, externalIDFieldName: String?, contentType: String?, lineEnding: String?)
        throws(BulkError) -> BulkJob
    {
        guard let object, engine.journey(destination: "salesforce-bulk-ingest", key: object) != nil else {
            throw BulkError(status: 400, errorCode: "INVALIDENTITY", message: "Entity '\(object ?? "")' is not supported by the Bulk API.")
        }
        guard let operation, ["insert", "update", "upsert"].contains(operation) else {
            throw BulkError(status: 400, errorCode: "InvalidJob", message: "Unsupported operation '\(operation ?? "")'.")
        }
        if operation == "upsert" && (externalIDFieldName ?? "").isEmpty {
            throw BulkError(status: 400, errorCode: "InvalidJob", message: "externalIdFieldName is required for upsert.")
        }
        guard contentType == nil || contentType == "CSV" else {
            throw BulkError(status: 400, errorCode: "InvalidJob", message: "contentType must be CSV.")
        }
        jobSequence += 1
        let id = "750SIM" + String(jobSequence).leftPadded(9) + "AAA"
        let job = BulkJob(
            id: id, object: object, operation: operation, externalIDFieldName: externalIDFieldName,
            lineEnding: lineEnding ?? "LF", createdAt: now)
        jobs[id] = job
        return job
    }

    func job(_ id: String) throws(BulkError) -> BulkJob {
        guard jobs[id] != nil else {
            throw BulkError(status: 404, errorCode: "NOT_FOUND", message: "The requested resource does not exist")
        }
        progress(id)
        return jobs[id]!
    }

    /// `PUT …/batches`: CSV rows appended to an open job.
    func upload(jobID: String, csv: [UInt8]) throws(BulkError) {
        var job = try job(jobID)
        guard job.state == .open else {
            throw BulkError(
                status: 400, errorCode: "INVALIDJOBSTATE",
                message: "Job \(jobID) is \(job.state.rawValue); data can only be uploaded to an Open job.")
        }
        guard job.uploadedBytes + csv.count <= configuration.bulkUploadLimitBytes else {
            throw BulkError(
                status: 400, errorCode: "ClientInputError",
                message: "Upload exceeds the limit of \(configuration.bulkUploadLimitBytes) bytes.")
        }
        let records: [[String]]
        do { records = try CSVTable.parse(csv) } catch {
            throw BulkError(status: 400, errorCode: "ClientInputError", message: "Malformed CSV: \(error.message)")
        }
        guard let header = records.first, !header.isEmpty else {
            throw BulkError(status: 400, errorCode: "ClientInputError", message: "The CSV has no header row.")
        }
        if let width = records.dropFirst().first(where: { $0.count != header.count && $0 != [""] })?.count {
            throw BulkError(
                status: 400, errorCode: "ClientInputError", message: "A row has \(width) fields; the header has \(header.count).")
        }
        if let existing = job.header, existing != header {
            throw BulkError(status: 400, errorCode: "ClientInputError", message: "The header differs from the job's earlier upload.")
        }
        if let external = job.externalIDFieldName, !header.contains(external) {
            throw BulkError(status: 400, errorCode: "ClientInputError", message: "The CSV has no column \(external).")
        }
        job.header = header
        job.rows += records.dropFirst().filter { $0 != [""] }
        job.uploadedBytes += csv.count
        jobs[jobID] = job
    }

    /// `PATCH …/jobs/ingest/{id}`: UploadComplete or Aborted.
    func changeState(jobID: String, to state: String?) throws(BulkError) -> BulkJob {
        var job = try job(jobID)
        switch state {
        case "UploadComplete":
            guard job.state == .open else {
                throw BulkError(status: 400, errorCode: "INVALIDJOBSTATE", message: "Job \(jobID) is \(job.state.rawValue), not Open.")
            }
            job.state = .uploadComplete
            job.closedAt = now
            let millis = Int64(max(job.rows.count, 1)) * 1000 / Int64(max(configuration.bulkRowsPerSecond, 1))
            job.finishesAt = now + 100 + millis
            if random.chance(configuration.faults.serverError) && !job.rows.isEmpty {
                job.failsAfterRows = Int.random(in: 0..<job.rows.count, using: &random)
                stats.fault("bulk_job_failed")
            }
        case "Aborted":
            guard job.state == .open || job.state == .uploadComplete else {
                throw BulkError(
                    status: 400, errorCode: "INVALIDJOBSTATE", message: "Job \(jobID) is \(job.state.rawValue) and cannot be aborted.")
            }
            job.state = .aborted
            job.unprocessed = job.rows
        default:
            throw BulkError(status: 400, errorCode: "InvalidJobState", message: "state must be UploadComplete or Aborted.")
        }
        jobs[jobID] = job
        return job
    }

    /// Moves a job along its documented states on the simulator's clock and, at the end, writes its results.
    private func progress(_ id: String) {
        guard var job = jobs[id], job.state == .uploadComplete || job.state == .inProgress, let finishesAt = job.finishesAt else { return }
        if job.state == .uploadComplete && now >= (job.closedAt ?? 0) + 50 { job.state = .inProgress }
        if now >= finishesAt {
            let key = job.keyColumn
            let emailColumn = job.header?.firstIndex { $0.lowercased() == "email" }
            let limit = job.failsAfterRows ?? job.rows.count
            for (index, row) in job.rows.enumerated() {
                if index >= limit {
                    job.unprocessed.append(row)
                } else if let emailColumn, row[emailColumn].hasSuffix(configuration.bulkRejectedEmailSuffix) {
                    job.failed.append(("INVALID_EMAIL_ADDRESS:Email: invalid email address: \(row[emailColumn])", row))
                } else if row[key].isEmpty {
                    job.failed.append(("REQUIRED_FIELD_MISSING:Required fields are missing: [\(job.header?[key] ?? "")]", row))
                } else {
                    job.successful.append(row)
                    if let journey = engine.journey(destination: "salesforce-bulk-ingest", key: job.object) {
                        engine.enterNow(contactKey: row[key], journey: journey, at: now)
                    }
                }
            }
            job.successful.shuffle(using: &random)
            job.failed.shuffle(using: &random)
            job.unprocessed.shuffle(using: &random)
            if job.failsAfterRows != nil {
                job.state = .failed
                job.errorMessage = "InternalServerError: batch processing exceeded the retry limit"
            } else {
                job.state = .jobComplete
            }
        }
        jobs[id] = job
    }
}
