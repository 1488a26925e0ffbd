-- journeyq schema v17: a look holds the batches of the contacts it looks for, not each contact. Frozen.
-- The look's claim rewrote every contact it took (its batch, its next look time, `carried`) to hide it from other looks
-- for the lease, and every lease renewal rewrote them again. It now writes one row per batch those contacts came in:
-- `look_by` is the look's own batch, `look_until` its lease. A contact whose batch a live look holds (`look_until` not
-- yet passed) is not claimed by another look; the verdict writes the contact once, fenced by that hold.
-- Contacts an older journeyq's look moved into its own batch keep it, with their next look time at that look's lease:
-- they are looked for again once it has passed, as before.
ALTER TABLE batch ADD COLUMN look_by INTEGER;
ALTER TABLE batch ADD COLUMN look_until INTEGER;

CREATE INDEX batch_look_by ON batch(look_by) WHERE look_by IS NOT NULL;

-- Which contacts a live look holds is read from the look's own index, so the index carries each contact's batch: the
-- looks' reads pass over the held contacts without reading their rows.
DROP INDEX contact_to_verify;
CREATE INDEX contact_to_verify ON contact(destination_id, available_at, batch_id) WHERE state IN (3, 4);
