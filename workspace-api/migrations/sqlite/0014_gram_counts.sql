-- How many people hold each trigram of employee_grams. A search longer than three characters
-- takes as candidates the holders of its rarest trigrams (store/search.rs, Plan::Verify); it
-- reads the exact counts here in one lookup instead of counting index entries up to a cap,
-- which left the choice arbitrary when every trigram of a query was common. Kept exact by the
-- application in the transaction that changes a person's grams (store/employee_index.rs,
-- GramCounts). Keep in step with ../postgres/0014_gram_counts.sql.
CREATE TABLE gram_counts (
    gram TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO gram_counts (gram, n)
SELECT gram, COUNT(*) FROM employee_grams WHERE length(gram) = 3 GROUP BY gram;
