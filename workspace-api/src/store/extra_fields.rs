//! Admin-defined extra directory fields (hub-wide). Turning `searchable` on or off
//! reindexes the entries holding a value; deleting a field removes its values from every
//! entry (new versions) and reindexes them, all in one transaction.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::agencies::missing_or_stale;
use super::employee_index::{Selector, reindex_where};
use super::{Entity, Store, StoreError, audit, unique_as};
use crate::extract::Actor;
use crate::model::{ExtraField, ExtraFieldId, ExtraFieldPatch, ExtraKind, NewExtraField};

const COLUMNS: &str = "id, key, label_ko, label_en, kind, searchable, sort_order, version";

fn field_from_row(row: &AnyRow) -> Result<ExtraField, sqlx::Error> {
    Ok(ExtraField {
        id: ExtraFieldId(row.try_get("id")?),
        key: row.try_get("key")?,
        label_ko: row.try_get("label_ko")?,
        label_en: row.try_get("label_en")?,
        kind: ExtraKind::parse(row.try_get("kind")?),
        searchable: row.try_get::<i64, _>("searchable")? != 0,
        sort_order: row.try_get("sort_order")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// Every extra field, by `sort_order` then id.
    pub async fn list_extra_fields(&self) -> Result<Vec<ExtraField>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM extra_fields ORDER BY sort_order, id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(field_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn get_extra_field(&self, id: ExtraFieldId) -> Result<ExtraField, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM extra_fields WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref()
            .map(field_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound(Entity::ExtraField))
    }

    pub async fn create_extra_field(
        &self,
        actor: &Actor,
        new: &NewExtraField,
    ) -> Result<ExtraField, StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "INSERT INTO extra_fields (key, label_ko, label_en, kind, searchable, sort_order) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(&new.key)
            .bind(&new.label_ko)
            .bind(&new.label_en)
            .bind(new.kind.as_str())
            .bind(i64::from(new.searchable))
            .bind(new.sort_order)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique_as("key"))?;
        let field = field_from_row(&row)?;
        audit(
            &mut tx,
            actor,
            None,
            "create",
            Entity::ExtraField,
            field.id.0,
            json!(new),
        )
        .await?;
        self.commit(tx).await?;
        Ok(field)
    }

    pub async fn update_extra_field(
        &self,
        actor: &Actor,
        id: ExtraFieldId,
        expected_version: i64,
        patch: &ExtraFieldPatch,
    ) -> Result<ExtraField, StoreError> {
        let mut tx = self.begin().await?;
        let before: Option<i64> =
            sqlx::query_scalar("SELECT searchable FROM extra_fields WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let sql = format!(
            "UPDATE extra_fields SET label_ko = COALESCE($1, label_ko), \
             label_en = COALESCE($2, label_en), searchable = COALESCE($3, searchable), \
             sort_order = COALESCE($4, sort_order), version = version + 1 \
             WHERE id = $5 AND version = $6 RETURNING {COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(patch.label_ko.as_deref())
            .bind(patch.label_en.as_deref())
            .bind(patch.searchable.map(i64::from))
            .bind(patch.sort_order)
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(missing_or_stale(&mut tx, "extra_fields", id.0, Entity::ExtraField).await);
        };
        let field = field_from_row(&row)?;
        if before.map(|b| b != 0) != Some(field.searchable) {
            reindex_where(&mut tx, Selector::ExtraKey(field.key.clone()), None).await?;
        }
        audit(
            &mut tx,
            actor,
            None,
            "update",
            Entity::ExtraField,
            id.0,
            json!(patch),
        )
        .await?;
        self.commit(tx).await?;
        Ok(field)
    }

    /// Deletes a field and every value of it.
    pub async fn delete_extra_field(
        &self,
        actor: &Actor,
        id: ExtraFieldId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let row =
            sqlx::query("DELETE FROM extra_fields WHERE id = $1 AND version = $2 RETURNING key")
                .bind(id.0)
                .bind(expected_version)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(row) = row else {
            return Err(missing_or_stale(&mut tx, "extra_fields", id.0, Entity::ExtraField).await);
        };
        let key: String = row.try_get("key")?;
        let touched = reindex_where(&mut tx, Selector::ExtraKey(key.clone()), Some(&key)).await?;
        let detail = json!({"key": key, "values_removed": touched});
        audit(
            &mut tx,
            actor,
            None,
            "delete",
            Entity::ExtraField,
            id.0,
            detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }
}
