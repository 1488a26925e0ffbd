-- journeyq schema v1 for PostgreSQL: the SQLite schema of migrations/0001–0005 in one step. Frozen: change the schema
-- only with a new numbered file. Timestamps are epoch milliseconds. Contact states: 0 queued, 1 claimed, 2 sending,
-- 3 accepted, 4 unknown, 5 confirmed, 6 unverifiable, 7 dead (live states are < 5). Batch states: 0 open (leased),
-- 1 settled, 2 expired (lease ran out before settle).

CREATE TABLE destination (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    kind                 TEXT,
    created_at           BIGINT NOT NULL,
    -- How long after a request the remote may still be entering contacts: lease recovery waits that long.
    settle_ms            BIGINT NOT NULL DEFAULT 60000,
    -- An operator's pause: no request before paused_until (9223372036854775807: until resumed).
    paused_until         BIGINT,
    pause_reason         TEXT,
    -- What a worker last found: the destination unavailable, or its journey not taking entries.
    health_paused_until  BIGINT,
    health_reason        TEXT,
    health_since         BIGINT,
    health_updated_at    BIGINT
);

CREATE TABLE batch (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    destination_id  BIGINT NOT NULL REFERENCES destination(id),
    lease_token     TEXT NOT NULL,
    lease_until     BIGINT NOT NULL,
    state           SMALLINT NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
    size            INTEGER NOT NULL,
    remote_id       TEXT,
    created_at      BIGINT NOT NULL,
    closed_at       BIGINT
);

CREATE INDEX batch_open_lease ON batch(lease_until) WHERE state = 0;
CREATE INDEX batch_open_destination ON batch(destination_id) WHERE state = 0;

CREATE TABLE contact (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    destination_id       BIGINT NOT NULL REFERENCES destination(id),
    contact_key          TEXT NOT NULL,
    data                 TEXT NOT NULL,
    state                SMALLINT NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 7),
    attempts             INTEGER NOT NULL DEFAULT 0,
    -- earliest time of the next action: claim when queued, reconciliation when accepted or unknown
    available_at         BIGINT NOT NULL,
    batch_id             BIGINT REFERENCES batch(id),
    -- the remote's id for the last submission (requestId, batch GUID, job id), for reconciliation
    request_id           TEXT,
    event_instance_id    TEXT,
    last_error           TEXT,
    dead_reason          TEXT,
    enqueued_at          BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    -- Looks that could not decide since the contact was last sent; bounded by the destination's verifyAttempts.
    looks                INTEGER NOT NULL DEFAULT 0,
    -- Membership before the first request: NULL not looked, 0 not a member, 1 a member, 2 the look failed.
    prior_member         SMALLINT CHECK (prior_member BETWEEN 0 AND 2),
    -- Start of the last request that may have carried the contact (write-ahead time).
    sent_at              BIGINT,
    -- 1 while nobody knows whether the last request took the contact.
    ambiguous            SMALLINT NOT NULL DEFAULT 0 CHECK (ambiguous IN (0, 1)),
    -- Re-sends made without a look after an ambiguous outcome: durable, never erased.
    possible_duplicates  INTEGER NOT NULL DEFAULT 0
);

-- A contact is live at most once per destination: enqueue dedupes on this.
CREATE UNIQUE INDEX contact_live_key ON contact(destination_id, contact_key) WHERE state < 5;
-- The claim query.
CREATE INDEX contact_ready ON contact(destination_id, available_at) WHERE state = 0;
-- The reconciliation query.
CREATE INDEX contact_to_verify ON contact(destination_id, available_at) WHERE state IN (3, 4);
-- Settle and lease recovery find a batch's contacts.
CREATE INDEX contact_batch ON contact(batch_id) WHERE batch_id IS NOT NULL;
-- Dead letters, keyset-paged by id.
CREATE INDEX contact_dead ON contact(destination_id, id) WHERE state = 7;
-- A contact's rows at every destination, and search by key or key prefix (byte order, whatever the locale).
CREATE INDEX contact_key ON contact(contact_key COLLATE "C");
-- Finished contacts by state and time: the report and retention read these, not the whole table.
CREATE INDEX contact_final ON contact(destination_id, state, updated_at) WHERE state >= 5;
CREATE INDEX contact_final_age ON contact(updated_at) WHERE state >= 5;

-- The ledger: every request journeyq made, with its answer. PostgreSQL compresses long bodies itself (TOAST).
CREATE TABLE attempt (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    destination_id    BIGINT NOT NULL REFERENCES destination(id),
    batch_id          BIGINT REFERENCES batch(id),
    purpose           TEXT NOT NULL CHECK (purpose IN ('submit', 'reconcile', 'token')),
    attempt_number    INTEGER NOT NULL DEFAULT 1,
    method            TEXT NOT NULL,
    url               TEXT NOT NULL,
    request_body      TEXT NOT NULL,
    started_at        BIGINT NOT NULL,
    status            INTEGER,
    response_headers  TEXT,
    response_body     TEXT,
    remote_id         TEXT,
    latency_ms        BIGINT,
    error_class       TEXT,
    finished_at       BIGINT
);

CREATE INDEX attempt_batch ON attempt(batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX attempt_unanswered ON attempt(destination_id) WHERE finished_at IS NULL;
CREATE INDEX attempt_destination_started ON attempt(destination_id, started_at);
CREATE INDEX attempt_started ON attempt(started_at);

-- A retried ingest request answers its first result and enqueues nothing twice.
CREATE TABLE idempotency_key (
    destination_id  BIGINT NOT NULL REFERENCES destination(id),
    key             TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (destination_id, key)
);

-- Contacts per destination and state, moved in the same transaction as the contacts by statement-level triggers
-- (one upsert per state a statement touches, not one per row). Spread over slots by server process, so that daemons
-- on several hosts do not queue behind one hot row; counts() adds the slots up.
CREATE TABLE contact_count (
    destination_id  BIGINT NOT NULL REFERENCES destination(id),
    state           SMALLINT NOT NULL,
    slot            SMALLINT NOT NULL,
    n               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, state, slot)
);

CREATE FUNCTION contact_count_apply(moves_destination BIGINT[], moves_state SMALLINT[], moves_delta BIGINT[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO contact_count(destination_id, state, slot, n)
    SELECT m.destination_id, m.state, (pg_backend_pid() % 16)::smallint, SUM(m.delta)
    FROM unnest(moves_destination, moves_state, moves_delta) AS m(destination_id, state, delta)
    GROUP BY m.destination_id, m.state HAVING SUM(m.delta) <> 0
    ORDER BY m.destination_id, m.state
    ON CONFLICT (destination_id, state, slot) DO UPDATE SET n = contact_count.n + excluded.n
$$;

CREATE FUNCTION contact_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_count_apply(array_agg(destination_id), array_agg(state), array_agg(1::bigint)) FROM new_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION contact_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_count_apply(array_agg(m.destination_id), array_agg(m.state), array_agg(m.delta))
    FROM (SELECT o.destination_id, o.state, -1::bigint AS delta FROM old_rows o
          UNION ALL SELECT n.destination_id, n.state, 1::bigint FROM new_rows n) AS m;
    RETURN NULL;
END $$;

CREATE FUNCTION contact_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_count_apply(array_agg(destination_id), array_agg(state), array_agg(-1::bigint)) FROM old_rows;
    RETURN NULL;
END $$;

CREATE TRIGGER contact_count_insert AFTER INSERT ON contact REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contact_count_insert();
CREATE TRIGGER contact_count_update AFTER UPDATE ON contact REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contact_count_update();
CREATE TRIGGER contact_count_delete AFTER DELETE ON contact REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contact_count_delete();
