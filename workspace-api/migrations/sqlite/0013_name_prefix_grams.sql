-- Every prefix longer than three characters (up to 100, the longest query) of each name
-- field (Korean name, English name, 초성, e-mail local part) becomes a gram, ranked 0 when it
-- is the whole field and 1 otherwise (an e-mail's always 1): a long query reads the names
-- that equal or start with it as one ordered range (store/search.rs, Plan::Prefix). The
-- application adds these rows itself from now on (hangul::index_grams); this fills them in
-- for the people already there. Keep in step with ../postgres/0013_name_prefix_grams.sql.
INSERT INTO employee_grams (gram, rank, name_ko_norm, employee_id, agency_id)
WITH RECURSIVE
    n(len) AS (SELECT 4 UNION ALL SELECT len + 1 FROM n WHERE len < 100),
    f(employee_id, agency_id, name_ko_norm, field, min_rank) AS (
        SELECT id, agency_id, name_ko_norm, name_ko_norm, 0 FROM employees
        UNION ALL SELECT id, agency_id, name_ko_norm, name_en_norm, 0 FROM employees
        UNION ALL SELECT id, agency_id, name_ko_norm, chosung, 0 FROM employees
        UNION ALL SELECT id, agency_id, name_ko_norm,
            CASE WHEN instr(email, '@') > 0 THEN substr(email, 1, instr(email, '@') - 1)
                 ELSE email END,
            1
        FROM employees WHERE email IS NOT NULL
    )
SELECT substr(f.field, 1, n.len),
       MIN(max(f.min_rank, CASE WHEN n.len = length(f.field) THEN 0 ELSE 1 END)),
       f.name_ko_norm, f.employee_id, f.agency_id
FROM f JOIN n ON n.len <= length(f.field)
GROUP BY f.employee_id, substr(f.field, 1, n.len);
