-- journeyq schema v3 for PostgreSQL, as migrations/0007 for SQLite: when a contact may enter. Frozen.

-- Contact state 8 is `expired`: its not_after passed before it was sent (final; an operator may redrive it).
ALTER TABLE contact DROP CONSTRAINT contact_state_check;
ALTER TABLE contact ADD CONSTRAINT contact_state_check CHECK (state BETWEEN 0 AND 8);

-- The record's own limits, epoch milliseconds: never claimed before not_before, never sent after not_after.
ALTER TABLE contact ADD COLUMN not_before BIGINT;
ALTER TABLE contact ADD COLUMN not_after BIGINT;
-- Why a queued contact waits past now: 1 the destination's send window, 2 its own not_before; NULL otherwise.
ALTER TABLE contact ADD COLUMN wait_cause SMALLINT CHECK (wait_cause IN (1, 2));

-- Those waiting for a window, by when it opens: the count and the next opening without reading the queue.
CREATE INDEX contact_window_wait ON contact(destination_id, available_at) WHERE state = 0 AND wait_cause = 1;

-- How many wait for the window, kept beside the state counters under the pseudo-state 100 (a counter, never a state a
-- contact takes), so that counts() and /metrics never count the index: the statement triggers add a move for each row
-- that enters or leaves the set.
CREATE OR REPLACE FUNCTION contact_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_count_apply(array_agg(m.destination_id), array_agg(m.state), array_agg(m.delta))
    FROM (SELECT o.destination_id, o.state, -1::bigint AS delta FROM old_rows o
          UNION ALL SELECT n.destination_id, n.state, 1::bigint FROM new_rows n
          UNION ALL SELECT o.destination_id, 100::smallint, -1::bigint FROM old_rows o WHERE o.state = 0 AND o.wait_cause = 1
          UNION ALL SELECT n.destination_id, 100::smallint, 1::bigint FROM new_rows n WHERE n.state = 0 AND n.wait_cause = 1) AS m;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contact_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_count_apply(array_agg(m.destination_id), array_agg(m.state), array_agg(-1::bigint))
    FROM (SELECT o.destination_id, o.state FROM old_rows o
          UNION ALL SELECT o.destination_id, 100::smallint FROM old_rows o WHERE o.state = 0 AND o.wait_cause = 1) AS m;
    RETURN NULL;
END $$;
