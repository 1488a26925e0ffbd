-- The OpenTelemetry trace a request belongs to (when it was traced): a ledger row leads to its spans.
ALTER TABLE attempt ADD COLUMN trace_id TEXT;

DROP VIEW attempt_text;
CREATE VIEW attempt_text AS
SELECT id, destination_id, batch_id, purpose, attempt_number, method, url,
       CASE WHEN request_zip IS NULL THEN request_body ELSE CAST(sqlar_uncompress(request_zip, request_size) AS TEXT) END AS request_body,
       started_at, status, response_headers,
       CASE WHEN response_zip IS NULL THEN response_body ELSE CAST(sqlar_uncompress(response_zip, response_size) AS TEXT) END AS response_body,
       remote_id, latency_ms, error_class, finished_at, call_purpose, trace_id
FROM attempt;
