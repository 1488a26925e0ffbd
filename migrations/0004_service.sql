-- journeyq schema v4: what the HTTP API and the dashboard need. Frozen.

-- A retried ingest request answers its first result and enqueues nothing twice.
CREATE TABLE idempotency_key (
    destination_id  INTEGER NOT NULL REFERENCES destination(id),
    key             TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (destination_id, key)
) STRICT, WITHOUT ROWID;

-- Dead letters, keyset-paged by id.
CREATE INDEX contact_dead ON contact(destination_id, id) WHERE state = 7;
-- A contact's rows at every destination, and search by key or key prefix.
CREATE INDEX contact_key ON contact(contact_key);
-- Finished contacts by state and time: the report's throughput and reasons read these, not the whole table.
CREATE INDEX contact_final ON contact(destination_id, state, updated_at) WHERE state >= 5;
