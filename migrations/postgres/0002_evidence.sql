-- journeyq schema v2 for PostgreSQL, as migrations/0006 for SQLite: evidence beyond membership (the journey history),
-- and the look endpoints' own health. Frozen.

-- What decided the contact's last verdict when membership could not: the journey-history rows that proved this entry
-- (or a refused one), or the window over which the history was complete and held no entry.
ALTER TABLE contact ADD COLUMN evidence TEXT;
-- Times the journey history proved that a request entered nobody, so that the contact was sent again (durable, reported).
ALTER TABLE contact ADD COLUMN proven_absent INTEGER NOT NULL DEFAULT 0;

-- The look endpoints' circuit as a worker last reported it: looks wait until look_paused_until (submissions go on).
ALTER TABLE destination ADD COLUMN look_paused_until BIGINT;
ALTER TABLE destination ADD COLUMN look_reason TEXT;
ALTER TABLE destination ADD COLUMN look_since BIGINT;
