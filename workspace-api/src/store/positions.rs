//! Per-agency catalogues of positions (직위) and grades (직급). Both have the same shape and
//! rules, so one set of queries serves both, parameterised by [`Catalogue`].
//!
//! Employees copy an entry's Korean name into `title` / `grade`. Renaming an entry rewrites
//! that text (bumping each entry's version) and reindexes those employees; deleting one
//! unlinks them first and leaves their text as it was.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::employee_index::{Selector, reindex_where};
use super::{Entity, Store, StoreError, Tx, audit, unique_as};
use crate::extract::Actor;
use crate::model::{
    AgencyId, CatalogueEntryPatch, Grade, GradeId, NewCatalogueEntry, Position, PositionId,
};

const COLUMNS: &str = "id, agency_id, name_ko, name_en, sort_order, version";

/// A catalogue type: [`Position`] or [`Grade`].
pub trait Catalogue: Sized + Send {
    const TABLE: &'static str;
    const ENTITY: Entity;
    /// The employee columns that refer to an entry and carry its name.
    const REF_COLUMN: &'static str;
    const TEXT_COLUMN: &'static str;
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error>;
    fn agency(&self) -> AgencyId;
    fn name_ko(&self) -> &str;
    fn version(&self) -> i64;
}

macro_rules! catalogue {
    ($ty:ident, $id:ident, $table:literal, $entity:expr, $ref:literal, $text:literal) => {
        impl Catalogue for $ty {
            const TABLE: &'static str = $table;
            const ENTITY: Entity = $entity;
            const REF_COLUMN: &'static str = $ref;
            const TEXT_COLUMN: &'static str = $text;
            fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
                Ok($ty {
                    id: $id(row.try_get("id")?),
                    agency_id: AgencyId(row.try_get("agency_id")?),
                    name_ko: row.try_get("name_ko")?,
                    name_en: row.try_get("name_en")?,
                    sort_order: row.try_get("sort_order")?,
                    version: row.try_get("version")?,
                })
            }
            fn agency(&self) -> AgencyId {
                self.agency_id
            }
            fn name_ko(&self) -> &str {
                &self.name_ko
            }
            fn version(&self) -> i64 {
                self.version
            }
        }
    };
}

catalogue!(
    Position,
    PositionId,
    "positions",
    Entity::Position,
    "position_id",
    "title"
);
catalogue!(Grade, GradeId, "grades", Entity::Grade, "grade_id", "grade");

impl Store {
    /// One agency's catalogue, by `sort_order` then id.
    pub async fn list_catalogue<C: Catalogue>(
        &self,
        agency: AgencyId,
    ) -> Result<Vec<C>, StoreError> {
        self.get_agency(agency).await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE agency_id = $1 ORDER BY sort_order, id",
            C::TABLE
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(agency.0)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(C::from_row).collect::<Result<_, _>>()?)
    }

    pub async fn get_catalogue_entry<C: Catalogue>(&self, id: i64) -> Result<C, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM {} WHERE id = $1", C::TABLE);
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref()
            .map(C::from_row)
            .transpose()?
            .ok_or(StoreError::NotFound(C::ENTITY))
    }

    pub async fn create_catalogue_entry<C: Catalogue>(
        &self,
        actor: &Actor,
        agency: AgencyId,
        new: &NewCatalogueEntry,
    ) -> Result<C, StoreError> {
        let mut tx = self.begin().await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agencies WHERE id = $1")
            .bind(agency.0)
            .fetch_one(&mut *tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(Entity::Agency));
        }
        let sql = format!(
            "INSERT INTO {} (agency_id, name_ko, name_en, sort_order) VALUES ($1, $2, $3, $4) \
             RETURNING {COLUMNS}",
            C::TABLE
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(agency.0)
            .bind(&new.name_ko)
            .bind(&new.name_en)
            .bind(new.sort_order)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique_as("name_ko"))?;
        let entry = C::from_row(&row)?;
        let id: i64 = row.try_get("id")?;
        let detail = json!({"agency_id": agency, "entry": new});
        audit(
            &mut tx,
            actor,
            Some(agency),
            "create",
            C::ENTITY,
            id,
            detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(entry)
    }

    /// Renames or reorders an entry; a new Korean name reaches its employees' text and index.
    pub async fn update_catalogue_entry<C: Catalogue>(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        patch: &CatalogueEntryPatch,
    ) -> Result<C, StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE {} SET name_ko = COALESCE($1, name_ko), name_en = COALESCE($2, name_en), \
             sort_order = COALESCE($3, sort_order), version = version + 1 \
             WHERE id = $4 AND version = $5 RETURNING {COLUMNS}",
            C::TABLE
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(patch.name_ko.as_deref())
            .bind(patch.name_en.as_deref())
            .bind(patch.sort_order)
            .bind(id)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unique_as("name_ko"))?;
        let Some(row) = row else {
            return Err(super::agencies::missing_or_stale(&mut tx, C::TABLE, id, C::ENTITY).await);
        };
        let entry = C::from_row(&row)?;
        if patch.name_ko.is_some() {
            relabel::<C>(&mut tx, id, entry.name_ko()).await?;
        }
        audit(
            &mut tx,
            actor,
            Some(entry.agency()),
            "update",
            C::ENTITY,
            id,
            json!(patch),
        )
        .await?;
        self.commit(tx).await?;
        Ok(entry)
    }

    /// Deletes an entry; its employees keep their text but lose the link (new version).
    pub async fn delete_catalogue_entry<C: Catalogue>(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let unlink = format!(
            "UPDATE employees SET {0} = NULL, version = version + 1 WHERE {0} = $1",
            C::REF_COLUMN
        );
        sqlx::query(AssertSqlSafe(unlink))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let sql = format!(
            "DELETE FROM {} WHERE id = $1 AND version = $2 RETURNING agency_id",
            C::TABLE
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            // Dropping the transaction undoes the unlinking too.
            return Err(super::agencies::missing_or_stale(&mut tx, C::TABLE, id, C::ENTITY).await);
        };
        let agency = AgencyId(row.try_get("agency_id")?);
        audit(
            &mut tx,
            actor,
            Some(agency),
            "delete",
            C::ENTITY,
            id,
            json!({}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }
}

/// Copies a renamed entry's Korean name to the employees that refer to it and reindexes them.
async fn relabel<C: Catalogue>(tx: &mut Tx, id: i64, name: &str) -> Result<(), StoreError> {
    let sql = format!(
        "UPDATE employees SET {} = $1, version = version + 1 WHERE {} = $2",
        C::TEXT_COLUMN,
        C::REF_COLUMN
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(name)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let filter = match C::ENTITY {
        Entity::Position => "e.position_id = $1",
        _ => "e.grade_id = $1",
    };
    reindex_where(tx, Selector::Column(filter, id), None).await?;
    Ok(())
}
