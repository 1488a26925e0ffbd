-- journeyq schema v6: evidence beyond membership (the journey history), and the look endpoints' own health. Frozen.

-- What decided the contact's last verdict when membership could not: the journey-history rows that proved this entry
-- (or a refused one), or the window over which the history was complete and held no entry.
ALTER TABLE contact ADD COLUMN evidence TEXT;
-- Times the journey history proved that a request entered nobody, so that the contact was sent again (durable, reported).
ALTER TABLE contact ADD COLUMN proven_absent INTEGER NOT NULL DEFAULT 0;

-- The look endpoints' circuit as a worker last reported it: looks wait until look_paused_until (submissions go on).
ALTER TABLE destination ADD COLUMN look_paused_until INTEGER;
ALTER TABLE destination ADD COLUMN look_reason TEXT;
ALTER TABLE destination ADD COLUMN look_since INTEGER;

-- What each request was for, finer than purpose: submission, look-before (is it in the journey already?), look-after
-- (reconciliation, the journey history), token, journey-check. API calls are what an account's quota counts.
ALTER TABLE attempt ADD COLUMN call_purpose TEXT;

-- The view that reads every body as text carries the new column too.
DROP VIEW attempt_text;
CREATE VIEW attempt_text AS
SELECT id, destination_id, batch_id, purpose, attempt_number, method, url,
       CASE WHEN request_zip IS NULL THEN request_body ELSE CAST(sqlar_uncompress(request_zip, request_size) AS TEXT) END AS request_body,
       started_at, status, response_headers,
       CASE WHEN response_zip IS NULL THEN response_body ELSE CAST(sqlar_uncompress(response_zip, response_size) AS TEXT) END AS response_body,
       remote_id, latency_ms, error_class, finished_at, call_purpose
FROM attempt;

-- Requests per destination and call purpose, kept by the ledger's own inserts and deletes (retention), never a scan.
CREATE TABLE call_count (
    destination_id  INTEGER NOT NULL REFERENCES destination(id),
    call_purpose    TEXT NOT NULL,
    n               INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, call_purpose)
) STRICT, WITHOUT ROWID;

INSERT INTO call_count(destination_id, call_purpose, n)
SELECT destination_id, CASE purpose WHEN 'submit' THEN 'submission' WHEN 'token' THEN 'token' ELSE 'look-after' END, COUNT(*)
FROM attempt GROUP BY 1, 2;

CREATE TRIGGER call_count_insert AFTER INSERT ON attempt BEGIN
    INSERT INTO call_count(destination_id, call_purpose, n)
    VALUES (NEW.destination_id, COALESCE(NEW.call_purpose, CASE NEW.purpose WHEN 'submit' THEN 'submission' WHEN 'token' THEN 'token' ELSE 'look-after' END), 1)
    ON CONFLICT(destination_id, call_purpose) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER call_count_delete AFTER DELETE ON attempt BEGIN
    UPDATE call_count SET n = n - 1
    WHERE destination_id = OLD.destination_id
      AND call_purpose = COALESCE(OLD.call_purpose, CASE OLD.purpose WHEN 'submit' THEN 'submission' WHEN 'token' THEN 'token' ELSE 'look-after' END);
END;
