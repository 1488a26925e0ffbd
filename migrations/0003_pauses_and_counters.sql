-- journeyq schema v3: pauses every worker obeys, the health workers report, and counts that never scan. Frozen.

-- An operator's pause (API or CLI): no request before paused_until (9223372036854775807: until resumed).
ALTER TABLE destination ADD COLUMN paused_until INTEGER;
ALTER TABLE destination ADD COLUMN pause_reason TEXT;
-- What a worker last found: the destination unavailable (circuit open), or its journey not taking entries.
ALTER TABLE destination ADD COLUMN health_paused_until INTEGER;
ALTER TABLE destination ADD COLUMN health_reason TEXT;
ALTER TABLE destination ADD COLUMN health_since INTEGER;
ALTER TABLE destination ADD COLUMN health_updated_at INTEGER;

-- Contacts per destination and state, moved in the same transaction as the contacts: inserts by the enqueue
-- statement itself (one row per transaction, not per contact), state changes and deletes by these triggers.
CREATE TABLE contact_count (
    destination_id  INTEGER NOT NULL REFERENCES destination(id),
    state           INTEGER NOT NULL,
    n               INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, state)
) STRICT, WITHOUT ROWID;

INSERT INTO contact_count(destination_id, state, n) SELECT destination_id, state, COUNT(*) FROM contact GROUP BY 1, 2;

CREATE TRIGGER contact_count_move AFTER UPDATE OF state ON contact WHEN OLD.state <> NEW.state BEGIN
    UPDATE contact_count SET n = n - 1 WHERE destination_id = OLD.destination_id AND state = OLD.state;
    INSERT INTO contact_count(destination_id, state, n) VALUES (NEW.destination_id, NEW.state, 1)
        ON CONFLICT(destination_id, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER contact_count_delete AFTER DELETE ON contact BEGIN
    UPDATE contact_count SET n = n - 1 WHERE destination_id = OLD.destination_id AND state = OLD.state;
END;
