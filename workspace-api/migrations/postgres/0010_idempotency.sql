-- Responses to POST requests sent with an Idempotency-Key, replayed when the same client
-- retries the same request within a day. `status` is NULL while the first request runs.
-- Keep in step with ../sqlite/0010_idempotency.sql.

CREATE TABLE idempotency_keys (
    account_id  BIGINT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    status      BIGINT,
    headers     TEXT,
    body        TEXT,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_ms);
