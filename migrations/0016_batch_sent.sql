-- journeyq schema v16: a batch's write-ahead record no longer rewrites its contacts. Frozen.
-- The write-ahead stamped every contact `sending` (one more write of each row through its indexes and triggers); it now
-- writes the batch only: `sent_at` is the start of its latest request that carries contacts. A contact stored `claimed`
-- in a batch with `sent_at` reads as `sending`; the settle (or lease recovery) that moves it next copies the stamp in.
-- Contacts an older journeyq stamped `sending` keep that state and are handled as before.
ALTER TABLE batch ADD COLUMN sent_at INTEGER;

-- An older journeyq still running beside this one (a rolling upgrade) recovers an expired batch by sending its `claimed`
-- contacts back to the queue, though a batch this one wrote ahead has them `claimed` after its request may have left.
-- That move is refused here, whoever makes it: this code moves such a contact back only through a settle, which copies
-- the batch's stamp in (its `carried` changes in the same statement).
CREATE TRIGGER contact_sent_stays_out BEFORE UPDATE OF state ON contact
WHEN OLD.state = 1 AND NEW.state = 0 AND NEW.carried IS OLD.carried
    AND EXISTS (SELECT 1 FROM batch WHERE id = OLD.batch_id AND sent_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'journeyq: a contact whose request may have left cannot go back to the queue unlooked (an older journeyq recovering a newer one''s batch?)');
END;
