-- journeyq PostgreSQL schema v9, as migrations/0014 for SQLite: what a report reads, kept beside the rows it describes,
-- so that a report or one destination's detail reads a few hundred rows whatever the size of the queue and its ledger.
-- Frozen. Every counter moves in the transaction that moved its rows; counters that every daemon moves are spread over
-- slots by server process like contact_count, and read as sums.

-- The funnel beside the state counts: of the contacts counted under (destination, state, slot), how many were ever
-- submitted, were accepted by the remote, the attempts beyond each one's first, the re-sends counted as possible
-- duplicates and the re-sends the journey history proved absent.
ALTER TABLE contact_count ADD COLUMN submitted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contact_count ADD COLUMN accepted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contact_count ADD COLUMN retries BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contact_count ADD COLUMN duplicates BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contact_count ADD COLUMN absent BIGINT NOT NULL DEFAULT 0;

INSERT INTO contact_count(destination_id, state, slot, n, submitted, accepted, retries, duplicates, absent)
SELECT destination_id, state, 16, 0, COUNT(*) FILTER (WHERE attempts > 0 OR state > 0),
       COUNT(*) FILTER (WHERE state IN (3, 5, 6) OR event_instance_id IS NOT NULL), SUM(GREATEST(attempts - 1, 0)),
       SUM(possible_duplicates), SUM(proven_absent)
FROM contact GROUP BY 1, 2;

-- One row per contact moved: its state's count and its funnel values, signed (a row leaving its place subtracts them).
CREATE FUNCTION contact_count_apply(moves contact_count[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO contact_count(destination_id, state, slot, n, submitted, accepted, retries, duplicates, absent)
    SELECT m.destination_id, m.state, (pg_backend_pid() % 16)::smallint, SUM(m.n), SUM(m.submitted), SUM(m.accepted),
           SUM(m.retries), SUM(m.duplicates), SUM(m.absent)
    FROM unnest(moves) AS m
    GROUP BY m.destination_id, m.state
    HAVING SUM(m.n) <> 0 OR SUM(m.submitted) <> 0 OR SUM(m.accepted) <> 0 OR SUM(m.retries) <> 0
        OR SUM(m.duplicates) <> 0 OR SUM(m.absent) <> 0
    ORDER BY m.destination_id, m.state
    ON CONFLICT (destination_id, state, slot) DO UPDATE SET n = contact_count.n + excluded.n,
        submitted = contact_count.submitted + excluded.submitted, accepted = contact_count.accepted + excluded.accepted,
        retries = contact_count.retries + excluded.retries, duplicates = contact_count.duplicates + excluded.duplicates,
        absent = contact_count.absent + excluded.absent
$$;

-- A contact's place in the counters, times sign.
CREATE FUNCTION contact_count_of(c contact, sign BIGINT) RETURNS contact_count LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(c.destination_id, c.state, 0, sign, sign * (c.attempts > 0 OR c.state > 0)::int,
               sign * (c.state IN (3, 5, 6) OR c.event_instance_id IS NOT NULL)::int, sign * GREATEST(c.attempts - 1, 0),
               sign * c.possible_duplicates, sign * c.proven_absent)::contact_count
$$;

-- The send window's pseudo-state 100, counted only.
CREATE FUNCTION contact_window_of(c contact, sign BIGINT) RETURNS contact_count LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(c.destination_id, 100, 0, sign, 0, 0, 0, 0, 0)::contact_count
$$;

-- Final contacts by the second, the minute and the hour they reached their state (their updated_at): the throughput
-- bars of any span read at most a few hundred rows of the one grain that fits it.
CREATE TABLE settled_count (
    destination_id  BIGINT NOT NULL REFERENCES destination(id),
    grain           BIGINT NOT NULL CHECK (grain IN (1000, 60000, 3600000)),
    at              BIGINT NOT NULL,
    state           SMALLINT NOT NULL,
    slot            SMALLINT NOT NULL,
    n               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, grain, at, state, slot)
);

INSERT INTO settled_count(destination_id, grain, at, state, slot, n)
SELECT c.destination_id, g.grain, c.updated_at / g.grain * g.grain, c.state, 0, COUNT(*)
FROM contact c CROSS JOIN (VALUES (1000::bigint), (60000::bigint), (3600000::bigint)) AS g(grain)
WHERE c.state >= 5 GROUP BY 1, 2, 3, 4;

CREATE FUNCTION settled_count_apply(destinations BIGINT[], states SMALLINT[], times BIGINT[], deltas BIGINT[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO settled_count(destination_id, grain, at, state, slot, n)
    SELECT m.destination_id, g.grain, m.at / g.grain * g.grain, m.state, (pg_backend_pid() % 16)::smallint, SUM(m.delta)
    FROM unnest(destinations, states, times, deltas) AS m(destination_id, state, at, delta)
    CROSS JOIN (VALUES (1000::bigint), (60000::bigint), (3600000::bigint)) AS g(grain)
    WHERE m.state >= 5
    GROUP BY 1, 2, 3, 4 HAVING SUM(m.delta) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (destination_id, grain, at, state, slot) DO UPDATE SET n = settled_count.n + excluded.n
$$;

CREATE OR REPLACE FUNCTION contact_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_count_apply(array_agg(m))
    FROM (SELECT contact_count_of(n, 1) AS m FROM new_rows n
          UNION ALL SELECT contact_window_of(n, 1) FROM new_rows n WHERE n.state = 0 AND n.wait_cause = 1) AS moves;
    IF EXISTS (SELECT 1 FROM new_rows WHERE state >= 5) THEN
        PERFORM settled_count_apply(array_agg(destination_id), array_agg(state), array_agg(updated_at), array_agg(1::bigint))
        FROM new_rows WHERE state >= 5;
    END IF;
    RETURN NULL;
END $$;

-- The lifecycle (ContactState.canMove): replaced by every journeyq that opens the database with the definition it was
-- built with (PostgresMigrations), so that the guard below comes from the code's one definition.
CREATE FUNCTION contact_move_allowed(from_state SMALLINT, to_state SMALLINT) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT true
$$;

-- The same for a batch's phases (BatchPhase.canMove), restated the same way; a row trigger (one row a batch).
CREATE FUNCTION batch_move_allowed(from_state SMALLINT, to_state SMALLINT) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT true
$$;

CREATE FUNCTION batch_lifecycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journeyq: a batch moved outside its lifecycle (BatchPhase.canMove)';
END $$;

CREATE TRIGGER batch_lifecycle BEFORE UPDATE OF state ON batch FOR EACH ROW
    WHEN (OLD.state <> NEW.state AND NOT batch_move_allowed(OLD.state, NEW.state)) EXECUTE FUNCTION batch_lifecycle();

CREATE OR REPLACE FUNCTION contact_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE o.state <> n.state AND NOT contact_move_allowed(o.state, n.state)) THEN
        RAISE EXCEPTION 'journeyq: a contact moved outside its lifecycle (ContactState.canMove)';
    END IF;
    PERFORM contact_count_apply(array_agg(m))
    FROM (SELECT contact_count_of(o, -1) AS m FROM old_rows o
          UNION ALL SELECT contact_count_of(n, 1) FROM new_rows n
          UNION ALL SELECT contact_window_of(o, -1) FROM old_rows o WHERE o.state = 0 AND o.wait_cause = 1
          UNION ALL SELECT contact_window_of(n, 1) FROM new_rows n WHERE n.state = 0 AND n.wait_cause = 1) AS moves;
    -- Most statements (claims, write-ahead records, waits) touch no final contact: they skip the joins.
    IF EXISTS (SELECT 1 FROM new_rows WHERE state >= 5) OR EXISTS (SELECT 1 FROM old_rows WHERE state >= 5) THEN
        PERFORM settled_count_apply(array_agg(m.destination_id), array_agg(m.state), array_agg(m.at), array_agg(m.delta))
        FROM (SELECT o.destination_id, o.state, o.updated_at AS at, -1::bigint AS delta
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE o.state >= 5 AND (o.state <> n.state OR o.updated_at <> n.updated_at)
              UNION ALL
              SELECT n.destination_id, n.state, n.updated_at, 1::bigint
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE n.state >= 5 AND (o.state <> n.state OR o.updated_at <> n.updated_at)) AS m;
        INSERT INTO event(type, destination_id, contact_id, contact_key, state, reason, event_instance_id, request_id, attempts, at)
        SELECT CASE n.state WHEN 5 THEN 'contact.confirmed' WHEN 6 THEN 'contact.unverifiable' WHEN 7 THEN 'contact.dead'
                            ELSE 'contact.expired' END,
               n.destination_id, n.id, n.contact_key, n.state,
               CASE WHEN n.state = 5 THEN NULL ELSE COALESCE(n.dead_reason, n.last_error) END,
               n.event_instance_id, n.request_id, n.attempts, n.updated_at
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.state >= 5 AND o.state <> n.state
        ORDER BY n.id;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contact_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_count_apply(array_agg(m))
    FROM (SELECT contact_count_of(o, -1) AS m FROM old_rows o
          UNION ALL SELECT contact_window_of(o, -1) FROM old_rows o WHERE o.state = 0 AND o.wait_cause = 1) AS moves;
    IF EXISTS (SELECT 1 FROM old_rows WHERE state >= 5) THEN
        PERFORM settled_count_apply(array_agg(destination_id), array_agg(state), array_agg(updated_at), array_agg(-1::bigint))
        FROM old_rows WHERE state >= 5;
    END IF;
    RETURN NULL;
END $$;

-- Requests per destination as the report counts them: submissions, those answered 429, looks, uploads (PUT) answered
-- 2xx and not, the last answer's time, and the submissions the remote gave an id to (batch.remote_id). Moved once per
-- request by row triggers (a request is a hundred contacts' worth of work).
CREATE TABLE request_count (
    destination_id  BIGINT NOT NULL REFERENCES destination(id),
    slot            SMALLINT NOT NULL,
    submits         BIGINT NOT NULL DEFAULT 0,
    throttled       BIGINT NOT NULL DEFAULT 0,
    looks           BIGINT NOT NULL DEFAULT 0,
    uploads         BIGINT NOT NULL DEFAULT 0,
    uploads_failed  BIGINT NOT NULL DEFAULT 0,
    last_finished   BIGINT,
    remote_batches  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, slot)
);

INSERT INTO request_count(destination_id, slot, submits, throttled, looks, uploads, uploads_failed, last_finished)
SELECT destination_id, 16, COUNT(*) FILTER (WHERE purpose = 'submit'),
       COUNT(*) FILTER (WHERE purpose = 'submit' AND status = 429), COUNT(*) FILTER (WHERE purpose = 'reconcile'),
       COUNT(*) FILTER (WHERE method = 'PUT' AND purpose = 'submit' AND status BETWEEN 200 AND 299),
       COUNT(*) FILTER (WHERE method = 'PUT' AND purpose = 'submit' AND (status IS NULL OR status NOT BETWEEN 200 AND 299)),
       MAX(finished_at)
FROM attempt GROUP BY 1;

INSERT INTO request_count(destination_id, slot, remote_batches)
SELECT destination_id, 17, COUNT(*) FROM batch WHERE remote_id IS NOT NULL GROUP BY 1;

-- An attempt's place in the request counters: (submits, throttled, looks, uploads, uploads failed).
CREATE FUNCTION request_count_of(a attempt) RETURNS BIGINT[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[(a.purpose = 'submit')::int, (a.purpose = 'submit' AND a.status IS NOT DISTINCT FROM 429)::int,
                 (a.purpose = 'reconcile')::int,
                 (a.method = 'PUT' AND a.purpose = 'submit' AND COALESCE(a.status BETWEEN 200 AND 299, false))::int,
                 (a.method = 'PUT' AND a.purpose = 'submit' AND (a.status IS NULL OR a.status NOT BETWEEN 200 AND 299))::int
                ]::bigint[]
$$;

CREATE FUNCTION request_count_apply(destination BIGINT, d BIGINT[], finished BIGINT, remote BIGINT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO request_count(destination_id, slot, submits, throttled, looks, uploads, uploads_failed, last_finished,
                              remote_batches)
    VALUES (destination, (pg_backend_pid() % 16)::smallint, d[1], d[2], d[3], d[4], d[5], finished, remote)
    ON CONFLICT (destination_id, slot) DO UPDATE SET submits = request_count.submits + excluded.submits,
        throttled = request_count.throttled + excluded.throttled, looks = request_count.looks + excluded.looks,
        uploads = request_count.uploads + excluded.uploads, uploads_failed = request_count.uploads_failed + excluded.uploads_failed,
        last_finished = GREATEST(request_count.last_finished, excluded.last_finished),
        remote_batches = request_count.remote_batches + excluded.remote_batches
$$;

-- Submission latencies as a histogram: bucket upper bounds 2^(1/8) apart (each bucket within 9 % of its values), with
-- each bucket's count and sum, so that a percentile is the mean of the bucket holding its rank. The same bounds as
-- SQLite's (the same doubles, the same ceiling); the last bucket takes anything slower than an hour.
CREATE TABLE latency_bound (
    le  BIGINT PRIMARY KEY
);

INSERT INTO latency_bound(le)
WITH RECURSIVE b(x) AS (SELECT 1.0::float8 UNION ALL SELECT x * 1.0905077326652577::float8 FROM b WHERE x < 3600000.0)
SELECT DISTINCT ceil(x)::bigint FROM b;
INSERT INTO latency_bound(le) VALUES (9223372036854775807);

CREATE FUNCTION latency_bucket(latency BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT MIN(le) FROM latency_bound WHERE le >= latency
$$;

CREATE TABLE latency_count (
    destination_id  BIGINT NOT NULL REFERENCES destination(id),
    le              BIGINT NOT NULL,
    slot            SMALLINT NOT NULL,
    n               BIGINT NOT NULL DEFAULT 0,
    total           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, le, slot)
);

INSERT INTO latency_count(destination_id, le, slot, n, total)
SELECT destination_id, latency_bucket(latency_ms), 0, COUNT(*), SUM(latency_ms)
FROM attempt WHERE purpose = 'submit' AND latency_ms IS NOT NULL GROUP BY 1, 2;

CREATE FUNCTION latency_count_apply(destination BIGINT, latency BIGINT, sign BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO latency_count(destination_id, le, slot, n, total)
    VALUES (destination, latency_bucket(latency), (pg_backend_pid() % 16)::smallint, sign, sign * latency)
    ON CONFLICT (destination_id, le, slot) DO UPDATE SET n = latency_count.n + excluded.n,
        total = latency_count.total + excluded.total
$$;

CREATE FUNCTION attempt_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before BIGINT[];
    after BIGINT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM request_count_apply(NEW.destination_id, request_count_of(NEW), NEW.finished_at, 0);
        IF NEW.purpose = 'submit' AND NEW.latency_ms IS NOT NULL THEN
            PERFORM latency_count_apply(NEW.destination_id, NEW.latency_ms, 1);
        END IF;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        before := request_count_of(OLD);
        PERFORM request_count_apply(OLD.destination_id, ARRAY[-before[1], -before[2], -before[3], -before[4], -before[5]],
                                    NULL, 0);
        IF OLD.purpose = 'submit' AND OLD.latency_ms IS NOT NULL THEN
            PERFORM latency_count_apply(OLD.destination_id, OLD.latency_ms, -1);
        END IF;
        RETURN NULL;
    END IF;
    before := request_count_of(OLD);
    after := request_count_of(NEW);
    IF before <> after OR NEW.finished_at IS DISTINCT FROM OLD.finished_at THEN
        PERFORM request_count_apply(NEW.destination_id,
                                    ARRAY[after[1] - before[1], after[2] - before[2], after[3] - before[3],
                                          after[4] - before[4], after[5] - before[5]], NEW.finished_at, 0);
    END IF;
    IF NEW.purpose = 'submit' AND OLD.latency_ms IS DISTINCT FROM NEW.latency_ms THEN
        IF OLD.latency_ms IS NOT NULL THEN PERFORM latency_count_apply(OLD.destination_id, OLD.latency_ms, -1); END IF;
        IF NEW.latency_ms IS NOT NULL THEN PERFORM latency_count_apply(NEW.destination_id, NEW.latency_ms, 1); END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER attempt_counts_insert AFTER INSERT OR DELETE ON attempt FOR EACH ROW EXECUTE FUNCTION attempt_counts();
CREATE TRIGGER attempt_counts_answer AFTER UPDATE OF status, finished_at, latency_ms ON attempt FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.finished_at IS DISTINCT FROM NEW.finished_at
          OR OLD.latency_ms IS DISTINCT FROM NEW.latency_ms)
    EXECUTE FUNCTION attempt_counts();

CREATE FUNCTION batch_remote_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM request_count_apply(NEW.destination_id, ARRAY[0, 0, 0, 0, 0]::bigint[], NULL, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM request_count_apply(OLD.destination_id, ARRAY[0, 0, 0, 0, 0]::bigint[], NULL, -1);
    ELSE
        PERFORM request_count_apply(NEW.destination_id, ARRAY[0, 0, 0, 0, 0]::bigint[], NULL,
                                    CASE WHEN NEW.remote_id IS NULL THEN -1 ELSE 1 END);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER batch_remote_insert AFTER INSERT ON batch FOR EACH ROW WHEN (NEW.remote_id IS NOT NULL)
    EXECUTE FUNCTION batch_remote_count();
CREATE TRIGGER batch_remote_delete AFTER DELETE ON batch FOR EACH ROW WHEN (OLD.remote_id IS NOT NULL)
    EXECUTE FUNCTION batch_remote_count();
CREATE TRIGGER batch_remote_move AFTER UPDATE OF remote_id ON batch FOR EACH ROW
    WHEN ((OLD.remote_id IS NULL) <> (NEW.remote_id IS NULL)) EXECUTE FUNCTION batch_remote_count();

-- The last submissions the remote gave an id to.
CREATE INDEX batch_remote ON batch(destination_id, id) WHERE remote_id IS NOT NULL;

-- The batches that carried each contact, their ids space-separated, oldest first: a contact's requests are the ledger
-- rows of those batches (through attempt_batch), never found by reading request bodies. Written by the write-ahead
-- record that sends the contact and by the claim of a look.
ALTER TABLE contact ADD COLUMN carried TEXT;
-- Where the ledger stood when this schema came: a contact claimed before it has those earlier requests found by their
-- bodies, as before, among ledger rows up to this id only.
CREATE TABLE ledger_carried_from (
    attempt_id  BIGINT NOT NULL
);
INSERT INTO ledger_carried_from(attempt_id) SELECT COALESCE(MAX(id), 0) FROM attempt;
