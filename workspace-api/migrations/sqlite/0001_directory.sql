-- Agencies, their unit trees, the employee directory with its n-gram search index, and the
-- append-only audit log. Keep in step with ../postgres/0001_directory.sql.

CREATE TABLE agencies (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE units (
    id         INTEGER PRIMARY KEY,
    agency_id  INTEGER NOT NULL REFERENCES agencies(id),
    parent_id  INTEGER REFERENCES units(id),
    name_ko    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX units_agency ON units(agency_id, sort_order, id);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE employees (
    id           INTEGER PRIMARY KEY,
    agency_id    INTEGER NOT NULL REFERENCES agencies(id),
    unit_id      INTEGER REFERENCES units(id),
    name_ko      TEXT NOT NULL,
    name_en      TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    grade        TEXT NOT NULL DEFAULT '',
    office_phone TEXT,
    mobile       TEXT,
    email        TEXT UNIQUE,
    location     TEXT,
    photo_url    TEXT,
    -- search columns, derived from the fields above by the application (see hangul.rs)
    name_ko_norm TEXT NOT NULL,
    name_en_norm TEXT NOT NULL DEFAULT '',
    chosung      TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX employees_name ON employees(name_ko_norm, id);
CREATE INDEX employees_agency_name ON employees(agency_id, name_ko_norm, id);
CREATE INDEX employees_unit ON employees(unit_id);

-- Every 1- to 3-character gram of the search columns (and of the e-mail's local part), with
-- the rank a query equal to the gram earns (0 exact, 1 prefix, 2 partial), the agency and the
-- sort name: a query of up to three characters is one ordered range of the primary key.
-- Serves the one- and two-character queries that trigram indexes cannot.
CREATE TABLE employee_grams (
    gram         TEXT NOT NULL,
    rank         INTEGER NOT NULL,
    name_ko_norm TEXT NOT NULL,
    employee_id  INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    agency_id    INTEGER NOT NULL,
    PRIMARY KEY (gram, rank, name_ko_norm, employee_id)
) WITHOUT ROWID;
CREATE INDEX employee_grams_employee ON employee_grams(employee_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at_ms     INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    detail    TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
