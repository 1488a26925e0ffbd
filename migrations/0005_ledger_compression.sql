-- journeyq schema v5: a smaller ledger. Frozen.
-- A body longer than a few hundred bytes is kept zlib-compressed in *_zip, in the format of the sqlite3 shell's
-- sqlar_compress(), with its length in bytes in *_size; its TEXT column then holds ''. The view attempt_text reads
-- every body as text, in journeyq and in the sqlite3 shell alike:
--   sqlite3 journeyq.db "SELECT id, request_body FROM attempt_text WHERE batch_id = 42"
ALTER TABLE attempt ADD COLUMN request_zip BLOB;
ALTER TABLE attempt ADD COLUMN request_size INTEGER;
ALTER TABLE attempt ADD COLUMN response_zip BLOB;
ALTER TABLE attempt ADD COLUMN response_size INTEGER;

CREATE VIEW attempt_text AS
SELECT id, destination_id, batch_id, purpose, attempt_number, method, url,
       CASE WHEN request_zip IS NULL THEN request_body ELSE CAST(sqlar_uncompress(request_zip, request_size) AS TEXT) END AS request_body,
       started_at, status, response_headers,
       CASE WHEN response_zip IS NULL THEN response_body ELSE CAST(sqlar_uncompress(response_zip, response_size) AS TEXT) END AS response_body,
       remote_id, latency_ms, error_class, finished_at
FROM attempt;
