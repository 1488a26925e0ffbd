-- journeyq schema v7: when a contact may enter. Frozen.
-- Contact state 8 is `expired` (its not_after passed before it was sent; final). The contact table's CHECK on state is
-- widened to 0..8 by the migrator itself (a schema edit SQLite allows only from code: see Migrations.swift).

-- The record's own limits, epoch milliseconds: never claimed before not_before, never sent after not_after.
ALTER TABLE contact ADD COLUMN not_before INTEGER;
ALTER TABLE contact ADD COLUMN not_after INTEGER;
-- Why a queued contact waits past now: 1 the destination's send window, 2 its own not_before; NULL otherwise.
ALTER TABLE contact ADD COLUMN wait_cause INTEGER CHECK (wait_cause IN (1, 2));

-- Those waiting for a window, by when it opens: the count and the next opening without reading the queue.
CREATE INDEX contact_window_wait ON contact(destination_id, available_at) WHERE state = 0 AND wait_cause = 1;
