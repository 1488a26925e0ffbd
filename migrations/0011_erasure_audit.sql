-- journeyq schema v11: erasure on request and the operators' audit log. Frozen.

-- When a contact's data was erased on request (GDPR art. 17): its data is '{}', its key, states, ids and times stay.
-- A redrive never brings such a contact back, and one erased in flight is never sent again (its notAfter is now).
ALTER TABLE contact ADD COLUMN erased_at INTEGER;

-- Every erasure asked for: the key's SHA-256 (the proof, to whoever knows the key), who asked and when, and what was
-- done. contact_key is kept only while the erasure waits for a record in flight, and cleared when it is done.
CREATE TABLE erasure (
    id            INTEGER PRIMARY KEY,
    key_sha256    TEXT NOT NULL,
    contact_key   TEXT,
    requested_at  INTEGER NOT NULL,
    requested_by  TEXT NOT NULL,
    done_at       INTEGER,
    contacts      INTEGER NOT NULL DEFAULT 0,
    bodies        INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX erasure_pending ON erasure(id) WHERE done_at IS NULL;

-- The operators' actions: pause, resume, redrive, redeliver, forget, with the key's name (or cli:USER) that did them.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    detail  TEXT
) STRICT;
