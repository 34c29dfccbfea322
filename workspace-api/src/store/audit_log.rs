//! The append-only audit log: [`audit`] writes one row inside the caller's transaction (so
//! the change and its record commit or vanish together); [`Store::audit_query`] reads it in
//! either direction, filtered, for `GET /api/v1/audit`.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Entity, Store, StoreError, Tx, now_ms};
use crate::extract::Actor;
use crate::model::{AgencyId, AuditEntry};

/// Which way a read of the log runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuditOrder {
    #[default]
    OldestFirst,
    NewestFirst,
}

/// A read of the audit log: filters (all optional, combined with AND), the keyset position
/// (the id of the last row already sent) and the order.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this agency's rows (what an agency admin may read).
    pub agency: Option<AgencyId>,
    /// Exact `actor` (`account:7`, `system`, `guest:3`, `anonymous`).
    pub actor: Option<String>,
    /// Exact entity kind (`memo`, `account`, ...).
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    /// Exact action (`create`, `login_failed`, ...).
    pub action: Option<String>,
    /// `at_ms` from (inclusive) and to (exclusive).
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub after_id: Option<i64>,
    pub order: AuditOrder,
    pub limit: i64,
}

const COLUMNS: &str = "id, at_ms, actor, action, entity, entity_id, detail, agency_id";

impl Store {
    /// The audit log, oldest first, after `after_id` (exclusive).
    pub async fn audit_entries(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let query = AuditQuery {
            after_id: Some(after_id),
            limit,
            ..AuditQuery::default()
        };
        self.audit_query(&query).await
    }

    /// The rows `query` selects, in its order, at most `query.limit`.
    pub async fn audit_query(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let (keyset, order) = match query.order {
            AuditOrder::OldestFirst => ("id > $8", "id"),
            AuditOrder::NewestFirst => ("id < $8", "id DESC"),
        };
        let after = query.after_id.unwrap_or(match query.order {
            AuditOrder::OldestFirst => i64::MIN,
            AuditOrder::NewestFirst => i64::MAX,
        });
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log WHERE ($1 < 0 OR agency_id = $1) \
             AND ($2 = '' OR actor = $2) AND ($3 = '' OR entity = $3) \
             AND ($4 < 0 OR entity_id = $4) AND ($5 = '' OR action = $5) \
             AND at_ms >= $6 AND at_ms < $7 AND {keyset} ORDER BY {order} LIMIT $9"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(query.agency.map_or(-1, |a| a.0))
            .bind(query.actor.as_deref().unwrap_or(""))
            .bind(query.entity.as_deref().unwrap_or(""))
            .bind(query.entity_id.unwrap_or(-1))
            .bind(query.action.as_deref().unwrap_or(""))
            .bind(query.from_ms.unwrap_or(i64::MIN))
            .bind(query.to_ms.unwrap_or(i64::MAX))
            .bind(after)
            .bind(query.limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(audit_from_row).collect()
    }
}

/// Appends one audit row inside the caller's transaction, so the change and its record
/// commit or vanish together.
pub(crate) async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    agency: Option<AgencyId>,
    action: &str,
    entity: Entity,
    entity_id: i64,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    audit_as(
        tx,
        &actor.audit_name(),
        agency,
        action,
        entity,
        entity_id,
        detail,
    )
    .await
}

/// [`audit`] for events without an actor of their own (failed sign-ins: `anonymous`).
pub(crate) async fn audit_as(
    tx: &mut Tx,
    actor: &str,
    agency: Option<AgencyId>,
    action: &str,
    entity: Entity,
    entity_id: i64,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at_ms, actor, action, entity, entity_id, detail, agency_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now_ms())
    .bind(actor)
    .bind(action)
    .bind(entity.name())
    .bind(entity_id)
    .bind(detail.to_string())
    .bind(agency.map(|a| a.0))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn audit_from_row(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let detail: String = row.try_get("detail")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at_ms: row.try_get("at_ms")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        entity: row.try_get("entity")?,
        entity_id: row.try_get("entity_id")?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
        agency_id: row.try_get::<Option<i64>, _>("agency_id")?.map(AgencyId),
    })
}
