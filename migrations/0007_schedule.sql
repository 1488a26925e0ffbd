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

-- How many wait for the window, kept beside the state counters under the pseudo-state 100 (a counter, never a state a
-- contact takes), so that counts() and /metrics never count the index. Moved only where a row enters or leaves the set.
CREATE TRIGGER contact_window_count AFTER UPDATE OF state, wait_cause ON contact
WHEN (OLD.state = 0 AND OLD.wait_cause IS 1) <> (NEW.state = 0 AND NEW.wait_cause IS 1) BEGIN
    INSERT INTO contact_count(destination_id, state, n)
        VALUES (NEW.destination_id, 100, CASE WHEN NEW.state = 0 AND NEW.wait_cause IS 1 THEN 1 ELSE -1 END)
        ON CONFLICT(destination_id, state) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER contact_window_count_delete AFTER DELETE ON contact WHEN OLD.state = 0 AND OLD.wait_cause IS 1 BEGIN
    UPDATE contact_count SET n = n - 1 WHERE destination_id = OLD.destination_id AND state = 100;
END;
