//! Directory search. Results rank exact (0) > prefix (1) > partial (2) matches of the
//! normalised Korean name, English name, 초성 and e-mail, then exact (3) > prefix (4) >
//! partial (5) matches of a secondary field (title, grade, unit, agency, phone digits,
//! location, searchable extra fields; see `employee_index.rs`), then `name_ko_norm` and id;
//! that triple is also the cursor key. Without a query the directory is listed by name.
//!
//! `employee_grams` holds every 1- to 3-character gram of the search columns with the rank a
//! query equal to that gram would give, the agency and the sort name. So a query of up to
//! three characters (민수, ㄱㅁㅅ, kim, 김) is one ordered index range that stops after a
//! page, however many people match. A longer query takes its candidates from its rarest
//! trigram (counted with a cap), then verifies and ranks them with `LIKE`.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::employee_index;
use super::employees::{COLUMNS, employee_from_row};
use super::{Store, StoreError};
use crate::hangul;
use crate::model::{AgencyId, Employee};

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
    /// Longer text: candidates from its rarest gram, verified and ranked with `LIKE`.
    Verify { q: String, driver: String },
}

/// At most this many rows are counted per gram when choosing the rarest one.
const COUNT_CAP: i64 = 2000;
/// At most this many of a long query's grams are counted.
const MAX_COUNTED: usize = 12;

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
            Some(q) => Plan::Verify {
                q: q.to_owned(),
                driver: self.rarest_gram(q).await?,
            },
        };
        let (sql, binds) = search_sql(self.backend().collate(), query, &plan);
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
            .fetch_all(self.pool())
            .await?;
        let hit = |row: &AnyRow| -> Result<SearchHit, sqlx::Error> {
            Ok(SearchHit {
                employee: employee_from_row(row)?,
                rank: row.try_get("rank")?,
                sort_name: row.try_get("name_ko_norm")?,
            })
        };
        Ok(rows.iter().map(hit).collect::<Result<_, _>>()?)
    }

    /// The query gram with the fewest index entries (counted up to a cap, so a common gram
    /// costs no more than a rare one to count).
    async fn rarest_gram(&self, q: &str) -> Result<String, StoreError> {
        let mut grams = hangul::query_grams(query_gram_source(q));
        grams.truncate(MAX_COUNTED);
        if grams.len() == 1 {
            return Ok(grams.remove(0));
        }
        let mut b = Binds::default();
        let parts: Vec<String> = grams
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let p = b.push(Bind::Text(g.clone()));
                format!(
                    "SELECT {i} AS i, COUNT(*) AS n FROM \
                     (SELECT 1 AS x FROM employee_grams WHERE gram = {p} LIMIT {COUNT_CAP}) t{i}"
                )
            })
            .collect();
        let sql = parts.join(" UNION ALL ");
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), b)
            .fetch_all(self.pool())
            .await?;
        let mut best = (i64::MAX, 0usize);
        for row in &rows {
            let (i, n): (i64, i64) = (row.try_get("i")?, row.try_get("n")?);
            best = best.min((n, i as usize));
        }
        Ok(grams.swap_remove(best.1.min(grams.len() - 1)))
    }
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

/// Builds the page query of a plan. All plans order by `(rank, name_ko_norm, id)` and take
/// the cursor as a keyset position in that order.
fn search_sql(collate: &str, query: &SearchQuery, plan: &Plan) -> (String, Binds) {
    let mut b = Binds::default();
    let (select, mut filters, key) = match plan {
        Plan::List => (
            format!("SELECT {COLUMNS}, 0 AS rank FROM employees e"),
            vec![],
            "e",
        ),
        Plan::Gram(q) => {
            let select = format!(
                "SELECT {GRAM_COLUMNS}, g.rank AS rank FROM employee_grams g \
                 JOIN employees e ON e.id = g.employee_id"
            );
            let gram = b.push(Bind::Text(q.clone()));
            (select, vec![format!("g.gram = {gram}")], "g")
        }
        Plan::Verify { q, driver } => {
            let rank = rank_case(&mut b, q);
            let driver = b.push(Bind::Text(driver.clone()));
            let select = format!("SELECT {COLUMNS}, {rank} AS rank FROM employees e");
            let candidates =
                format!("e.id IN (SELECT employee_id FROM employee_grams WHERE gram = {driver})");
            (select, vec![candidates], "e")
        }
    };
    if let Some(agency) = query.agency {
        filters.push(format!("{key}.agency_id = {}", b.push(Bind::Int(agency.0))));
    }
    let mut outer = vec![format!("s.rank < {}", hangul::NO_MATCH_RANK)];
    if let Some((r, name, id)) = &query.after {
        let (r, n, i) = (
            b.push(Bind::Int(*r)),
            b.push(Bind::Text(name.clone())),
            b.push(Bind::Int(*id)),
        );
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
            after: Some((1, "김'민수".into(), 9)),
            limit: 21,
        };
        let plan = Plan::Verify {
            q: query.q.clone().unwrap(),
            driver: "x'; ".into(),
        };
        let (sql, binds) = search_sql(" COLLATE \"C\"", &query, &plan);
        assert!(!sql.contains("drop") && !sql.contains("김"), "{sql}");
        // Every bound value has its placeholder, and no placeholder lacks a value.
        let n = binds.0.len();
        assert!(sql.contains(&format!("${n}")) && !sql.contains(&format!("${}", n + 1)));
    }

    #[test]
    fn address_queries_use_the_local_part_for_grams() {
        assert_eq!(query_gram_source("kim@mois.go.kr"), "kim");
        assert_eq!(query_gram_source("@mois"), "@mois");
        assert_eq!(query_gram_source("민수"), "민수");
    }
}
