-- journeyq schema v13: why a destination is held, as a closed set the code decides on (readiness, metrics), beside the
-- free text people read. Frozen. NULL on rows written before: read as `unavailable`.
ALTER TABLE destination ADD COLUMN health_cause TEXT;
