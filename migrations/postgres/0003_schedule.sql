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
