-- Per-agency catalogues of positions (직위) and grades (직급), hub-wide admin-defined extra
-- directory fields, and the employee columns that refer to them. Keep in step with
-- ../postgres/0009_directory_extras.sql.

CREATE TABLE positions (
    id         INTEGER PRIMARY KEY,
    agency_id  INTEGER NOT NULL REFERENCES agencies(id),
    name_ko    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (agency_id, name_ko)
);
CREATE INDEX positions_agency ON positions(agency_id, sort_order, id);

CREATE TABLE grades (
    id         INTEGER PRIMARY KEY,
    agency_id  INTEGER NOT NULL REFERENCES agencies(id),
    name_ko    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (agency_id, name_ko)
);
CREATE INDEX grades_agency ON grades(agency_id, sort_order, id);

CREATE TABLE extra_fields (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    label_ko   TEXT NOT NULL,
    label_en   TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'phone', 'email', 'url')),
    searchable INTEGER NOT NULL DEFAULT 0,
    sort_order INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1
);

-- The store nulls these itself (bumping the version) before deleting an entry; the
-- ON DELETE clause is only a safety net.
ALTER TABLE employees ADD COLUMN position_id INTEGER REFERENCES positions(id) ON DELETE SET NULL;
ALTER TABLE employees ADD COLUMN grade_id INTEGER REFERENCES grades(id) ON DELETE SET NULL;
-- Extra field values: a JSON object of key -> string, validated against extra_fields.
ALTER TABLE employees ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';
-- The secondary searchable fields (title, grade, unit, agency, phone digits, location,
-- searchable extras), normalised, each between newlines: verifies queries longer than a gram.
ALTER TABLE employees ADD COLUMN search_more TEXT NOT NULL DEFAULT '';
CREATE INDEX employees_position ON employees(position_id);
CREATE INDEX employees_grade ON employees(grade_id);
