//! Directory entries: create, read, update, delete, and the bulk import the benchmark
//! directory uses.
//!
//! Every write recomputes the entry's derived search data (`employee_index.rs`) in the same
//! transaction; `search.rs` reads it. A `position_id` / `grade_id` copies the catalogue
//! entry's Korean name into `title` / `grade`; extra values are checked against
//! `extra_fields` inside the transaction (the handler has checked their kinds).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::agencies::missing_or_stale;
use super::employee_index::{self, Derived, IndexContext, derive, load_context, write_grams};
use super::{Entity, Store, StoreError, Tx, audit, unique_as};
use crate::extract::Actor;
use crate::model::{
    AgencyId, Employee, EmployeeId, EmployeePatch, GradeId, NewEmployee, PositionId, UnitId,
};

/// Unqualified, because SQLite's `RETURNING` takes no table-qualified names.
pub(super) const COLUMNS: &str = "id, agency_id, unit_id, name_ko, name_en, title, grade, office_phone, mobile, email, \
                       location, photo_url, position_id, grade_id, extra, version, name_ko_norm";

pub(super) fn employee_from_row(row: &AnyRow) -> Result<Employee, sqlx::Error> {
    let extra: String = row.try_get("extra")?;
    Ok(Employee {
        id: EmployeeId(row.try_get("id")?),
        agency_id: AgencyId(row.try_get("agency_id")?),
        unit_id: row.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
        name_ko: row.try_get("name_ko")?,
        name_en: row.try_get("name_en")?,
        title: row.try_get("title")?,
        grade: row.try_get("grade")?,
        office_phone: row.try_get("office_phone")?,
        mobile: row.try_get("mobile")?,
        email: row.try_get("email")?,
        location: row.try_get("location")?,
        photo_url: row.try_get("photo_url")?,
        position_id: row
            .try_get::<Option<i64>, _>("position_id")?
            .map(PositionId),
        grade_id: row.try_get::<Option<i64>, _>("grade_id")?.map(GradeId),
        extra: serde_json::from_str(&extra).unwrap_or_default(),
        version: row.try_get("version")?,
    })
}

/// A validated entry for [`Store::import_employees`] (the seeding and benchmark path).
pub type ImportRow = NewEmployee;

const INSERT_COLUMNS: &str = "agency_id, unit_id, name_ko, name_en, title, grade, office_phone, mobile, email, \
     location, photo_url, position_id, grade_id, extra, name_ko_norm, name_en_norm, chosung, search_more";
const INSERT_ARITY: usize = 18;

/// Binds an entry's stored columns in `INSERT_COLUMNS` order.
fn bind_entry<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    e: &'q Employee,
    d: &'q Derived,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(e.agency_id.0)
        .bind(e.unit_id.map(|u| u.0))
        .bind(&e.name_ko)
        .bind(&e.name_en)
        .bind(&e.title)
        .bind(&e.grade)
        .bind(e.office_phone.as_deref())
        .bind(e.mobile.as_deref())
        .bind(e.email.as_deref())
        .bind(e.location.as_deref())
        .bind(e.photo_url.as_deref())
        .bind(e.position_id.map(|p| p.0))
        .bind(e.grade_id.map(|g| g.0))
        .bind(serde_json::to_string(&e.extra).unwrap_or_else(|_| "{}".into()))
        .bind(&d.ko)
        .bind(&d.en)
        .bind(&d.chosung)
        .bind(&d.more)
}

fn placeholders(first: usize, n: usize) -> String {
    let p: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("({})", p.join(", "))
}

/// The entry a new employee will be, before it has an id.
fn draft(new: &NewEmployee) -> Employee {
    Employee {
        id: EmployeeId(0),
        agency_id: new.agency_id,
        unit_id: new.unit_id,
        name_ko: new.name_ko.clone(),
        name_en: new.name_en.clone(),
        title: new.title.clone(),
        grade: new.grade.clone(),
        office_phone: new.office_phone.clone(),
        mobile: new.mobile.clone(),
        email: new.email.clone(),
        location: new.location.clone(),
        photo_url: new.photo_url.clone(),
        position_id: new.position_id,
        grade_id: new.grade_id,
        extra: new.extra.clone(),
        version: 1,
    }
}

impl Store {
    /// How many directory entries exist.
    pub async fn employee_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM employees")
            .fetch_one(self.pool())
            .await?)
    }

    /// Vacuums and analyses the directory's tables on PostgreSQL after a bulk import (a
    /// no-op on SQLite), rather than waiting for autovacuum. Without statistics, the planner
    /// of a freshly imported directory guesses millions of rows per gram, picks hash joins and
    /// JIT-compiles each long-query search (20 ms of JIT, 200 ms in all, measured on 100,000
    /// people). Without the vacuum, no page is marked all-visible yet, so the gram index
    /// cannot answer a probe by itself (an index-only scan) and every probe also reads the
    /// table: counting 2,000 index entries of a gram this way took 20 ms against 1.8 ms after
    /// `VACUUM`.
    pub async fn analyze_directory(&self) -> Result<(), StoreError> {
        if matches!(self.backend(), super::Backend::Postgres) {
            // VACUUM refuses to run in a transaction: one plain statement on the pool.
            sqlx::raw_sql("VACUUM (ANALYZE) employees, employee_grams, gram_counts")
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// The largest employee id (0 when there is none).
    pub async fn max_employee_id(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM employees")
                .fetch_one(self.pool())
                .await?,
        )
    }

    pub async fn get_employee(&self, id: EmployeeId) -> Result<Employee, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM employees e WHERE e.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref()
            .map(employee_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound(Entity::Employee))
    }

    pub async fn create_employee(
        &self,
        actor: &Actor,
        new: &NewEmployee,
    ) -> Result<Employee, StoreError> {
        let mut tx = self.begin().await?;
        let mut e = draft(new);
        settle(&mut tx, &mut e, &mut Refs::default()).await?;
        let ctx = load_context(&mut tx, e.agency_id, e.unit_id).await?;
        let d = derive(&e, &ctx);
        let sql = format!(
            "INSERT INTO employees ({INSERT_COLUMNS}) VALUES {} RETURNING {COLUMNS}",
            placeholders(1, INSERT_ARITY)
        );
        let row = bind_entry(sqlx::query(AssertSqlSafe(sql)), &e, &d)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique_as("email"))?;
        let employee = employee_from_row(&row)?;
        write_grams(&mut tx, &employee, &d).await?;
        audit(
            &mut tx,
            actor,
            Some(employee.agency_id),
            "create",
            Entity::Employee,
            employee.id.0,
            json!(new),
        )
        .await?;
        self.commit(tx).await?;
        Ok(employee)
    }

    pub async fn update_employee(
        &self,
        actor: &Actor,
        id: EmployeeId,
        expected_version: i64,
        patch: &EmployeePatch,
    ) -> Result<Employee, StoreError> {
        let mut tx = self.begin().await?;
        let cur = fetch(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Employee))?;
        if cur.version != expected_version {
            return Err(StoreError::Stale);
        }
        let mut next = apply(cur, patch);
        settle(&mut tx, &mut next, &mut Refs::default()).await?;
        let ctx = load_context(&mut tx, next.agency_id, next.unit_id).await?;
        let d = derive(&next, &ctx);
        let sets: Vec<String> = INSERT_COLUMNS
            .split(", ")
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", c.trim(), i + 1))
            .collect();
        let sql = format!(
            "UPDATE employees SET {}, version = version + 1 WHERE id = ${} AND version = ${} \
             RETURNING {COLUMNS}",
            sets.join(", "),
            INSERT_ARITY + 1,
            INSERT_ARITY + 2
        );
        let row = bind_entry(sqlx::query(AssertSqlSafe(sql)), &next, &d)
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unique_as("email"))?;
        let employee = employee_from_row(&row.ok_or(StoreError::Stale)?)?;
        write_grams(&mut tx, &employee, &d).await?;
        audit(
            &mut tx,
            actor,
            Some(employee.agency_id),
            "update",
            Entity::Employee,
            id.0,
            json!(patch),
        )
        .await?;
        self.commit(tx).await?;
        Ok(employee)
    }

    pub async fn delete_employee(
        &self,
        actor: &Actor,
        id: EmployeeId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // The grams go before the entry (they would go by cascade) so that their counts go
        // down with them; a stale version rolls the whole transaction back.
        let mut counts = employee_index::GramCounts::default();
        employee_index::remove_grams(&mut tx, id.0, &mut counts).await?;
        counts.apply(&mut tx).await?;
        let done =
            sqlx::query("DELETE FROM employees WHERE id = $1 AND version = $2 RETURNING agency_id")
                .bind(id.0)
                .bind(expected_version)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(row) = done else {
            return Err(missing_or_stale(&mut tx, "employees", id.0, Entity::Employee).await);
        };
        let agency = AgencyId(row.try_get("agency_id")?);
        audit(
            &mut tx,
            actor,
            Some(agency),
            "delete",
            Entity::Employee,
            id.0,
            json!({}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Adds many valid entries in one transaction with multi-row inserts and one audit row
    /// (`import`, with the count and id range): the path of seeding. Entries must pass the
    /// handler's checks; references and extra keys are still checked here.
    pub async fn import_employees(
        &self,
        actor: &Actor,
        rows: &[ImportRow],
    ) -> Result<Vec<EmployeeId>, StoreError> {
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let mut tx = self.begin().await?;
        let mut prepared = Vec::with_capacity(rows.len());
        let mut contexts: BTreeMap<(AgencyId, Option<UnitId>), IndexContext> = BTreeMap::new();
        let mut refs = Refs::default();
        for new in rows {
            let mut e = draft(new);
            settle(&mut tx, &mut e, &mut refs).await?;
            let key = (e.agency_id, e.unit_id);
            if let std::collections::btree_map::Entry::Vacant(slot) = contexts.entry(key) {
                slot.insert(load_context(&mut tx, e.agency_id, e.unit_id).await?);
            }
            let d = derive(&e, &contexts[&key]);
            prepared.push((e, d));
        }
        let ids = self.reserve_employee_ids(&mut tx, rows.len()).await?;
        for (slot, id) in prepared.iter_mut().zip(&ids) {
            slot.0.id = *id;
        }
        insert_entries(&mut tx, &prepared).await?;
        let mut grams: Vec<_> = prepared
            .iter()
            .flat_map(|(e, d)| {
                d.grams
                    .iter()
                    .map(|(g, r)| (e.id.0, e.agency_id.0, d.ko.as_str(), g.as_str(), *r))
            })
            .collect();
        // In index order, each statement fills neighbouring index pages instead of touching
        // pages all over a tree of millions of rows.
        grams.sort_unstable_by(|a, b| (a.3, a.4, a.2, a.0).cmp(&(b.3, b.4, b.2, b.0)));
        employee_index::insert_grams(&mut tx, &grams).await?;
        let mut counts = employee_index::GramCounts::default();
        for (_, _, _, gram, _) in &grams {
            counts.add(gram, 1);
        }
        counts.apply(&mut tx).await?;
        let detail = json!({"count": ids.len(), "first_id": ids[0], "last_id": ids[ids.len() - 1]});
        audit(
            &mut tx,
            actor,
            None,
            "import",
            Entity::Employee,
            ids[0].0,
            detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(ids)
    }

    /// `n` fresh ids: from PostgreSQL's identity sequence, or past SQLite's largest id (the
    /// `BEGIN IMMEDIATE` write lock keeps other writers out until commit).
    async fn reserve_employee_ids(
        &self,
        tx: &mut Tx,
        n: usize,
    ) -> Result<Vec<EmployeeId>, StoreError> {
        let n = i64::try_from(n).map_err(|_| StoreError::InvalidInput("rows"))?;
        let ids: Vec<i64> = match self.backend() {
            super::Backend::Postgres => {
                sqlx::query_scalar(
                    "SELECT nextval(pg_get_serial_sequence('employees', 'id')) \
                     FROM generate_series(1, $1)",
                )
                .bind(n)
                .fetch_all(&mut **tx)
                .await?
            }
            super::Backend::Sqlite => {
                let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM employees")
                    .fetch_one(&mut **tx)
                    .await?;
                (max + 1..=max + n).collect()
            }
        };
        Ok(ids.into_iter().map(EmployeeId).collect())
    }
}

/// Rows per multi-row employee INSERT (19 values each; few, for the reason given at
/// `employee_index::GRAM_ROWS_PER_INSERT`).
const ENTRIES_PER_INSERT: usize = 25;

async fn insert_entries(tx: &mut Tx, entries: &[(Employee, Derived)]) -> Result<(), StoreError> {
    for chunk in entries.chunks(ENTRIES_PER_INSERT) {
        let arity = INSERT_ARITY + 1;
        let values: Vec<String> = (0..chunk.len())
            .map(|i| placeholders(1 + i * arity, arity))
            .collect();
        let sql = format!(
            "INSERT INTO employees (id, {INSERT_COLUMNS}) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (e, d) in chunk {
            q = bind_entry(q.bind(e.id.0), e, d);
        }
        q.execute(&mut **tx).await.map_err(unique_as("email"))?;
    }
    Ok(())
}

async fn fetch(tx: &mut Tx, id: EmployeeId) -> Result<Option<Employee>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM employees e WHERE e.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.as_ref().map(employee_from_row).transpose()?)
}

/// References already read in one transaction: `(table, id)` → (owning agency, Korean
/// name), existing agencies and the defined extra keys. An import checks thousands of
/// entries against a few dozen such rows; each is read once.
#[derive(Default)]
struct Refs {
    agencies: HashSet<i64>,
    owned: HashMap<(&'static str, i64), (i64, String)>,
    extra_keys: Option<Vec<String>>,
}

/// Checks an entry's references inside `tx` and fills what they imply: the agency must
/// exist; the unit, position and grade (if any) must exist inside it, and the latter two
/// set `title` / `grade`; every extra key must be a defined field.
async fn settle(tx: &mut Tx, e: &mut Employee, refs: &mut Refs) -> Result<(), StoreError> {
    if !refs.agencies.contains(&e.agency_id.0) {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agencies WHERE id = $1")
            .bind(e.agency_id.0)
            .fetch_one(&mut **tx)
            .await?;
        if n == 0 {
            return Err(StoreError::UnknownReference(Entity::Agency, "agency_id"));
        }
        refs.agencies.insert(e.agency_id.0);
    }
    if let Some(unit) = e.unit_id {
        owned_name(
            tx,
            refs,
            ("units", unit.0),
            e.agency_id,
            Entity::Unit,
            "unit_id",
        )
        .await?;
    }
    if let Some(p) = e.position_id {
        let key = ("positions", p.0);
        e.title = owned_name(tx, refs, key, e.agency_id, Entity::Position, "position_id").await?;
    }
    if let Some(g) = e.grade_id {
        let key = ("grades", g.0);
        e.grade = owned_name(tx, refs, key, e.agency_id, Entity::Grade, "grade_id").await?;
    }
    if e.extra.is_empty() {
        return Ok(());
    }
    if refs.extra_keys.is_none() {
        let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM extra_fields")
            .fetch_all(&mut **tx)
            .await?;
        refs.extra_keys = Some(keys);
    }
    let keys = refs.extra_keys.as_deref().unwrap_or_default();
    match e.extra.keys().find(|k| !keys.contains(k)) {
        Some(unknown) => Err(StoreError::InvalidField {
            field: format!("extra.{unknown}"),
            ko: "정의되지 않은 추가 항목입니다.",
            en: "No extra field has this key.",
        }),
        None => Ok(()),
    }
}

/// The Korean name of row `id` of `table`, which must belong to `agency`.
async fn owned_name(
    tx: &mut Tx,
    refs: &mut Refs,
    (table, id): (&'static str, i64),
    agency: AgencyId,
    entity: Entity,
    field: &'static str,
) -> Result<String, StoreError> {
    if let Entry::Vacant(slot) = refs.owned.entry((table, id)) {
        let sql = format!("SELECT agency_id, name_ko FROM {table} WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::UnknownReference(entity, field))?;
        slot.insert((row.try_get("agency_id")?, row.try_get("name_ko")?));
    }
    let (owner, name) = &refs.owned[&(table, id)];
    if *owner != agency.0 {
        return Err(StoreError::CrossAgency(field));
    }
    Ok(name.clone())
}

fn apply(mut e: Employee, p: &EmployeePatch) -> Employee {
    fn set<T: Clone>(slot: &mut T, v: &Option<T>) {
        if let Some(v) = v {
            *slot = v.clone();
        }
    }
    set(&mut e.agency_id, &p.agency_id);
    set(&mut e.unit_id, &p.unit_id);
    set(&mut e.name_ko, &p.name_ko);
    set(&mut e.name_en, &p.name_en);
    set(&mut e.title, &p.title);
    set(&mut e.grade, &p.grade);
    set(&mut e.office_phone, &p.office_phone);
    set(&mut e.mobile, &p.mobile);
    set(&mut e.email, &p.email);
    set(&mut e.location, &p.location);
    set(&mut e.photo_url, &p.photo_url);
    set(&mut e.position_id, &p.position_id);
    set(&mut e.grade_id, &p.grade_id);
    for (key, value) in p.extra.iter().flatten() {
        match value {
            Some(v) if !v.is_empty() => e.extra.insert(key.clone(), v.clone()),
            _ => e.extra.remove(key),
        };
    }
    e
}
