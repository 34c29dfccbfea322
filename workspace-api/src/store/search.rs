//! Directory search. Results rank exact (0) > prefix (1) > partial (2) matches of the
//! normalised Korean name, English name, 초성 and e-mail, then exact (3) > prefix (4) >
//! partial (5) matches of a secondary field (title, grade, unit, agency, phone digits,
//! location, searchable extra fields; see `employee_index.rs`), then `name_ko_norm` and id;
//! that triple is also the cursor key. Without a query the directory is listed by name.
//!
//! `employee_grams` holds every 1- to 3-character gram of the search columns with the rank a
//! query equal to that gram would give, the agency and the sort name. So a query of up to
//! three characters (민수, ㄱㅁㅅ, kim, 김) is one ordered index range that stops after a
//! page, however many people match.
//!
//! A longer query (`mibin`, `kim mibin`, `9152508`) first reads the people one of whose names
//! equals or starts with it: every prefix of a name field is stored as a gram too (see
//! [`hangul::index_grams`]), ranked 0 or 1, and those ranks come before any other match, so
//! when they fill the page (a common romanised given name is the start of hundreds of
//! e-mail addresses) that one ordered range is the answer. Otherwise the query is verified.
//! For that, a longer query has no gram of its own among the trigrams. Every match holds
//! all its trigrams, so its candidates are the people holding its rarest trigram *and* the
//! next rarest ones, [`JOINED`] in all (from exact counts kept in `gram_counts`, see
//! `rarest_grams`; counting index entries with a cap made the choice arbitrary whenever every
//! trigram of a query was common); only those few are read and ranked with `LIKE`.
//! Trigrams of romanised names and of digits are each held by thousands of people (`bin`,
//! `205`) while two or three of them together are held by a handful, so intersecting is what
//! keeps such queries cheap: the rarest trigram alone left up to 10,000+ rows to verify. The
//! probe of each further trigram is one index seek by `(employee_id, gram)` (PostgreSQL's
//! primary key; SQLite's `employee_grams_employee` index, which on a `WITHOUT ROWID` table
//! carries the primary-key columns after `employee_id`).
//!
//! The unit filter takes the unit and every unit below it (a 국 with its 과): their ids are
//! read first (a recursive query over `units.parent_id`) and bound as a list. Listing a unit
//! without text reads each unit's first page from `employees_unit_name` (`unit_id`, then
//! sort name) and merges those few rows ([`unit_pages`]): one `IN` over the units would read
//! and sort every member of a 국 (thousands) for each page.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::employee_index;
use super::employees::{COLUMNS, employee_from_row};
use super::{Store, StoreError};
use crate::hangul;
use crate::model::{AgencyId, Employee, UnitId};

/// The employee columns when reading through the gram index: id and sort name come from
/// the index row, so the planner can follow the index order.
const GRAM_COLUMNS: &str = "g.employee_id AS id, e.agency_id, e.unit_id, e.name_ko, e.name_en, \
                            e.title, e.grade, e.office_phone, e.mobile, e.email, e.location, \
                            e.photo_url, e.position_id, e.grade_id, e.extra, e.version, \
                            g.name_ko_norm AS name_ko_norm";
/// Columns matched by search; all hold normalised text.
const MATCHED: [&str; 4] = ["e.name_ko_norm", "e.name_en_norm", "e.chosung", "e.email"];

/// A directory query: optional text, optional agency filter, keyset position and page size.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Normalised search text ([`hangul::normalize`]); `None` lists everyone by name.
    pub q: Option<String>,
    pub agency: Option<AgencyId>,
    /// Only people of this unit or of a unit below it.
    pub unit: Option<UnitId>,
    /// Resume after this `(rank, name_ko_norm, id)`.
    pub after: Option<(i64, String, i64)>,
    pub limit: i64,
}

/// One search result with the key it sorts by.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub employee: Employee,
    pub rank: i64,
    pub sort_name: String,
}

enum Bind {
    Int(i64),
    Text(String),
}

/// Collects bind values and hands out their `$n` placeholders.
#[derive(Default)]
struct Binds(Vec<Bind>);

impl Binds {
    fn push(&mut self, b: Bind) -> String {
        self.0.push(b);
        format!("${}", self.0.len())
    }
}

/// How a query runs; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// No text: everyone by name.
    List,
    /// Text no longer than a stored gram: one ordered index range, ranks precomputed.
    Gram(String),
    /// Longer text, first step: the people one of whose names equals or starts with it (rank
    /// 0 or 1), from the stored prefixes, in order. They rank before every other match, so
    /// when they fill the page, the page is complete; otherwise [`Plan::Verify`] reads it.
    Prefix(String),
    /// Longer text: candidates hold every one of `grams` (rarest first), verified and
    /// ranked with `LIKE`.
    Verify { q: String, grams: Vec<String> },
}

/// A long query's candidates hold this many of its rarest grams (fewer when it has fewer).
pub(super) const JOINED: usize = 3;

impl Store {
    /// Lists or searches the directory; see the module docs for matching and order.
    pub async fn search_employees(
        &self,
        query: &SearchQuery,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let plan = match query.q.as_deref().filter(|q| !q.is_empty()) {
            None => Plan::List,
            Some(q) if q.chars().count() <= hangul::MAX_GRAM && !q.contains('@') => {
                Plan::Gram(q.to_owned())
            }
            Some(q) => Plan::Prefix(q.to_owned()),
        };
        let units = match query.unit {
            None => None,
            Some(unit) => match self.unit_and_below(unit).await? {
                ids if ids.is_empty() => return Ok(vec![]),
                ids => Some(ids),
            },
        };
        let mut rows = self.page(query, &plan, units.as_deref()).await?;
        if let Plan::Prefix(q) = &plan
            && (rows.len() as i64) < query.limit
        {
            // The names that equal or start with `q` do not fill the page: verify the rest.
            let plan = match self.rarest_grams(q).await? {
                // Some trigram is held by nobody: nobody matches.
                None => return Ok(vec![]),
                Some(grams) => Plan::Verify {
                    q: q.clone(),
                    grams,
                },
            };
            rows = self.page(query, &plan, units.as_deref()).await?;
        }
        let hit = |row: &AnyRow| -> Result<SearchHit, sqlx::Error> {
            Ok(SearchHit {
                employee: employee_from_row(row)?,
                rank: row.try_get("rank")?,
                sort_name: row.try_get("name_ko_norm")?,
            })
        };
        Ok(rows.iter().map(hit).collect::<Result<_, _>>()?)
    }

    async fn page(
        &self,
        query: &SearchQuery,
        plan: &Plan,
        units: Option<&[i64]>,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let (sql, binds) = search_sql(self.backend().collate(), query, plan, units);
        Ok(bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
            .fetch_all(self.pool())
            .await?)
    }

    /// `unit` and every unit below it; empty when `unit` does not exist.
    async fn unit_and_below(&self, unit: UnitId) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "WITH RECURSIVE sub(id) AS (SELECT id FROM units WHERE id = $1 \
             UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) \
             SELECT id FROM sub",
        )
        .bind(unit.0)
        .fetch_all(self.pool())
        .await?)
    }

    /// The [`JOINED`] query grams held by the fewest people, rarest first, from the exact
    /// counts in `gram_counts` (one primary-key lookup per gram); `None` when one of them
    /// is held by nobody, so nobody matches.
    async fn rarest_grams(&self, q: &str) -> Result<Option<Vec<String>>, StoreError> {
        let grams = hangul::query_grams(query_gram_source(q));
        if grams.len() == 1 {
            return Ok(Some(grams));
        }
        let mut b = Binds::default();
        let list: Vec<String> = grams
            .iter()
            .map(|g| b.push(Bind::Text(g.clone())))
            .collect();
        let sql = format!(
            "SELECT gram, n FROM gram_counts WHERE gram IN ({})",
            list.join(", ")
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), b)
            .fetch_all(self.pool())
            .await?;
        let mut held = std::collections::HashMap::with_capacity(rows.len());
        for row in &rows {
            let (gram, n): (String, i64) = (row.try_get("gram")?, row.try_get("n")?);
            held.insert(gram, n);
        }
        // A gram without a row is held by nobody.
        let counted = grams
            .iter()
            .enumerate()
            .map(|(i, g)| (held.get(g).copied().unwrap_or(0), i))
            .collect();
        Ok(pick_rarest(&grams, counted))
    }
}

/// The [`JOINED`] grams of the lowest counts, in that order (ties keep query order); `None`
/// when a gram has no entry.
fn pick_rarest(grams: &[String], mut counted: Vec<(i64, usize)>) -> Option<Vec<String>> {
    counted.sort_unstable();
    if counted.first().is_some_and(|(n, _)| *n == 0) {
        return None;
    }
    let picked = counted
        .iter()
        .filter_map(|(_, i)| grams.get(*i).cloned())
        .take(JOINED)
        .collect();
    Some(picked)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn bind_all(mut q: AnyQuery<'_>, binds: Binds) -> AnyQuery<'_> {
    for b in binds.0 {
        q = match b {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        };
    }
    q
}

/// Builds the page query of a plan, within `units` when given. All plans order by
/// `(rank, name_ko_norm, id)` and take the cursor as a keyset position in that order.
fn search_sql(
    collate: &str,
    query: &SearchQuery,
    plan: &Plan,
    units: Option<&[i64]>,
) -> (String, Binds) {
    if let (Plan::List, Some(units)) = (plan, units) {
        return unit_pages(collate, query, units);
    }
    let mut b = Binds::default();
    let (select, mut filters, key) = match plan {
        Plan::List => (
            format!("SELECT {COLUMNS}, 0 AS rank FROM employees e"),
            vec![],
            "e",
        ),
        Plan::Gram(q) | Plan::Prefix(q) => {
            let select = format!(
                "SELECT {GRAM_COLUMNS}, g.rank AS rank FROM employee_grams g \
                 JOIN employees e ON e.id = g.employee_id"
            );
            let gram = b.push(Bind::Text(q.clone()));
            let mut filters = vec![format!("g.gram = {gram}")];
            if matches!(plan, Plan::Prefix(_)) {
                filters.push("g.rank <= 1".to_owned());
            }
            (select, filters, "g")
        }
        Plan::Verify { q, grams } => {
            let rank = rank_case(&mut b, q);
            let select = format!("SELECT {COLUMNS}, {rank} AS rank FROM employees e");
            (select, vec![candidates(&mut b, grams)], "e")
        }
    };
    if let Some(agency) = query.agency {
        filters.push(format!("{key}.agency_id = {}", b.push(Bind::Int(agency.0))));
    }
    if let Some(units) = units {
        filters.push(format!("e.unit_id IN ({})", int_list(&mut b, units)));
    }
    let mut outer = vec![format!("s.rank < {}", hangul::NO_MATCH_RANK)];
    if let Some((r, n, i)) = cursor_binds(&mut b, query) {
        outer.push(format!(
            "(s.rank > {r} OR (s.rank = {r} AND (s.name_ko_norm{collate} > {n} \
             OR (s.name_ko_norm{collate} = {n} AND s.id > {i}))))"
        ));
    }
    let limit = b.push(Bind::Int(query.limit));
    let where_inner = if filters.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", filters.join(" AND "))
    };
    let sql = format!(
        "SELECT * FROM ({select}{where_inner}) s \
         WHERE {} ORDER BY s.rank, s.name_ko_norm{collate}, s.id LIMIT {limit}",
        outer.join(" AND ")
    );
    (sql, b)
}

/// The placeholders of the query's keyset position `(rank, name_ko_norm, id)`, if any.
fn cursor_binds(b: &mut Binds, query: &SearchQuery) -> Option<(String, String, String)> {
    let (r, name, id) = query.after.as_ref()?;
    Some((
        b.push(Bind::Int(*r)),
        b.push(Bind::Text(name.clone())),
        b.push(Bind::Int(*id)),
    ))
}

/// Placeholders of `values`, comma-separated.
fn int_list(b: &mut Binds, values: &[i64]) -> String {
    let ps: Vec<String> = values.iter().map(|v| b.push(Bind::Int(*v))).collect();
    ps.join(", ")
}

/// Lists `units` by name: each unit's next page from `employees_unit_name`, merged. Reads at
/// most a page per unit whatever the units' size.
fn unit_pages(collate: &str, query: &SearchQuery, units: &[i64]) -> (String, Binds) {
    let mut b = Binds::default();
    let limit = b.push(Bind::Int(query.limit));
    let mut common = Vec::new();
    if let Some(agency) = query.agency {
        common.push(format!("e.agency_id = {}", b.push(Bind::Int(agency.0))));
    }
    // Every row of a list ranks 0: a cursor of a later rank is past the end.
    if let Some((r, n, i)) = cursor_binds(&mut b, query) {
        common.push(format!(
            "{r} <= 0 AND ({r} < 0 OR e.name_ko_norm{collate} > {n} \
             OR (e.name_ko_norm{collate} = {n} AND e.id > {i}))"
        ));
    }
    let parts: Vec<String> = units
        .iter()
        .map(|unit| {
            let mut w = vec![format!("e.unit_id = {}", b.push(Bind::Int(*unit)))];
            w.extend(common.iter().cloned());
            format!(
                "SELECT * FROM (SELECT {COLUMNS}, 0 AS rank FROM employees e WHERE {} \
                 ORDER BY e.name_ko_norm{collate}, e.id LIMIT {limit}) p",
                w.join(" AND ")
            )
        })
        .collect();
    let sql = format!(
        "SELECT * FROM ({}) s ORDER BY s.name_ko_norm{collate}, s.id LIMIT {limit}",
        parts.join(" UNION ALL ")
    );
    (sql, b)
}

/// `e.id IN (...)`: the people holding every one of `grams`. The first gram drives (it is
/// the rarest); each further one is an index probe by `(employee_id, gram)`.
fn candidates(b: &mut Binds, grams: &[String]) -> String {
    let mut sql = String::from("e.id IN (SELECT g0.employee_id FROM employee_grams g0 WHERE ");
    for (i, gram) in grams.iter().enumerate() {
        let p = b.push(Bind::Text(gram.clone()));
        if i == 0 {
            sql.push_str(&format!("g0.gram = {p}"));
        } else {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM employee_grams g{i} \
                 WHERE g{i}.employee_id = g0.employee_id AND g{i}.gram = {p})"
            ));
        }
    }
    sql.push(')');
    sql
}

/// `CASE` giving 0 (some name column equals `q`), 1 (starts with it), 2 (contains it), 3 to 5
/// (the same for a secondary field, each between separators in `search_more`) or 6.
fn rank_case(b: &mut Binds, q: &str) -> String {
    let sep = employee_index::SEP;
    let exact = b.push(Bind::Text(q.to_owned()));
    let escaped = hangul::like_escape(q);
    let prefix = b.push(Bind::Text(format!("{escaped}%")));
    let partial = b.push(Bind::Text(format!("%{escaped}%")));
    let more_exact = b.push(Bind::Text(format!("%{sep}{escaped}{sep}%")));
    let more_prefix = b.push(Bind::Text(format!("%{sep}{escaped}%")));
    let any = |f: &dyn Fn(&str) -> String| MATCHED.map(f).join(" OR ");
    let like = |p: &str| format!("e.search_more LIKE {p} ESCAPE '\\'");
    format!(
        "CASE WHEN {} THEN 0 WHEN {} THEN 1 WHEN {} THEN 2 \
         WHEN {} THEN 3 WHEN {} THEN 4 WHEN {} THEN 5 ELSE {} END",
        any(&|c| format!("{c} = {exact}")),
        any(&|c| format!("{c} LIKE {prefix} ESCAPE '\\'")),
        any(&|c| format!("{c} LIKE {partial} ESCAPE '\\'")),
        like(&more_exact),
        like(&more_prefix),
        like(&partial),
        hangul::NO_MATCH_RANK,
    )
}

/// The part of a query whose grams must be indexed: for an address (`kim@mois.go.kr`), its
/// local part; the full query is still verified against the whole column.
fn query_gram_source(q: &str) -> &str {
    match q.split_once('@') {
        Some((local, _)) if !local.is_empty() => local,
        _ => q,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_bound_never_inlined() {
        let query = SearchQuery {
            q: Some("x'; drop table employees; --".into()),
            agency: Some(AgencyId(3)),
            unit: Some(UnitId(4)),
            after: Some((1, "김'민수".into(), 9)),
            limit: 21,
        };
        let plan = Plan::Verify {
            q: query.q.clone().unwrap(),
            grams: vec!["x'; ".into(), "; d".into()],
        };
        let (sql, binds) = search_sql(" COLLATE \"C\"", &query, &plan, Some(&[4, 5]));
        assert!(!sql.contains("drop") && !sql.contains("김"), "{sql}");
        // Every bound value has its placeholder, and no placeholder lacks a value.
        let n = binds.0.len();
        assert!(sql.contains(&format!("${n}")) && !sql.contains(&format!("${}", n + 1)));
    }

    #[test]
    fn rarest_grams_come_first_and_an_absent_one_empties_the_search() {
        let grams: Vec<String> = ["aaa", "bbb", "ccc", "ddd"].map(String::from).into();
        let picked = pick_rarest(&grams, vec![(2000, 0), (7, 1), (2000, 2), (40, 3)]);
        assert_eq!(picked.unwrap(), ["bbb", "ddd", "aaa"]);
        assert_eq!(pick_rarest(&grams, vec![(5, 0), (0, 3)]), None);
        assert_eq!(pick_rarest(&grams[..1], vec![(9, 0)]).unwrap(), ["aaa"]);
    }

    #[test]
    fn candidates_hold_every_gram() {
        let mut b = Binds::default();
        let sql = candidates(&mut b, &["mib".into(), "ibi".into(), "bin".into()]);
        assert_eq!(b.0.len(), 3);
        assert!(sql.starts_with("e.id IN (SELECT g0.employee_id"), "{sql}");
        assert!(
            sql.contains("g0.gram = $1") && sql.contains("g2.gram = $3"),
            "{sql}"
        );
        assert_eq!(sql.matches("EXISTS").count(), 2, "{sql}");
    }

    #[test]
    fn address_queries_use_the_local_part_for_grams() {
        assert_eq!(query_gram_source("kim@mois.go.kr"), "kim");
        assert_eq!(query_gram_source("@mois"), "@mois");
        assert_eq!(query_gram_source("민수"), "민수");
    }
}
