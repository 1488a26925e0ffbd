-- journeyq schema v12: a queue copied to PostgreSQL stays moved. Frozen.
-- `journeyq copy` writes the one row after a copy that agreed; while it is there, every command that would work the
-- file refuses, naming where the queue went (the URL without its password). `--reopen-moved` deletes it.
CREATE TABLE queue_moved (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    to_url    TEXT NOT NULL,
    moved_at  INTEGER NOT NULL
) STRICT;
