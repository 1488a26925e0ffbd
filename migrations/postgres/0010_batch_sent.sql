-- journeyq PostgreSQL schema v10, as migrations/0016 for SQLite: a batch's write-ahead record writes the batch only.
-- Frozen. `sent_at` is the start of the batch's latest request that carries contacts; a contact stored `claimed` in such
-- a batch reads as `sending`, and the settle (or lease recovery) that moves it next copies the stamp in. Contacts an
-- older journeyq stamped `sending` keep that state and are handled as before.
ALTER TABLE batch ADD COLUMN sent_at BIGINT;
