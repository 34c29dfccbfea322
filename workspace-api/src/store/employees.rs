//! Directory entries: create, read, update, delete.
//!
//! Every write recomputes the derived search columns (`name_ko_norm`, `name_en_norm`,
//! `chosung`) and the entry's rows in `employee_grams` (grams of those columns and of the
//! e-mail's local part) in the same transaction; `search.rs` reads them.

use std::collections::BTreeMap;

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::agencies::missing_or_stale;
use super::{Entity, Store, StoreError, Tx, audit, unique_as};
use crate::extract::Actor;
use crate::hangul;
use crate::model::{AgencyId, Employee, EmployeeId, EmployeePatch, NewEmployee, UnitId};

/// Unqualified, because SQLite's `RETURNING` takes no table-qualified names.
pub(super) const COLUMNS: &str = "id, agency_id, unit_id, name_ko, name_en, title, grade, office_phone, mobile, email, \
                       location, photo_url, version, name_ko_norm";

pub(super) fn employee_from_row(row: &AnyRow) -> Result<Employee, sqlx::Error> {
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
        version: row.try_get("version")?,
    })
}

impl Store {
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
        check_refs(&mut tx, new.agency_id, new.unit_id).await?;
        let cols = search_columns(&new.name_ko, &new.name_en);
        let sql = format!(
            "INSERT INTO employees (agency_id, unit_id, name_ko, name_en, title, grade, office_phone, mobile, \
             email, location, photo_url, name_ko_norm, name_en_norm, chosung) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(new.agency_id.0)
            .bind(new.unit_id.map(|u| u.0))
            .bind(&new.name_ko)
            .bind(&new.name_en)
            .bind(&new.title)
            .bind(&new.grade)
            .bind(new.office_phone.as_deref())
            .bind(new.mobile.as_deref())
            .bind(new.email.as_deref())
            .bind(new.location.as_deref())
            .bind(new.photo_url.as_deref())
            .bind(&cols.ko)
            .bind(&cols.en)
            .bind(&cols.chosung)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique_as("email"))?;
        let employee = employee_from_row(&row)?;
        write_grams(&mut tx, &employee, &cols).await?;
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
        tx.commit().await?;
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
        let next = apply(cur, patch);
        check_refs(&mut tx, next.agency_id, next.unit_id).await?;
        let cols = search_columns(&next.name_ko, &next.name_en);
        let sql = format!(
            "UPDATE employees SET agency_id = $1, unit_id = $2, name_ko = $3, name_en = $4, title = $5, \
             grade = $6, office_phone = $7, mobile = $8, email = $9, location = $10, photo_url = $11, \
             name_ko_norm = $12, name_en_norm = $13, chosung = $14, version = version + 1 \
             WHERE id = $15 AND version = $16 RETURNING {COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(next.agency_id.0)
            .bind(next.unit_id.map(|u| u.0))
            .bind(&next.name_ko)
            .bind(&next.name_en)
            .bind(&next.title)
            .bind(&next.grade)
            .bind(next.office_phone.as_deref())
            .bind(next.mobile.as_deref())
            .bind(next.email.as_deref())
            .bind(next.location.as_deref())
            .bind(next.photo_url.as_deref())
            .bind(&cols.ko)
            .bind(&cols.en)
            .bind(&cols.chosung)
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unique_as("email"))?;
        let employee = employee_from_row(&row.ok_or(StoreError::Stale)?)?;
        write_grams(&mut tx, &employee, &cols).await?;
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
        tx.commit().await?;
        Ok(employee)
    }

    pub async fn delete_employee(
        &self,
        actor: &Actor,
        id: EmployeeId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
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
        tx.commit().await?;
        Ok(())
    }
}

/// Only the local part of an e-mail address is indexed: the domain (`mois.go.kr`) is shared
/// by a whole agency, so its grams would match thousands of rows and select nothing.
fn email_local(email: Option<&str>) -> &str {
    let email = email.unwrap_or("");
    email.split_once('@').map_or(email, |(local, _)| local)
}

/// The derived search columns of an entry.
struct SearchColumns {
    /// Normalised Korean name, also the sort key.
    ko: String,
    /// Normalised English name.
    en: String,
    /// 초성 of the Korean name.
    chosung: String,
}

fn search_columns(name_ko: &str, name_en: &str) -> SearchColumns {
    let ko = hangul::normalize(name_ko);
    let chosung = hangul::chosung(&ko);
    SearchColumns {
        ko,
        en: hangul::normalize(name_en),
        chosung,
    }
}

/// Replaces an employee's rows in `employee_grams`. Each row carries the agency and the
/// sort name so short searches never leave the index (see `search.rs`).
async fn write_grams(tx: &mut Tx, e: &Employee, cols: &SearchColumns) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM employee_grams WHERE employee_id = $1")
        .bind(e.id.0)
        .execute(&mut **tx)
        .await?;
    let mut grams = BTreeMap::new();
    for field in [&cols.ko, &cols.en, &cols.chosung] {
        hangul::index_grams(field, 0, &mut grams);
    }
    // A query never equals an address's local part alone, so it ranks as a prefix at best.
    hangul::index_grams(email_local(e.email.as_deref()), 1, &mut grams);
    if grams.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..grams.len())
        .map(|i| format!("(${}, $1, $2, ${}, $3)", 4 + 2 * i, 5 + 2 * i))
        .collect();
    let sql = format!(
        "INSERT INTO employee_grams (gram, employee_id, agency_id, rank, name_ko_norm) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(e.id.0)
        .bind(e.agency_id.0)
        .bind(&cols.ko);
    for (gram, rank) in grams {
        q = q.bind(gram).bind(rank);
    }
    q.execute(&mut **tx).await?;
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

/// The agency must exist, and the unit (if any) must exist inside it.
async fn check_refs(tx: &mut Tx, agency: AgencyId, unit: Option<UnitId>) -> Result<(), StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agencies WHERE id = $1")
        .bind(agency.0)
        .fetch_one(&mut **tx)
        .await?;
    if n == 0 {
        return Err(StoreError::UnknownReference(Entity::Agency, "agency_id"));
    }
    let Some(unit) = unit else { return Ok(()) };
    let owner: Option<i64> = sqlx::query_scalar("SELECT agency_id FROM units WHERE id = $1")
        .bind(unit.0)
        .fetch_optional(&mut **tx)
        .await?;
    match owner {
        None => Err(StoreError::UnknownReference(Entity::Unit, "unit_id")),
        Some(a) if a != agency.0 => Err(StoreError::CrossAgency("unit_id")),
        Some(_) => Ok(()),
    }
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
    e
}
