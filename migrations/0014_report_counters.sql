-- journeyq schema v14: what a report reads, kept beside the rows it describes, so that a report or one destination's
-- detail reads a few hundred rows whatever the size of the queue and its ledger. Frozen.
-- Every counter moves in the transaction that moved its rows (triggers on the rows themselves, retention's deletes
-- included); a report with a `since` still scans the window it asks for.

-- The funnel beside the state counts: of the contacts counted under (destination, state), how many were ever submitted,
-- were accepted by the remote, the attempts beyond each one's first, the re-sends counted as possible duplicates and
-- the re-sends the journey history proved absent.
ALTER TABLE contact_count ADD COLUMN submitted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_count ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_count ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_count ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_count ADD COLUMN absent INTEGER NOT NULL DEFAULT 0;

UPDATE contact_count SET submitted = f.submitted, accepted = f.accepted, retries = f.retries, duplicates = f.duplicates,
    absent = f.absent
FROM (SELECT destination_id, state, SUM(attempts > 0 OR state > 0) AS submitted,
             SUM(state IN (3, 5, 6) OR event_instance_id IS NOT NULL) AS accepted, SUM(MAX(attempts - 1, 0)) AS retries,
             SUM(possible_duplicates) AS duplicates, SUM(proven_absent) AS absent
      FROM contact GROUP BY 1, 2) AS f
WHERE f.destination_id = contact_count.destination_id AND f.state = contact_count.state;

DROP TRIGGER contact_count_move;
CREATE TRIGGER contact_count_move AFTER UPDATE OF state, attempts, event_instance_id, possible_duplicates, proven_absent ON contact
WHEN OLD.state <> NEW.state OR OLD.attempts <> NEW.attempts OR (OLD.event_instance_id IS NULL) <> (NEW.event_instance_id IS NULL)
  OR OLD.possible_duplicates <> NEW.possible_duplicates OR OLD.proven_absent <> NEW.proven_absent BEGIN
    UPDATE contact_count SET n = n - 1, submitted = submitted - (OLD.attempts > 0 OR OLD.state > 0),
        accepted = accepted - (OLD.state IN (3, 5, 6) OR OLD.event_instance_id IS NOT NULL),
        retries = retries - MAX(OLD.attempts - 1, 0), duplicates = duplicates - OLD.possible_duplicates,
        absent = absent - OLD.proven_absent
    WHERE destination_id = OLD.destination_id AND state = OLD.state;
    INSERT INTO contact_count(destination_id, state, n, submitted, accepted, retries, duplicates, absent)
        VALUES (NEW.destination_id, NEW.state, 1, (NEW.attempts > 0 OR NEW.state > 0),
                (NEW.state IN (3, 5, 6) OR NEW.event_instance_id IS NOT NULL), MAX(NEW.attempts - 1, 0),
                NEW.possible_duplicates, NEW.proven_absent)
        ON CONFLICT(destination_id, state) DO UPDATE SET n = n + 1, submitted = submitted + excluded.submitted,
            accepted = accepted + excluded.accepted, retries = retries + excluded.retries,
            duplicates = duplicates + excluded.duplicates, absent = absent + excluded.absent;
END;

DROP TRIGGER contact_count_delete;
CREATE TRIGGER contact_count_delete AFTER DELETE ON contact BEGIN
    UPDATE contact_count SET n = n - 1, submitted = submitted - (OLD.attempts > 0 OR OLD.state > 0),
        accepted = accepted - (OLD.state IN (3, 5, 6) OR OLD.event_instance_id IS NOT NULL),
        retries = retries - MAX(OLD.attempts - 1, 0), duplicates = duplicates - OLD.possible_duplicates,
        absent = absent - OLD.proven_absent
    WHERE destination_id = OLD.destination_id AND state = OLD.state;
END;

-- Final contacts by the second, the minute and the hour they reached their state (their updated_at): the throughput
-- bars of any span read at most a few hundred rows of the one grain that fits it.
CREATE TABLE settled_count (
    destination_id  INTEGER NOT NULL REFERENCES destination(id),
    grain           INTEGER NOT NULL CHECK (grain IN (1000, 60000, 3600000)),
    at              INTEGER NOT NULL,
    state           INTEGER NOT NULL,
    n               INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, grain, at, state)
) STRICT, WITHOUT ROWID;

INSERT INTO settled_count(destination_id, grain, at, state, n)
SELECT c.destination_id, g.grain, c.updated_at / g.grain * g.grain, c.state, COUNT(*)
FROM contact c, (SELECT 1000 AS grain UNION ALL SELECT 60000 UNION ALL SELECT 3600000) AS g
WHERE c.state >= 5 GROUP BY 1, 2, 3, 4;

-- The common move, a live contact reaching its verdict: three upserts on the rows of the current second, minute, hour.
CREATE TRIGGER settled_count_enter AFTER UPDATE OF state ON contact WHEN NEW.state >= 5 AND OLD.state < 5 BEGIN
    INSERT INTO settled_count(destination_id, grain, at, state, n)
        VALUES (NEW.destination_id, 1000, NEW.updated_at / 1000 * 1000, NEW.state, 1)
        ON CONFLICT(destination_id, grain, at, state) DO UPDATE SET n = n + 1;
    INSERT INTO settled_count(destination_id, grain, at, state, n)
        VALUES (NEW.destination_id, 60000, NEW.updated_at / 60000 * 60000, NEW.state, 1)
        ON CONFLICT(destination_id, grain, at, state) DO UPDATE SET n = n + 1;
    INSERT INTO settled_count(destination_id, grain, at, state, n)
        VALUES (NEW.destination_id, 3600000, NEW.updated_at / 3600000 * 3600000, NEW.state, 1)
        ON CONFLICT(destination_id, grain, at, state) DO UPDATE SET n = n + 1;
END;

-- The rare ones: a final contact redriven, erased (its time changes) or moved between final states.
CREATE TRIGGER settled_count_move AFTER UPDATE OF state, updated_at ON contact
WHEN OLD.state >= 5 AND (OLD.state <> NEW.state OR OLD.updated_at <> NEW.updated_at) BEGIN
    UPDATE settled_count SET n = n - 1
    WHERE destination_id = OLD.destination_id AND grain = 1000 AND at = OLD.updated_at / 1000 * 1000 AND state = OLD.state;
    UPDATE settled_count SET n = n - 1
    WHERE destination_id = OLD.destination_id AND grain = 60000 AND at = OLD.updated_at / 60000 * 60000 AND state = OLD.state;
    UPDATE settled_count SET n = n - 1
    WHERE destination_id = OLD.destination_id AND grain = 3600000 AND at = OLD.updated_at / 3600000 * 3600000
      AND state = OLD.state;
    -- Emptied rows go: the report finds the first and last second by the first row with a count.
    DELETE FROM settled_count
    WHERE destination_id = OLD.destination_id AND state = OLD.state AND n = 0
      AND ((grain = 1000 AND at = OLD.updated_at / 1000 * 1000) OR (grain = 60000 AND at = OLD.updated_at / 60000 * 60000)
           OR (grain = 3600000 AND at = OLD.updated_at / 3600000 * 3600000));
    INSERT INTO settled_count(destination_id, grain, at, state, n)
        SELECT NEW.destination_id, g.grain, NEW.updated_at / g.grain * g.grain, NEW.state, 1
        FROM (SELECT 1000 AS grain UNION ALL SELECT 60000 UNION ALL SELECT 3600000) AS g WHERE NEW.state >= 5
        ON CONFLICT(destination_id, grain, at, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER settled_count_delete AFTER DELETE ON contact WHEN OLD.state >= 5 BEGIN
    UPDATE settled_count SET n = n - 1
    WHERE destination_id = OLD.destination_id AND grain = 1000 AND at = OLD.updated_at / 1000 * 1000 AND state = OLD.state;
    UPDATE settled_count SET n = n - 1
    WHERE destination_id = OLD.destination_id AND grain = 60000 AND at = OLD.updated_at / 60000 * 60000 AND state = OLD.state;
    UPDATE settled_count SET n = n - 1
    WHERE destination_id = OLD.destination_id AND grain = 3600000 AND at = OLD.updated_at / 3600000 * 3600000
      AND state = OLD.state;
    DELETE FROM settled_count
    WHERE destination_id = OLD.destination_id AND state = OLD.state AND n = 0
      AND ((grain = 1000 AND at = OLD.updated_at / 1000 * 1000) OR (grain = 60000 AND at = OLD.updated_at / 60000 * 60000)
           OR (grain = 3600000 AND at = OLD.updated_at / 3600000 * 3600000));
END;

-- Requests per destination as the report counts them: submissions, those answered 429, looks, uploads (PUT) answered
-- 2xx and not, the last answer's time, and the submissions the remote gave an id to (batch.remote_id).
CREATE TABLE request_count (
    destination_id  INTEGER PRIMARY KEY REFERENCES destination(id),
    submits         INTEGER NOT NULL DEFAULT 0,
    throttled       INTEGER NOT NULL DEFAULT 0,
    looks           INTEGER NOT NULL DEFAULT 0,
    uploads         INTEGER NOT NULL DEFAULT 0,
    uploads_failed  INTEGER NOT NULL DEFAULT 0,
    last_finished   INTEGER,
    remote_batches  INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO request_count(destination_id, submits, throttled, looks, uploads, uploads_failed, last_finished)
SELECT destination_id, SUM(purpose = 'submit'), SUM(purpose = 'submit' AND status IS 429), SUM(purpose = 'reconcile'),
       SUM(method = 'PUT' AND purpose = 'submit' AND COALESCE(status BETWEEN 200 AND 299, 0)),
       SUM(method = 'PUT' AND purpose = 'submit' AND (status IS NULL OR status NOT BETWEEN 200 AND 299)), MAX(finished_at)
FROM attempt GROUP BY 1;

INSERT INTO request_count(destination_id, remote_batches)
SELECT destination_id, COUNT(*) FROM batch WHERE remote_id IS NOT NULL GROUP BY 1
ON CONFLICT(destination_id) DO UPDATE SET remote_batches = excluded.remote_batches;

CREATE TRIGGER request_count_insert AFTER INSERT ON attempt BEGIN
    INSERT INTO request_count(destination_id, submits, throttled, looks, uploads, uploads_failed, last_finished)
        VALUES (NEW.destination_id, NEW.purpose = 'submit', NEW.purpose = 'submit' AND NEW.status IS 429,
                NEW.purpose = 'reconcile',
                NEW.method = 'PUT' AND NEW.purpose = 'submit' AND COALESCE(NEW.status BETWEEN 200 AND 299, 0),
                NEW.method = 'PUT' AND NEW.purpose = 'submit' AND (NEW.status IS NULL OR NEW.status NOT BETWEEN 200 AND 299),
                NEW.finished_at)
        ON CONFLICT(destination_id) DO UPDATE SET submits = submits + excluded.submits,
            throttled = throttled + excluded.throttled, looks = looks + excluded.looks, uploads = uploads + excluded.uploads,
            uploads_failed = uploads_failed + excluded.uploads_failed,
            last_finished = CASE WHEN excluded.last_finished > COALESCE(last_finished, -1) THEN excluded.last_finished
                                 ELSE last_finished END;
END;

CREATE TRIGGER request_count_answer AFTER UPDATE OF status, finished_at ON attempt
WHEN OLD.status IS NOT NEW.status OR OLD.finished_at IS NOT NEW.finished_at BEGIN
    UPDATE request_count SET
        throttled = throttled - (OLD.purpose = 'submit' AND OLD.status IS 429) + (NEW.purpose = 'submit' AND NEW.status IS 429),
        uploads = uploads - (OLD.method = 'PUT' AND OLD.purpose = 'submit' AND COALESCE(OLD.status BETWEEN 200 AND 299, 0))
                          + (NEW.method = 'PUT' AND NEW.purpose = 'submit' AND COALESCE(NEW.status BETWEEN 200 AND 299, 0)),
        uploads_failed = uploads_failed
            - (OLD.method = 'PUT' AND OLD.purpose = 'submit' AND (OLD.status IS NULL OR OLD.status NOT BETWEEN 200 AND 299))
            + (NEW.method = 'PUT' AND NEW.purpose = 'submit' AND (NEW.status IS NULL OR NEW.status NOT BETWEEN 200 AND 299)),
        last_finished = CASE WHEN NEW.finished_at > COALESCE(last_finished, -1) THEN NEW.finished_at ELSE last_finished END
    WHERE destination_id = NEW.destination_id;
END;

CREATE TRIGGER request_count_delete AFTER DELETE ON attempt BEGIN
    UPDATE request_count SET submits = submits - (OLD.purpose = 'submit'),
        throttled = throttled - (OLD.purpose = 'submit' AND OLD.status IS 429), looks = looks - (OLD.purpose = 'reconcile'),
        uploads = uploads - (OLD.method = 'PUT' AND OLD.purpose = 'submit' AND COALESCE(OLD.status BETWEEN 200 AND 299, 0)),
        uploads_failed = uploads_failed
            - (OLD.method = 'PUT' AND OLD.purpose = 'submit' AND (OLD.status IS NULL OR OLD.status NOT BETWEEN 200 AND 299))
    WHERE destination_id = OLD.destination_id;
END;

CREATE TRIGGER request_count_remote_insert AFTER INSERT ON batch WHEN NEW.remote_id IS NOT NULL BEGIN
    INSERT INTO request_count(destination_id, remote_batches) VALUES (NEW.destination_id, 1)
        ON CONFLICT(destination_id) DO UPDATE SET remote_batches = remote_batches + 1;
END;

CREATE TRIGGER request_count_remote_move AFTER UPDATE OF remote_id ON batch
WHEN (OLD.remote_id IS NULL) <> (NEW.remote_id IS NULL) BEGIN
    INSERT INTO request_count(destination_id, remote_batches)
        VALUES (NEW.destination_id, CASE WHEN NEW.remote_id IS NULL THEN -1 ELSE 1 END)
        ON CONFLICT(destination_id) DO UPDATE SET remote_batches = remote_batches + excluded.remote_batches;
END;

CREATE TRIGGER request_count_remote_delete AFTER DELETE ON batch WHEN OLD.remote_id IS NOT NULL BEGIN
    UPDATE request_count SET remote_batches = remote_batches - 1 WHERE destination_id = OLD.destination_id;
END;

-- Submission latencies as a histogram: bucket upper bounds 2^(1/8) apart (each bucket within 9 % of its values), with
-- each bucket's count and sum, so that a percentile is the mean of the bucket holding its rank. The last bucket takes
-- anything slower than an hour.
CREATE TABLE latency_bound (
    le  INTEGER PRIMARY KEY
) STRICT;

INSERT INTO latency_bound(le)
WITH RECURSIVE b(x) AS (SELECT 1.0 UNION ALL SELECT x * 1.0905077326652577 FROM b WHERE x < 3600000.0)
SELECT DISTINCT CAST(x AS INTEGER) + (x > CAST(x AS INTEGER)) FROM b;
INSERT INTO latency_bound(le) VALUES (9223372036854775807);

CREATE TABLE latency_count (
    destination_id  INTEGER NOT NULL REFERENCES destination(id),
    le              INTEGER NOT NULL,
    n               INTEGER NOT NULL DEFAULT 0,
    total           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, le)
) STRICT, WITHOUT ROWID;

INSERT INTO latency_count(destination_id, le, n, total)
SELECT destination_id, (SELECT MIN(le) FROM latency_bound WHERE le >= latency_ms), COUNT(*), SUM(latency_ms)
FROM attempt WHERE purpose = 'submit' AND latency_ms IS NOT NULL GROUP BY 1, 2;

CREATE TRIGGER latency_count_insert AFTER INSERT ON attempt WHEN NEW.purpose = 'submit' AND NEW.latency_ms IS NOT NULL BEGIN
    INSERT INTO latency_count(destination_id, le, n, total)
        VALUES (NEW.destination_id, (SELECT MIN(le) FROM latency_bound WHERE le >= NEW.latency_ms), 1, NEW.latency_ms)
        ON CONFLICT(destination_id, le) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;

CREATE TRIGGER latency_count_move AFTER UPDATE OF latency_ms ON attempt
WHEN NEW.purpose = 'submit' AND OLD.latency_ms IS NOT NEW.latency_ms BEGIN
    UPDATE latency_count SET n = n - 1, total = total - OLD.latency_ms
    WHERE OLD.latency_ms IS NOT NULL AND destination_id = OLD.destination_id
      AND le = (SELECT MIN(le) FROM latency_bound WHERE le >= OLD.latency_ms);
    INSERT INTO latency_count(destination_id, le, n, total)
        SELECT NEW.destination_id, (SELECT MIN(le) FROM latency_bound WHERE le >= NEW.latency_ms), 1, NEW.latency_ms
        WHERE NEW.latency_ms IS NOT NULL
        ON CONFLICT(destination_id, le) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;

CREATE TRIGGER latency_count_delete AFTER DELETE ON attempt WHEN OLD.purpose = 'submit' AND OLD.latency_ms IS NOT NULL BEGIN
    UPDATE latency_count SET n = n - 1, total = total - OLD.latency_ms
    WHERE destination_id = OLD.destination_id AND le = (SELECT MIN(le) FROM latency_bound WHERE le >= OLD.latency_ms);
END;

-- A destination's ledger by time: the first request's time (the report's span) and a `since` window, without a scan.
CREATE INDEX attempt_destination_start ON attempt(destination_id, started_at);
-- The last submissions the remote gave an id to.
CREATE INDEX batch_remote ON batch(destination_id, id) WHERE remote_id IS NOT NULL;
-- The unverifiable by reason read only those (as contact_dead does for the dead), not every final contact.
CREATE INDEX contact_unverifiable ON contact(destination_id, id) WHERE state = 6;

-- The batches that carried each contact, their ids space-separated, oldest first: a contact's requests are the ledger
-- rows of those batches (through attempt_batch), never found by reading request bodies. Written by the write-ahead
-- record that sends the contact and by the claim of a look.
ALTER TABLE contact ADD COLUMN carried TEXT;
-- Where the ledger stood when this schema came: a contact claimed before it has those earlier requests found by their
-- bodies, as before, among ledger rows up to this id only.
CREATE TABLE ledger_carried_from (
    attempt_id  INTEGER NOT NULL
) STRICT;
INSERT INTO ledger_carried_from(attempt_id) SELECT COALESCE(MAX(id), 0) FROM attempt;
