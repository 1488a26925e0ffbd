-- journeyq schema v8: what producers are told (the outbox), and how far each webhook endpoint has been told. Frozen.

-- Every final verdict of a contact (confirmed, unverifiable, dead, expired) and every pause and resume of a destination,
-- written in the transaction that made it: a verdict by the trigger below, a pause by the statement that sets it. So
-- nothing is told that was not committed and nothing committed is lost. The id orders the feed; AUTOINCREMENT never
-- reuses an id, even after retention empties the table. Times are epoch milliseconds.
CREATE TABLE event (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    -- contact.confirmed, contact.unverifiable, contact.dead, contact.expired, destination.paused, destination.resumed
    type               TEXT NOT NULL,
    destination_id     INTEGER NOT NULL REFERENCES destination(id),
    contact_id         INTEGER,
    contact_key        TEXT,
    state              INTEGER,
    reason             TEXT,
    event_instance_id  TEXT,
    request_id         TEXT,
    attempts           INTEGER,
    -- A pause: who paused (operator, health, looks) and until when (NULL until resumed).
    cause              TEXT,
    until              INTEGER,
    at                 INTEGER NOT NULL
) STRICT;

CREATE TRIGGER contact_event AFTER UPDATE OF state ON contact WHEN NEW.state >= 5 AND OLD.state <> NEW.state BEGIN
    INSERT INTO event(type, destination_id, contact_id, contact_key, state, reason, event_instance_id, request_id, attempts, at)
    VALUES (CASE NEW.state WHEN 5 THEN 'contact.confirmed' WHEN 6 THEN 'contact.unverifiable' WHEN 7 THEN 'contact.dead' ELSE 'contact.expired' END,
            NEW.destination_id, NEW.id, NEW.contact_key, NEW.state,
            CASE WHEN NEW.state = 5 THEN NULL ELSE COALESCE(NEW.dead_reason, NEW.last_error) END,
            NEW.event_instance_id, NEW.request_id, NEW.attempts, NEW.updated_at);
END;

-- One row per configured webhook endpoint: events up to cursor_id are delivered; a batch being delivered is the events
-- after the cursor up to pending_id, sent again with the same message id until the endpoint takes it. cursor_tx and
-- pending_tx are PostgreSQL's ordering (the writing transaction) and always 0 here: one writer commits in id order.
CREATE TABLE webhook_endpoint (
    name             TEXT PRIMARY KEY,
    cursor_tx        INTEGER NOT NULL DEFAULT 0,
    cursor_id        INTEGER NOT NULL,
    pending_tx       INTEGER,
    pending_id       INTEGER,
    pending_count    INTEGER,
    pending_since    INTEGER,
    -- The filter the batch in hand was formed with (JSON arrays, NULL for all): a try after a config change carries the
    -- same events under the same id.
    pending_types    TEXT,
    pending_destinations TEXT,
    -- A random id per batch, kept until it is delivered.
    message_id       TEXT,
    -- Tries of the pending batch, since when it fails, the last failure, and when the next try may go.
    attempts         INTEGER NOT NULL DEFAULT 0,
    failing_since    INTEGER,
    last_error       TEXT,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    -- Failing longer than the endpoint's parkAfter: no more tries until an operator redelivers (nothing is dropped).
    parked_at        INTEGER,
    delivered        INTEGER NOT NULL DEFAULT 0,
    deliveries       INTEGER NOT NULL DEFAULT 0,
    last_delivered_at INTEGER,
    -- The worker delivering it, so that a fleet sends each batch from one place at a time.
    owner            TEXT,
    lease_until      INTEGER NOT NULL DEFAULT 0,
    -- Retired by an operator (gone for good): it holds no event back from retention. A worker that still has it in
    -- its config takes it back.
    retired_at       INTEGER,
    created_at       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
