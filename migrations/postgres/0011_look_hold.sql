-- journeyq PostgreSQL schema v11, as migrations/0017 for SQLite: a look holds the batches of the contacts it looks for,
-- not each contact. Frozen. `look_by` is the look's own batch, `look_until` its lease; a contact whose batch a live look
-- holds is not claimed by another look, and the verdict writes the contact once, fenced by that hold. Contacts an older
-- journeyq's look moved into its own batch keep it, with their next look time at that look's lease.
ALTER TABLE batch ADD COLUMN look_by BIGINT;
ALTER TABLE batch ADD COLUMN look_until BIGINT;

CREATE INDEX batch_look_by ON batch(look_by) WHERE look_by IS NOT NULL;

-- Which contacts a live look holds is read from the look's own index, so the index carries each contact's batch.
DROP INDEX contact_to_verify;
CREATE INDEX contact_to_verify ON contact(destination_id, available_at) INCLUDE (batch_id) WHERE state IN (3, 4);
