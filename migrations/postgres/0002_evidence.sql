-- journeyq schema v2 for PostgreSQL, as migrations/0006 for SQLite: evidence beyond membership (the journey history),
-- and the look endpoints' own health. Frozen.

-- What decided the contact's last verdict when membership could not: the journey-history rows that proved this entry
-- (or a refused one), or the window over which the history was complete and held no entry.
ALTER TABLE contact ADD COLUMN evidence TEXT;
-- Times the journey history proved that a request entered nobody, so that the contact was sent again (durable, reported).
ALTER TABLE contact ADD COLUMN proven_absent INTEGER NOT NULL DEFAULT 0;

-- The look endpoints' circuit as a worker last reported it: looks wait until look_paused_until (submissions go on).
ALTER TABLE destination ADD COLUMN look_paused_until BIGINT;
ALTER TABLE destination ADD COLUMN look_reason TEXT;
ALTER TABLE destination ADD COLUMN look_since BIGINT;

-- What each request was for, finer than purpose: submission, look-before (is it in the journey already?), look-after
-- (reconciliation, the journey history), token, journey-check. API calls are what an account's quota counts.
ALTER TABLE attempt ADD COLUMN call_purpose TEXT;

-- Requests per destination and call purpose, kept by the ledger's own inserts and deletes (retention), never a scan;
-- spread over slots by backend like contact_count, so that a fleet does not queue on one row.
CREATE TABLE call_count (
    destination_id  BIGINT NOT NULL REFERENCES destination(id),
    call_purpose    TEXT NOT NULL,
    slot            SMALLINT NOT NULL,
    n               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, call_purpose, slot)
);

CREATE FUNCTION call_purpose_of(call_purpose TEXT, purpose TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(call_purpose, CASE purpose WHEN 'submit' THEN 'submission' WHEN 'token' THEN 'token' ELSE 'look-after' END)
$$;

INSERT INTO call_count(destination_id, call_purpose, slot, n)
SELECT destination_id, call_purpose_of(call_purpose, purpose), 0, COUNT(*) FROM attempt GROUP BY 1, 2;

CREATE FUNCTION call_count_apply(calls_destination BIGINT[], calls_purpose TEXT[], calls_delta BIGINT[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO call_count(destination_id, call_purpose, slot, n)
    SELECT c.destination_id, c.call_purpose, (pg_backend_pid() % 16)::smallint, SUM(c.delta)
    FROM unnest(calls_destination, calls_purpose, calls_delta) AS c(destination_id, call_purpose, delta)
    GROUP BY c.destination_id, c.call_purpose HAVING SUM(c.delta) <> 0
    ORDER BY c.destination_id, c.call_purpose
    ON CONFLICT (destination_id, call_purpose, slot) DO UPDATE SET n = call_count.n + excluded.n
$$;

CREATE FUNCTION call_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM call_count_apply(array_agg(destination_id), array_agg(call_purpose_of(call_purpose, purpose)), array_agg(1::bigint)) FROM new_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION call_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM call_count_apply(array_agg(destination_id), array_agg(call_purpose_of(call_purpose, purpose)), array_agg(-1::bigint)) FROM old_rows;
    RETURN NULL;
END $$;

CREATE TRIGGER call_count_insert AFTER INSERT ON attempt REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION call_count_insert();
CREATE TRIGGER call_count_delete AFTER DELETE ON attempt REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION call_count_delete();
