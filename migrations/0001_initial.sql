-- journeyq schema v1. Frozen: change the schema only with a new numbered file.
-- Timestamps are epoch milliseconds. Contact states: 0 queued, 1 claimed, 2 sending, 3 accepted,
-- 4 unknown, 5 confirmed, 6 unverifiable, 7 dead (live states are < 5).

CREATE TABLE destination (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE batch (
    id              INTEGER PRIMARY KEY,
    destination_id  INTEGER NOT NULL REFERENCES destination(id),
    lease_token     TEXT NOT NULL,
    lease_until     INTEGER NOT NULL,
    -- 0 open (leased), 1 settled, 2 expired (lease ran out before settle)
    state           INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
    size            INTEGER NOT NULL,
    remote_id       TEXT,
    created_at      INTEGER NOT NULL,
    closed_at       INTEGER
) STRICT;

CREATE INDEX batch_open_lease ON batch(lease_until) WHERE state = 0;

CREATE TABLE contact (
    id                 INTEGER PRIMARY KEY,
    destination_id     INTEGER NOT NULL REFERENCES destination(id),
    contact_key        TEXT NOT NULL,
    data               TEXT NOT NULL,
    state              INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 7),
    attempts           INTEGER NOT NULL DEFAULT 0,
    -- earliest time of the next action: claim when queued, reconciliation when accepted or unknown
    available_at       INTEGER NOT NULL,
    batch_id           INTEGER REFERENCES batch(id),
    -- the remote's id for the last submission (requestId, batch GUID, job id), for reconciliation
    request_id         TEXT,
    event_instance_id  TEXT,
    last_error         TEXT,
    dead_reason        TEXT,
    enqueued_at        INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;

-- A contact is live at most once per destination: enqueue dedupes on this.
CREATE UNIQUE INDEX contact_live_key ON contact(destination_id, contact_key) WHERE state < 5;
-- The claim query.
CREATE INDEX contact_ready ON contact(destination_id, available_at) WHERE state = 0;
-- The reconciliation query.
CREATE INDEX contact_to_verify ON contact(destination_id, available_at) WHERE state IN (3, 4);
-- Settle and lease recovery find a batch's contacts.
CREATE INDEX contact_batch ON contact(batch_id) WHERE batch_id IS NOT NULL;

-- The ledger: every request journeyq made, with its answer (promise 3).
CREATE TABLE attempt (
    id                INTEGER PRIMARY KEY,
    destination_id    INTEGER NOT NULL REFERENCES destination(id),
    batch_id          INTEGER REFERENCES batch(id),
    purpose           TEXT NOT NULL CHECK (purpose IN ('submit', 'reconcile', 'token')),
    attempt_number    INTEGER NOT NULL DEFAULT 1,
    method            TEXT NOT NULL,
    url               TEXT NOT NULL,
    request_body      TEXT NOT NULL,
    started_at        INTEGER NOT NULL,
    status            INTEGER,
    response_headers  TEXT,
    response_body     TEXT,
    remote_id         TEXT,
    latency_ms        INTEGER,
    error_class       TEXT,
    finished_at       INTEGER
) STRICT;

CREATE INDEX attempt_batch ON attempt(batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX attempt_unanswered ON attempt(destination_id) WHERE finished_at IS NULL;
