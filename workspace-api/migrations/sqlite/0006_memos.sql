-- e-Memos with their share lists, and announcements with their read acknowledgements.
-- Keep in step with ../postgres/0006_memos.sql.

-- A memo belongs to its author; `agency_id` is the author's agency when it was written (the
-- audit rows of the memo belong to it). `title_norm` is the normalised title `?q=` searches.
-- `body` is always the sanitised HTML, `excerpt` its plain text.
CREATE TABLE memos (
    id             INTEGER PRIMARY KEY,
    author_id      INTEGER NOT NULL REFERENCES accounts(id),
    agency_id      INTEGER REFERENCES agencies(id),
    title          TEXT NOT NULL,
    title_norm     TEXT NOT NULL,
    body           TEXT NOT NULL,
    excerpt        TEXT NOT NULL,
    classification TEXT NOT NULL CHECK (classification IN ('public', 'partial', 'restricted')),
    created_ms     INTEGER NOT NULL,
    updated_ms     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX memos_author ON memos(author_id, updated_ms, id);

-- Who besides the author may read (or edit) a memo: an account, the people of a unit, of an
-- agency, or the members of a project.
CREATE TABLE memo_shares (
    memo_id     INTEGER NOT NULL REFERENCES memos(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('account', 'unit', 'agency', 'project')),
    target_id   INTEGER NOT NULL,
    permission  TEXT NOT NULL CHECK (permission IN ('reader', 'editor')),
    PRIMARY KEY (memo_id, target_kind, target_id)
);
CREATE INDEX memo_shares_target ON memo_shares(target_kind, target_id, memo_id);

-- A bulletin-board announcement to everyone, one agency or one project's members.
CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY,
    scope      TEXT NOT NULL CHECK (scope IN ('everyone', 'agency', 'project')),
    agency_id  INTEGER REFERENCES agencies(id),
    project_id INTEGER REFERENCES projects(id),
    author_id  INTEGER NOT NULL REFERENCES accounts(id),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    excerpt    TEXT NOT NULL,
    pinned     INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    expires_ms INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    CHECK ((scope = 'everyone' AND agency_id IS NULL AND project_id IS NULL)
        OR (scope = 'agency' AND agency_id IS NOT NULL AND project_id IS NULL)
        OR (scope = 'project' AND project_id IS NOT NULL AND agency_id IS NULL))
);
CREATE INDEX announcements_order ON announcements(pinned, id);

CREATE TABLE announcement_acks (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    acked_ms        INTEGER NOT NULL,
    PRIMARY KEY (announcement_id, account_id)
);
