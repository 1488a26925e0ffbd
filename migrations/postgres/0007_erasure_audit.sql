-- journeyq PostgreSQL schema v7: erasure on request and the operators' audit log (as SQLite's 0011). Frozen.
ALTER TABLE contact ADD COLUMN erased_at BIGINT;

CREATE TABLE erasure (
    id            BIGSERIAL PRIMARY KEY,
    key_sha256    TEXT NOT NULL,
    contact_key   TEXT,
    requested_at  BIGINT NOT NULL,
    requested_by  TEXT NOT NULL,
    done_at       BIGINT,
    contacts      INTEGER NOT NULL DEFAULT 0,
    bodies        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX erasure_pending ON erasure(id) WHERE done_at IS NULL;

CREATE TABLE audit (
    id      BIGSERIAL PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    detail  TEXT
);
