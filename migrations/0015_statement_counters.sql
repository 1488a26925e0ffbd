-- journeyq schema v15: the daemon's moves keep the counters per statement. Frozen.
-- The per-row counter triggers cost more than the moves themselves (each contact's claim, write-ahead, settle and
-- verdict ran two or five more statements, and made SQLite keep a statement journal). A statement that keeps the
-- counters itself, from the batch it writes, flips each row's `tally` as it moves it; the row triggers skip a row whose
-- `tally` changed. Every other writer (an operator's redrive, an erasure, lease recovery, plain SQL) leaves `tally`
-- alone and is counted by the triggers as before.
ALTER TABLE contact ADD COLUMN tally INTEGER NOT NULL DEFAULT 0 CHECK (tally IN (0, 1));

DROP TRIGGER contact_count_move;
CREATE TRIGGER contact_count_move AFTER UPDATE OF state, attempts, event_instance_id, possible_duplicates, proven_absent ON contact
WHEN NEW.tally = OLD.tally AND (OLD.state <> NEW.state OR OLD.attempts <> NEW.attempts
  OR (OLD.event_instance_id IS NULL) <> (NEW.event_instance_id IS NULL)
  OR OLD.possible_duplicates <> NEW.possible_duplicates OR OLD.proven_absent <> NEW.proven_absent) BEGIN
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

DROP TRIGGER settled_count_enter;
CREATE TRIGGER settled_count_enter AFTER UPDATE OF state ON contact
WHEN NEW.tally = OLD.tally AND NEW.state >= 5 AND OLD.state < 5 BEGIN
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
