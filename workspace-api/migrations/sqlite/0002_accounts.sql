-- Local accounts, browser sessions, personal API tokens and the sign-in throttle.
-- Secrets are never stored: sessions and tokens keep only the SHA-256 of their secret,
-- accounts only an argon2id PHC string. Keep in step with ../postgres/0002_accounts.sql.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('system_admin', 'agency_admin', 'member')),
    agency_id     INTEGER REFERENCES agencies(id),
    employee_id   INTEGER UNIQUE REFERENCES employees(id) ON DELETE SET NULL,
    disabled_ms   INTEGER,
    created_ms    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    CHECK (role <> 'agency_admin' OR agency_id IS NOT NULL)
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens(account_id, id);

-- Failed sign-ins per login text, whether or not an account has that login, so that the
-- lockout itself does not reveal which logins exist.
CREATE TABLE login_throttle (
    login           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    locked_until_ms INTEGER NOT NULL
);

-- The agency an audited change belongs to, so that agency admins can read their part.
ALTER TABLE audit_log ADD COLUMN agency_id INTEGER;
CREATE INDEX audit_log_agency ON audit_log(agency_id, id);
