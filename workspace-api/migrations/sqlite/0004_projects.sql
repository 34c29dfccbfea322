-- Joint projects: a lead agency, participating agencies and members (accounts of any
-- agency) with a role. Only members see a project unless it is public.
-- Keep in step with ../postgres/0004_projects.sql.

CREATE TABLE projects (
    id             INTEGER PRIMARY KEY,
    name_ko        TEXT NOT NULL,
    name_en        TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    lead_agency_id INTEGER NOT NULL REFERENCES agencies(id),
    public         INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    created_ms     INTEGER NOT NULL,
    archived_ms    INTEGER,
    version        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE project_agencies (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    agency_id  INTEGER NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (project_id, agency_id)
);

CREATE TABLE project_members (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    role       TEXT NOT NULL CHECK (role IN ('lead', 'member', 'viewer')),
    added_ms   INTEGER NOT NULL,
    PRIMARY KEY (project_id, account_id)
);
CREATE INDEX project_members_account ON project_members(account_id, project_id);
