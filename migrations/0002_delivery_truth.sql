-- journeyq schema v2: what reconciliation needs to tell this run's entry from everything else. Frozen.

-- Looks that could not decide since the contact was last sent; bounded by the destination's verifyAttempts.
ALTER TABLE contact ADD COLUMN looks INTEGER NOT NULL DEFAULT 0;
-- Membership before the first request: NULL not looked, 0 not a member, 1 a member, 2 the look failed.
ALTER TABLE contact ADD COLUMN prior_member INTEGER CHECK (prior_member BETWEEN 0 AND 2);
-- Start of the last request that may have carried the contact (write-ahead time).
ALTER TABLE contact ADD COLUMN sent_at INTEGER;
-- 1 while nobody knows whether the last request took the contact (unknown, or dead by the ambiguous setting).
ALTER TABLE contact ADD COLUMN ambiguous INTEGER NOT NULL DEFAULT 0 CHECK (ambiguous IN (0, 1));
-- Re-sends made without a look after an ambiguous outcome (ambiguousOutcome: retry): durable, never erased.
ALTER TABLE contact ADD COLUMN possible_duplicates INTEGER NOT NULL DEFAULT 0;

-- How long after a request the remote may still be entering contacts, as the daemon was last configured:
-- lease recovery makes a contact lookable only that long after it finds the request abandoned.
ALTER TABLE destination ADD COLUMN settle_ms INTEGER NOT NULL DEFAULT 60000;
