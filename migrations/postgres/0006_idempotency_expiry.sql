-- Idempotency keys expire (retention.idempotencyKeys): found by age without a scan.
CREATE INDEX idempotency_key_created ON idempotency_key(created_at);
