-- The OpenTelemetry trace a request belongs to (when it was traced): a ledger row leads to its spans.
ALTER TABLE attempt ADD COLUMN trace_id text;
