//! The derived search data of a directory entry: normalised name columns, the 초성 column,
//! `search_more` (the secondary fields) and the entry's rows in `employee_grams`.
//!
//! Name fields (Korean and English name, 초성, e-mail) rank 0/1/2 (exact/prefix/partial);
//! secondary fields (title, grade, unit, agency, phone digits, location, searchable extra
//! fields) rank 3/4/5, so a person's name always beats a 과장 in their title. Secondary
//! fields index grams of two or three characters (phones: three digits only), see
//! [`hangul::index_secondary_grams`].
//!
//! Unit, agency and catalogue names are copied into the index, so renaming one reindexes
//! the entries that show it ([`reindex_where`]), in the renaming transaction.

use std::collections::{BTreeMap, HashMap};

use sqlx::{AssertSqlSafe, Row};

use super::employees::{COLUMNS, employee_from_row};
use super::{StoreError, Tx};
use crate::hangul;
use crate::model::{AgencyId, Employee, ExtraKind, UnitId};

/// Separates the fields of `search_more`; search text can never contain it (control
/// characters are refused), so a pattern cannot match across two fields.
pub(super) const SEP: char = '\n';

/// Where an entry sits, as its search data needs it.
#[derive(Debug, Clone, Default)]
pub(super) struct IndexContext {
    pub agency: String,
    pub unit: String,
    /// Keys and kinds of the searchable extra fields.
    pub searchable: Vec<(String, ExtraKind)>,
}

/// The derived columns and grams of one entry.
#[derive(Debug, Clone)]
pub(super) struct Derived {
    /// Normalised Korean name, also the sort key.
    pub ko: String,
    pub en: String,
    pub chosung: String,
    pub more: String,
    pub grams: BTreeMap<String, i64>,
}

/// Only the local part of an e-mail address is indexed: the domain (`mois.go.kr`) is shared
/// by a whole agency, so its grams would match thousands of rows and select nothing.
fn email_local(email: &str) -> &str {
    email.split_once('@').map_or(email, |(local, _)| local)
}

pub(super) fn derive(e: &Employee, ctx: &IndexContext) -> Derived {
    let ko = hangul::normalize(&e.name_ko);
    let en = hangul::normalize(&e.name_en);
    let chosung = hangul::chosung(&ko);
    let mut grams = BTreeMap::new();
    for field in [&ko, &en, &chosung] {
        hangul::index_grams(field, 0, &mut grams);
    }
    // A query never equals an address's local part alone, so it ranks as a prefix at best.
    hangul::index_grams(email_local(e.email.as_deref().unwrap_or("")), 1, &mut grams);
    let mut more = String::from(SEP);
    let mut add = |value: &str, kind: ExtraKind| {
        let (text, min_len) = match kind {
            ExtraKind::Phone => (hangul::digits(value), 3),
            _ => (hangul::normalize(value), 2),
        };
        if text.is_empty() {
            return;
        }
        let gram_source = match kind {
            ExtraKind::Email => email_local(&text),
            _ => &text,
        };
        hangul::index_secondary_grams(gram_source, min_len, &mut grams);
        more.push_str(&text);
        more.push(SEP);
    };
    for text in [&e.title, &e.grade, &ctx.unit, &ctx.agency] {
        add(text, ExtraKind::Text);
    }
    for phone in [&e.office_phone, &e.mobile].into_iter().flatten() {
        add(phone, ExtraKind::Phone);
    }
    if let Some(location) = &e.location {
        add(location, ExtraKind::Text);
    }
    for (key, kind) in &ctx.searchable {
        if let Some(value) = e.extra.get(key) {
            add(value, *kind);
        }
    }
    Derived {
        ko,
        en,
        chosung,
        more,
        grams,
    }
}

/// Agency name, unit name and searchable extra fields for an entry, read in `tx`.
pub(super) async fn load_context(
    tx: &mut Tx,
    agency: AgencyId,
    unit: Option<UnitId>,
) -> Result<IndexContext, StoreError> {
    let agency: String = sqlx::query_scalar("SELECT name_ko FROM agencies WHERE id = $1")
        .bind(agency.0)
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or_default();
    let unit: String = match unit {
        Some(u) => sqlx::query_scalar("SELECT name_ko FROM units WHERE id = $1")
            .bind(u.0)
            .fetch_optional(&mut **tx)
            .await?
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(IndexContext {
        agency,
        unit,
        searchable: searchable_fields(tx).await?,
    })
}

pub(super) async fn searchable_fields(tx: &mut Tx) -> Result<Vec<(String, ExtraKind)>, StoreError> {
    let rows = sqlx::query("SELECT key, kind FROM extra_fields WHERE searchable = 1 ORDER BY id")
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("key")?, ExtraKind::parse(r.try_get("kind")?))))
        .collect()
}

/// Rows per multi-row gram INSERT (5 values each). Kept small on purpose: sqlx's SQLite
/// driver looks every parameter up with `sqlite3_bind_parameter_name`, a linear scan, so a
/// statement's cost grows with the *square* of its binds. With 1,000 rows (5,000 binds) that
/// lookup was 95% of the import's CPU (measured with `perf`); 100 rows keep it negligible
/// and cost PostgreSQL only more round trips.
pub(super) const GRAM_ROWS_PER_INSERT: usize = 100;

/// Inserts gram rows `(employee, agency, sort name, gram, rank)` in multi-row statements.
pub(super) async fn insert_grams(
    tx: &mut Tx,
    rows: &[(i64, i64, &str, &str, i64)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(GRAM_ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = 5 * i;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO employee_grams (employee_id, agency_id, name_ko_norm, gram, rank) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, agency, name, gram, rank) in chunk {
            q = q
                .bind(*id)
                .bind(*agency)
                .bind(*name)
                .bind(*gram)
                .bind(*rank);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Net changes to `gram_counts` (how many people hold each trigram; see `search.rs`,
/// `rarest_grams`) made by a transaction, applied once at its end with [`GramCounts::apply`].
///
/// Applying once, in gram order, matters on PostgreSQL: the counts of common trigrams are
/// hot rows, and two transactions that each locked some of them in a different order could
/// deadlock; one sorted upsert per transaction takes its locks in the same order as every
/// other.
#[derive(Debug, Default)]
pub(super) struct GramCounts(BTreeMap<String, i64>);

impl GramCounts {
    /// Only trigrams are counted: they are what a long query intersects.
    fn counted(gram: &str) -> bool {
        gram.chars().count() == hangul::MAX_GRAM
    }

    pub(super) fn add(&mut self, gram: &str, by: i64) {
        if Self::counted(gram) {
            *self.0.entry(gram.to_owned()).or_default() += by;
        }
    }

    pub(super) async fn apply(self, tx: &mut Tx) -> Result<(), StoreError> {
        let changes: Vec<(String, i64)> = self.0.into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in changes.chunks(COUNT_ROWS_PER_UPSERT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let sql = format!(
                "INSERT INTO gram_counts (gram, n) VALUES {} \
                 ON CONFLICT (gram) DO UPDATE SET n = gram_counts.n + excluded.n",
                values.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (gram, n) in chunk {
                q = q.bind(gram.as_str()).bind(*n);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// Rows per `gram_counts` upsert (2 binds each; see [`GRAM_ROWS_PER_INSERT`] for why small).
const COUNT_ROWS_PER_UPSERT: usize = 250;

/// Removes an employee's rows from `employee_grams`, counting each removed gram down.
pub(super) async fn remove_grams(
    tx: &mut Tx,
    id: i64,
    counts: &mut GramCounts,
) -> Result<(), StoreError> {
    let old: Vec<String> =
        sqlx::query_scalar("DELETE FROM employee_grams WHERE employee_id = $1 RETURNING gram")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
    for gram in &old {
        counts.add(gram, -1);
    }
    Ok(())
}

/// Replaces an employee's rows in `employee_grams`. Each row carries the agency and the
/// sort name so short searches never leave the index (see `search.rs`). The change to the
/// gram counts is added to `counts`, for the caller to apply.
pub(super) async fn replace_grams(
    tx: &mut Tx,
    e: &Employee,
    d: &Derived,
    counts: &mut GramCounts,
) -> Result<(), StoreError> {
    remove_grams(tx, e.id.0, counts).await?;
    let rows: Vec<_> = d
        .grams
        .iter()
        .map(|(g, r)| (e.id.0, e.agency_id.0, d.ko.as_str(), g.as_str(), *r))
        .collect();
    for (_, _, _, gram, _) in &rows {
        counts.add(gram, 1);
    }
    insert_grams(tx, &rows).await
}

/// [`replace_grams`] for one employee, its counts applied at once.
pub(super) async fn write_grams(tx: &mut Tx, e: &Employee, d: &Derived) -> Result<(), StoreError> {
    let mut counts = GramCounts::default();
    replace_grams(tx, e, d, &mut counts).await?;
    counts.apply(tx).await
}

/// What selects the entries to reindex: `e.<column> = $1`, or `e.extra LIKE $1`.
pub(super) enum Selector {
    Agency(AgencyId),
    Unit(UnitId),
    Column(&'static str, i64),
    /// Entries holding a value for this extra key.
    ExtraKey(String),
}

/// Recomputes `search_more` and the grams of the selected entries after a name they show
/// (agency, unit, position, grade) or the searchable set of extra fields changed. With
/// `drop_key`, that extra value is removed from each entry first (its field is being
/// deleted) and the entry's version moves on.
pub(super) async fn reindex_where(
    tx: &mut Tx,
    selector: Selector,
    drop_key: Option<&str>,
) -> Result<usize, StoreError> {
    let (filter, q) = match &selector {
        Selector::Agency(a) => ("e.agency_id = $1", Bind::Int(a.0)),
        Selector::Unit(u) => ("e.unit_id = $1", Bind::Int(u.0)),
        Selector::Column(c, v) => (*c, Bind::Int(*v)),
        // Keys are `[a-z0-9_]`, which JSON writes as is, so the pattern is exact.
        Selector::ExtraKey(k) => ("e.extra LIKE $1", Bind::Text(format!("%\"{k}\":%"))),
    };
    let sql = format!("SELECT {COLUMNS} FROM employees e WHERE {filter}");
    let query = sqlx::query(AssertSqlSafe(sql));
    let query = match q {
        Bind::Int(v) => query.bind(v),
        Bind::Text(v) => query.bind(v),
    };
    let rows = query.fetch_all(&mut **tx).await?;
    let mut contexts: HashMap<(AgencyId, Option<UnitId>), IndexContext> = HashMap::new();
    let mut counts = GramCounts::default();
    for row in &rows {
        let mut e = employee_from_row(row)?;
        if let Some(key) = drop_key {
            e.extra.remove(key);
            sqlx::query("UPDATE employees SET extra = $1, version = version + 1 WHERE id = $2")
                .bind(serde_json::to_string(&e.extra).unwrap_or_else(|_| "{}".into()))
                .bind(e.id.0)
                .execute(&mut **tx)
                .await?;
        }
        let key = (e.agency_id, e.unit_id);
        if let std::collections::hash_map::Entry::Vacant(slot) = contexts.entry(key) {
            slot.insert(load_context(tx, e.agency_id, e.unit_id).await?);
        }
        let d = derive(&e, &contexts[&key]);
        sqlx::query("UPDATE employees SET search_more = $1 WHERE id = $2")
            .bind(&d.more)
            .bind(e.id.0)
            .execute(&mut **tx)
            .await?;
        replace_grams(tx, &e, &d, &mut counts).await?;
    }
    counts.apply(tx).await?;
    Ok(rows.len())
}

enum Bind {
    Int(i64),
    Text(String),
}
