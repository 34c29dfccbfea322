-- Listing a unit by name reads each unit's page in order from this index (see
-- store/search.rs, unit_pages) instead of reading and sorting every member of a 국 and its
-- 과. It also serves what employees_unit did (the unit_id prefix). Keep in step with
-- ../sqlite/0012_employees_unit_name.sql.
CREATE INDEX employees_unit_name ON employees(unit_id, name_ko_norm COLLATE "C", id);
DROP INDEX employees_unit;
