-- Task boards of joint projects: columns (kanban), tasks with assignees, comments and the
-- status history. Also a version on project memberships (each is a resource with an ETag)
-- and the index behind `GET /projects?agency=`.
-- Keep in step with ../postgres/0005_tasks.sql.

ALTER TABLE project_members ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX project_agencies_agency ON project_agencies(agency_id, project_id);

-- `key` is stable (tasks and history name columns by it); `name` and `position` change.
CREATE TABLE task_columns (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    version    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (project_id, key)
);

-- `position` orders a column's tasks (gaps left between them so a move usually writes one
-- row); labels are a JSON array of strings.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    column_key  TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    start_date  TEXT,
    due_date    TEXT,
    priority    TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    labels      TEXT NOT NULL DEFAULT '[]',
    position    INTEGER NOT NULL,
    created_by  INTEGER REFERENCES accounts(id),
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (project_id, column_key) REFERENCES task_columns(project_id, key),
    CHECK (start_date IS NULL OR due_date IS NULL OR start_date <= due_date)
);
CREATE INDEX tasks_board ON tasks(project_id, column_key, position, id);

CREATE TABLE task_assignees (
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (task_id, account_id)
);
CREATE INDEX task_assignees_account ON task_assignees(account_id, task_id);

CREATE TABLE task_comments (
    id         INTEGER PRIMARY KEY,
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    author_id  INTEGER REFERENCES accounts(id),
    body       TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    edited_ms  INTEGER,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX task_comments_task ON task_comments(task_id, id);

-- One row per column change (the first, at creation, has no from_column).
CREATE TABLE task_history (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    at_ms       INTEGER NOT NULL,
    actor_id    INTEGER REFERENCES accounts(id),
    from_column TEXT,
    to_column   TEXT NOT NULL
);
CREATE INDEX task_history_task ON task_history(task_id, id);
