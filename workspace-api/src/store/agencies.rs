//! Agencies and their unit trees. A unit move is checked against the tree inside the write
//! transaction, with the agency row locked, so two concurrent moves cannot close a cycle.
//! Renaming an agency or unit reindexes its employees, whose search data holds the name.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::employee_index::{Selector, reindex_where};
use super::{Entity, Store, StoreError, Tx, audit, unique_as};
use crate::extract::Actor;
use crate::model::{Agency, AgencyId, AgencyPatch, NewAgency, NewUnit, Unit, UnitId, UnitPatch};

const AGENCY_COLUMNS: &str = "id, code, name_ko, name_en, version";
const UNIT_COLUMNS: &str = "id, agency_id, parent_id, name_ko, name_en, sort_order, version";

fn agency_from_row(row: &AnyRow) -> Result<Agency, sqlx::Error> {
    Ok(Agency {
        id: AgencyId(row.try_get("id")?),
        code: row.try_get("code")?,
        name_ko: row.try_get("name_ko")?,
        name_en: row.try_get("name_en")?,
        version: row.try_get("version")?,
    })
}

fn unit_from_row(row: &AnyRow) -> Result<Unit, sqlx::Error> {
    Ok(Unit {
        id: UnitId(row.try_get("id")?),
        agency_id: AgencyId(row.try_get("agency_id")?),
        parent_id: row.try_get::<Option<i64>, _>("parent_id")?.map(UnitId),
        name_ko: row.try_get("name_ko")?,
        name_en: row.try_get("name_en")?,
        sort_order: row.try_get("sort_order")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// Agencies in id order, after `after` (exclusive).
    pub async fn list_agencies(
        &self,
        after: Option<AgencyId>,
        limit: i64,
    ) -> Result<Vec<Agency>, StoreError> {
        let sql =
            format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after.map_or(i64::MIN, |a| a.0))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(agency_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn get_agency(&self, id: AgencyId) -> Result<Agency, StoreError> {
        let sql = format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref()
            .map(agency_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound(Entity::Agency))
    }

    pub async fn create_agency(
        &self,
        actor: &Actor,
        new: &NewAgency,
    ) -> Result<Agency, StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "INSERT INTO agencies (code, name_ko, name_en) VALUES ($1, $2, $3) RETURNING {AGENCY_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(&new.code)
            .bind(&new.name_ko)
            .bind(&new.name_en)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique_as("code"))?;
        let agency = agency_from_row(&row)?;
        audit(
            &mut tx,
            actor,
            Some(agency.id),
            "create",
            Entity::Agency,
            agency.id.0,
            json!(new),
        )
        .await?;
        tx.commit().await?;
        Ok(agency)
    }

    pub async fn update_agency(
        &self,
        actor: &Actor,
        id: AgencyId,
        expected_version: i64,
        patch: &AgencyPatch,
    ) -> Result<Agency, StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE agencies SET name_ko = COALESCE($1, name_ko), name_en = COALESCE($2, name_en), \
             version = version + 1 WHERE id = $3 AND version = $4 RETURNING {AGENCY_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(patch.name_ko.as_deref())
            .bind(patch.name_en.as_deref())
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(missing_or_stale(&mut tx, "agencies", id.0, Entity::Agency).await);
        };
        let agency = agency_from_row(&row)?;
        if patch.name_ko.is_some() {
            // Employees' search data holds the agency's name.
            reindex_where(&mut tx, Selector::Agency(id), None).await?;
        }
        audit(
            &mut tx,
            actor,
            Some(id),
            "update",
            Entity::Agency,
            id.0,
            json!(patch),
        )
        .await?;
        tx.commit().await?;
        Ok(agency)
    }

    /// All units of an agency, ordered by `sort_order` then id; the client builds the tree
    /// from `parent_id`.
    pub async fn list_units(&self, agency: AgencyId) -> Result<Vec<Unit>, StoreError> {
        self.get_agency(agency).await?;
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units WHERE agency_id = $1 ORDER BY sort_order, id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(agency.0)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(unit_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn get_unit(&self, id: UnitId) -> Result<Unit, StoreError> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref()
            .map(unit_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound(Entity::Unit))
    }

    pub async fn create_unit(
        &self,
        actor: &Actor,
        agency: AgencyId,
        new: &NewUnit,
    ) -> Result<Unit, StoreError> {
        let mut tx = self.begin().await?;
        lock_agency(&mut tx, agency)
            .await?
            .ok_or(StoreError::NotFound(Entity::Agency))?;
        if let Some(parent) = new.parent_id {
            check_parent(&mut tx, agency, parent).await?;
        }
        let sql = format!(
            "INSERT INTO units (agency_id, parent_id, name_ko, name_en, sort_order) VALUES ($1, $2, $3, $4, $5) \
             RETURNING {UNIT_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(agency.0)
            .bind(new.parent_id.map(|p| p.0))
            .bind(&new.name_ko)
            .bind(&new.name_en)
            .bind(new.sort_order)
            .fetch_one(&mut *tx)
            .await?;
        let unit = unit_from_row(&row)?;
        audit(
            &mut tx,
            actor,
            Some(unit.agency_id),
            "create",
            Entity::Unit,
            unit.id.0,
            json!({"agency_id": agency, "unit": new}),
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Renames, reorders or moves a unit. A move under itself or a descendant is `Cycle`.
    pub async fn update_unit(
        &self,
        actor: &Actor,
        id: UnitId,
        expected_version: i64,
        patch: &UnitPatch,
    ) -> Result<Unit, StoreError> {
        let mut tx = self.begin().await?;
        let current = fetch_unit(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Unit))?;
        if current.version != expected_version {
            return Err(StoreError::Stale);
        }
        let parent = match patch.parent_id {
            Some(p) => p,
            None => current.parent_id,
        };
        if let (Some(new_parent), Some(_)) = (parent, patch.parent_id) {
            lock_agency(&mut tx, current.agency_id).await?;
            check_parent(&mut tx, current.agency_id, new_parent).await?;
            if is_in_subtree(&mut tx, new_parent, id).await? {
                return Err(StoreError::Cycle);
            }
        }
        let sql = format!(
            "UPDATE units SET name_ko = $1, name_en = $2, parent_id = $3, sort_order = $4, version = version + 1 \
             WHERE id = $5 AND version = $6 RETURNING {UNIT_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(patch.name_ko.as_deref().unwrap_or(&current.name_ko))
            .bind(patch.name_en.as_deref().unwrap_or(&current.name_en))
            .bind(parent.map(|p| p.0))
            .bind(patch.sort_order.unwrap_or(current.sort_order))
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await?;
        let unit = unit_from_row(&row.ok_or(StoreError::Stale)?)?;
        if patch.name_ko.is_some() {
            reindex_where(&mut tx, Selector::Unit(id), None).await?;
        }
        let action = if patch.parent_id.is_some() {
            "move"
        } else {
            "update"
        };
        audit(
            &mut tx,
            actor,
            Some(unit.agency_id),
            action,
            Entity::Unit,
            id.0,
            json!(patch),
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }
}

/// Takes the agency's row lock (a no-op update) so tree changes of one agency run one at a
/// time on PostgreSQL; SQLite already serialises writers. `None` if the agency is missing.
async fn lock_agency(tx: &mut Tx, agency: AgencyId) -> Result<Option<()>, StoreError> {
    let done = sqlx::query("UPDATE agencies SET version = version WHERE id = $1")
        .bind(agency.0)
        .execute(&mut **tx)
        .await?;
    Ok((done.rows_affected() == 1).then_some(()))
}

async fn fetch_unit(tx: &mut Tx, id: UnitId) -> Result<Option<Unit>, StoreError> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.as_ref().map(unit_from_row).transpose()?)
}

/// The parent must exist and belong to the same agency.
async fn check_parent(tx: &mut Tx, agency: AgencyId, parent: UnitId) -> Result<(), StoreError> {
    match fetch_unit(tx, parent).await? {
        None => Err(StoreError::UnknownReference(Entity::Unit, "parent_id")),
        Some(p) if p.agency_id != agency => Err(StoreError::CrossAgency("parent_id")),
        Some(_) => Ok(()),
    }
}

/// True when `node` is `root` or lies below it: walks up from `node` through its ancestors.
async fn is_in_subtree(tx: &mut Tx, node: UnitId, root: UnitId) -> Result<bool, StoreError> {
    let found: i64 = sqlx::query_scalar(
        "WITH RECURSIVE up(id, parent_id) AS ( \
             SELECT id, parent_id FROM units WHERE id = $1 \
             UNION ALL \
             SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id \
         ) SELECT COUNT(*) FROM up WHERE id = $2",
    )
    .bind(node.0)
    .bind(root.0)
    .fetch_one(&mut **tx)
    .await?;
    Ok(found > 0)
}

/// After a guarded update touched no row: `NotFound` if the row is gone, else `Stale`.
pub(crate) async fn missing_or_stale(
    tx: &mut Tx,
    table: &str,
    id: i64,
    entity: Entity,
) -> StoreError {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE id = $1");
    match sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut **tx)
        .await
    {
        Ok(0) => StoreError::NotFound(entity),
        Ok(_) => StoreError::Stale,
        Err(e) => StoreError::Db(e),
    }
}
