-- journeyq schema v16: a batch's write-ahead record no longer rewrites its contacts. Frozen.
-- The write-ahead stamped every contact `sending` (one more write of each row through its indexes and triggers); it now
-- writes the batch only: `sent_at` is the start of its latest request that carries contacts. A contact stored `claimed`
-- in a batch with `sent_at` reads as `sending`; the settle (or lease recovery) that moves it next copies the stamp in.
-- Contacts an older journeyq stamped `sending` keep that state and are handled as before.
ALTER TABLE batch ADD COLUMN sent_at INTEGER;
