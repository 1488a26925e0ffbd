-- journeyq schema v4 for PostgreSQL, as migrations/0008 for SQLite: the outbox and the webhook endpoints. Frozen.

-- Every final verdict of a contact and every pause and resume of a destination, written in the transaction that made it.
-- Ids come from a sequence, and concurrent transactions commit out of id order: the feed orders events by (tx, id), tx
-- being the writing transaction's id, and shows only events of transactions older than every one still running
-- (pg_snapshot_xmin), so that no event can appear later behind a cursor that has passed it.
CREATE TABLE event (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx                 BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    type               TEXT NOT NULL,
    destination_id     BIGINT NOT NULL REFERENCES destination(id),
    contact_id         BIGINT,
    contact_key        TEXT,
    state              SMALLINT,
    reason             TEXT,
    event_instance_id  TEXT,
    request_id         TEXT,
    attempts           INTEGER,
    cause              TEXT,
    until              BIGINT,
    at                 BIGINT NOT NULL
);

CREATE INDEX event_order ON event(tx, id);

-- The verdicts, from the statement trigger that already sees every row a statement moved.
CREATE OR REPLACE FUNCTION contact_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_count_apply(array_agg(m.destination_id), array_agg(m.state), array_agg(m.delta))
    FROM (SELECT o.destination_id, o.state, -1::bigint AS delta FROM old_rows o
          UNION ALL SELECT n.destination_id, n.state, 1::bigint FROM new_rows n
          UNION ALL SELECT o.destination_id, 100::smallint, -1::bigint FROM old_rows o WHERE o.state = 0 AND o.wait_cause = 1
          UNION ALL SELECT n.destination_id, 100::smallint, 1::bigint FROM new_rows n WHERE n.state = 0 AND n.wait_cause = 1) AS m;
    -- Most statements (claims, write-ahead records, waits) move nobody to a final state: they skip the join.
    IF EXISTS (SELECT 1 FROM new_rows WHERE state >= 5) THEN
        INSERT INTO event(type, destination_id, contact_id, contact_key, state, reason, event_instance_id, request_id, attempts, at)
        SELECT CASE n.state WHEN 5 THEN 'contact.confirmed' WHEN 6 THEN 'contact.unverifiable' WHEN 7 THEN 'contact.dead' ELSE 'contact.expired' END,
               n.destination_id, n.id, n.contact_key, n.state,
               CASE WHEN n.state = 5 THEN NULL ELSE COALESCE(n.dead_reason, n.last_error) END,
               n.event_instance_id, n.request_id, n.attempts, n.updated_at
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.state >= 5 AND o.state <> n.state
        ORDER BY n.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TABLE webhook_endpoint (
    name              TEXT PRIMARY KEY,
    cursor_tx         BIGINT NOT NULL DEFAULT 0,
    cursor_id         BIGINT NOT NULL,
    pending_tx        BIGINT,
    pending_id        BIGINT,
    pending_count     INTEGER,
    pending_since     BIGINT,
    pending_types     TEXT,
    pending_destinations TEXT,
    message_id        TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    failing_since     BIGINT,
    last_error        TEXT,
    next_attempt_at   BIGINT NOT NULL DEFAULT 0,
    parked_at         BIGINT,
    delivered         BIGINT NOT NULL DEFAULT 0,
    deliveries        BIGINT NOT NULL DEFAULT 0,
    last_delivered_at BIGINT,
    owner             TEXT,
    lease_until       BIGINT NOT NULL DEFAULT 0,
    retired_at        BIGINT,
    created_at        BIGINT NOT NULL
);
