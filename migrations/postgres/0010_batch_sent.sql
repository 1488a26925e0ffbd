-- journeyq PostgreSQL schema v10, as migrations/0016 for SQLite: a batch's write-ahead record writes the batch only.
-- Frozen. `sent_at` is the start of the batch's latest request that carries contacts; a contact stored `claimed` in such
-- a batch reads as `sending`, and the settle (or lease recovery) that moves it next copies the stamp in. Contacts an
-- older journeyq stamped `sending` keep that state and are handled as before.
ALTER TABLE batch ADD COLUMN sent_at BIGINT;

-- An older journeyq still running beside this one (a rolling upgrade) recovers an expired batch by sending its `claimed`
-- contacts back to the queue, though a batch this one wrote ahead has them `claimed` after its request may have left.
-- That move is refused here, whoever makes it: this code moves such a contact back only through a settle, which copies
-- the batch's stamp in (its `carried` changes in the same statement).
CREATE FUNCTION contact_sent_stays_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM batch WHERE id = OLD.batch_id AND sent_at IS NOT NULL) THEN
        RAISE EXCEPTION 'journeyq: a contact whose request may have left cannot go back to the queue unlooked (an older journeyq recovering a newer one''s batch?)';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contact_sent_stays_out BEFORE UPDATE OF state ON contact FOR EACH ROW
WHEN (OLD.state = 1 AND NEW.state = 0 AND NEW.carried IS NOT DISTINCT FROM OLD.carried)
EXECUTE FUNCTION contact_sent_stays_out();
