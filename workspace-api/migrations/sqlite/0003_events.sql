-- Live-update events: one row per change a user may be told about, written in the same
-- transaction as the change, with the audiences that may see it. The SSE stream
-- (`GET /api/v1/events`) reads them in id order and resumes after `Last-Event-ID`.
-- Keep in step with ../postgres/0003_events.sql.

CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    at_ms     INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    data      TEXT NOT NULL
);

-- `everyone`, or an agency, unit, project or account id; target_id is 0 for `everyone`.
CREATE TABLE event_audience (
    event_id  INTEGER NOT NULL REFERENCES events(id),
    kind      TEXT NOT NULL CHECK (kind IN ('everyone', 'agency', 'unit', 'project', 'account')),
    target_id INTEGER NOT NULL,
    PRIMARY KEY (event_id, kind, target_id)
);
