-- OpenID Connect sign-in: flows in progress and the identities linked to accounts.
-- Keep in step with ../postgres/0008_oidc.sql.

-- One row per started sign-in, consumed (deleted) by its callback, so a state works once.
-- `state_hash` and `browser_hash` are SHA-256 of secrets the browser holds (the `state`
-- parameter and the flow cookie); the nonce and PKCE verifier never leave the server.
CREATE TABLE oidc_flows (
    state_hash    TEXT PRIMARY KEY,
    browser_hash  TEXT NOT NULL,
    provider      TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL
);
CREATE INDEX oidc_flows_expiry ON oidc_flows(expires_ms);

-- An identity at an issuer (`iss` + `sub` of its ID tokens) that signs in as an account.
CREATE TABLE oidc_links (
    id            INTEGER PRIMARY KEY,
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    provider      TEXT NOT NULL,
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    email         TEXT,
    created_ms    INTEGER NOT NULL,
    last_login_ms INTEGER NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX oidc_links_account ON oidc_links(account_id);
