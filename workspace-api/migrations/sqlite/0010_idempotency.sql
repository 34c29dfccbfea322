-- Responses to POST requests sent with an Idempotency-Key, replayed when the same client
-- retries the same request within a day. `status` is NULL while the first request runs.
-- Keep in step with ../postgres/0010_idempotency.sql.

CREATE TABLE idempotency_keys (
    account_id  INTEGER NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    status      INTEGER,
    headers     TEXT,
    body        TEXT,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_ms);
