-- Every prefix longer than three characters (up to 100, the longest query) of each name
-- field (Korean name, English name, 초성, e-mail local part) becomes a gram, ranked 0 when it
-- is the whole field and 1 otherwise (an e-mail's always 1): a long query reads the names
-- that equal or start with it as one ordered range (store/search.rs, Plan::Prefix). The
-- application adds these rows itself from now on (hangul::index_grams); this fills them in
-- for the people already there. Keep in step with ../sqlite/0013_name_prefix_grams.sql.
INSERT INTO employee_grams (gram, employee_id, rank, name_ko_norm, agency_id)
WITH f(employee_id, agency_id, name_ko_norm, field, min_rank) AS (
    SELECT id, agency_id, name_ko_norm, name_ko_norm, 0 FROM employees
    UNION ALL SELECT id, agency_id, name_ko_norm, name_en_norm, 0 FROM employees
    UNION ALL SELECT id, agency_id, name_ko_norm, chosung, 0 FROM employees
    UNION ALL SELECT id, agency_id, name_ko_norm, split_part(email, '@', 1), 1
        FROM employees WHERE email IS NOT NULL
)
SELECT substr(f.field, 1, n.len), f.employee_id,
       MIN(GREATEST(f.min_rank, CASE WHEN n.len = length(f.field) THEN 0 ELSE 1 END)),
       f.name_ko_norm, f.agency_id
FROM f JOIN generate_series(4, 100) AS n(len) ON n.len <= length(f.field)
GROUP BY f.employee_id, substr(f.field, 1, n.len), f.name_ko_norm, f.agency_id;

ANALYZE employee_grams;
