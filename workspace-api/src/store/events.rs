//! Live-update events: what the SSE stream tells each user. A write that others should see
//! live (a task moved, a memo shared, an announcement posted) calls [`emit`] inside its
//! transaction with the audiences that may see it, and commits with [`Store::commit`], which
//! also wakes the streams. [`Store::events_for`] reads what one principal may see, in id
//! order, after the id the client last received (`Last-Event-ID`).
//!
//! Ids are the resume points, so they must become visible in increasing order: on
//! PostgreSQL, where identity values are handed out before commit, concurrent emitters
//! serialise on a transaction-scoped advisory lock; SQLite has one writer anyway.

use std::sync::Arc;

use serde::Serialize;
use sqlx::Row;
use tokio::sync::Notify;

use super::{Backend, Entity, Store, StoreError, Tx, now_ms};
use crate::auth::{AccountId, Principal};
use crate::model::{AgencyId, ProjectId, UnitId};

/// Key of the advisory lock that orders event ids on PostgreSQL ("govhub" in ASCII).
const EVENT_LOCK_KEY: i64 = 0x676f_7668_7562;

/// Who may see an event. An event may name several; a principal sees it when any matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Agency(AgencyId),
    Unit(UnitId),
    /// Members of the project (table `project_members`).
    Project(ProjectId),
    Account(AccountId),
}

impl Audience {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Audience::Everyone => ("everyone", 0),
            Audience::Agency(a) => ("agency", a.0),
            Audience::Unit(u) => ("unit", u.0),
            Audience::Project(p) => ("project", p.0),
            Audience::Account(a) => ("account", a.0),
        }
    }
}

/// One event as the stream sends it: `id:` is `id`, `event:` is `kind`, `data:` the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub at_ms: i64,
    /// e.g. `task.moved`, `memo.shared`, `announcement.posted`.
    pub kind: String,
    pub entity: String,
    pub entity_id: i64,
    pub data: serde_json::Value,
}

/// Records an event in the caller's transaction; it becomes visible when that commits.
pub(crate) async fn emit(
    tx: &mut Tx,
    backend: Backend,
    kind: &str,
    entity: Entity,
    entity_id: i64,
    data: serde_json::Value,
    audience: &[Audience],
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENT_LOCK_KEY)
            .execute(&mut **tx)
            .await?;
    }
    let row = sqlx::query(
        "INSERT INTO events (at_ms, kind, entity, entity_id, data) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(now_ms())
    .bind(kind)
    .bind(entity.name())
    .bind(entity_id)
    .bind(data.to_string())
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let mut seen = Vec::with_capacity(audience.len());
    for a in audience {
        let parts = a.parts();
        if seen.contains(&parts) {
            continue;
        }
        seen.push(parts);
        sqlx::query("INSERT INTO event_audience (event_id, kind, target_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(parts.0)
            .bind(parts.1)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Commits a write transaction and wakes the event streams.
    pub(crate) async fn commit(&self, tx: Tx) -> Result<(), StoreError> {
        tx.commit().await?;
        self.events_changed.notify_waiters();
        Ok(())
    }

    /// Notified whenever a transaction commits through [`Store::commit`].
    pub fn event_notifier(&self) -> Arc<Notify> {
        self.events_changed.clone()
    }

    /// The newest event id (0 when none); a stream without `Last-Event-ID` starts there.
    pub async fn last_event_id(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS id FROM events")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("id")?)
    }

    /// Events after `after` that `who` may see, oldest first, at most `limit`.
    pub async fn events_for(
        &self,
        who: &Principal,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, e.at_ms, e.kind, e.entity, e.entity_id, e.data FROM events e \
             WHERE e.id > $1 AND EXISTS (SELECT 1 FROM event_audience t WHERE t.event_id = e.id \
             AND (t.kind = 'everyone' \
               OR (t.kind = 'account' AND t.target_id = $2) \
               OR (t.kind = 'agency' AND t.target_id = $3) \
               OR (t.kind = 'unit' AND t.target_id = \
                   (SELECT unit_id FROM employees WHERE id = $4)) \
               OR (t.kind = 'project' AND t.target_id IN \
                   (SELECT project_id FROM project_members WHERE account_id = $2)))) \
             ORDER BY e.id LIMIT $5",
        )
        .bind(after)
        .bind(who.account.0)
        .bind(who.agency.map_or(-1, |a| a.0))
        .bind(who.employee.map_or(-1, |e| e.0))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let data: String = row.try_get("data")?;
                Ok(Event {
                    id: row.try_get("id")?,
                    at_ms: row.try_get("at_ms")?,
                    kind: row.try_get("kind")?,
                    entity: row.try_get("entity")?,
                    entity_id: row.try_get("entity_id")?,
                    data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::auth::{Credential, Role, SessionId};
    use crate::model::EmployeeId;
    use crate::store::DatabaseConfig;

    const SETUP: &[&str] = &[
        "INSERT INTO agencies (id, code, name_ko) VALUES (1, 'a', '가'), (2, 'b', '나')",
        "INSERT INTO units (id, agency_id, name_ko) VALUES (10, 1, '과')",
        "INSERT INTO employees (id, agency_id, unit_id, name_ko, name_ko_norm) \
         VALUES (100, 1, 10, '김민수', '김민수')",
        "INSERT INTO accounts (id, login, password_hash, role, agency_id, employee_id, created_ms) \
         VALUES (1, 'one', 'x', 'member', 1, 100, 0), (2, 'two', 'x', 'member', 2, NULL, 0)",
        "INSERT INTO projects (id, name_ko, lead_agency_id, created_ms) VALUES (5, '공동', 2, 0)",
        "INSERT INTO project_members (project_id, account_id, role, added_ms) \
         VALUES (5, 2, 'lead', 0)",
    ];

    async fn store() -> Store {
        let store = Store::connect(&DatabaseConfig::SqliteMemory, 1)
            .await
            .unwrap();
        for sql in SETUP {
            sqlx::query(sqlx::AssertSqlSafe(*sql))
                .execute(store.pool())
                .await
                .unwrap();
        }
        store
    }

    fn who(account: i64, agency: i64, employee: Option<i64>) -> Principal {
        Principal {
            account: AccountId(account),
            login: String::new(),
            role: Role::Member,
            agency: Some(AgencyId(agency)),
            employee: employee.map(EmployeeId),
            credential: Credential::Session(SessionId(1)),
        }
    }

    async fn emit_one(store: &Store, kind: &str, audience: &[Audience]) {
        let mut tx = store.begin().await.unwrap();
        emit(
            &mut tx,
            store.backend(),
            kind,
            Entity::Task,
            1,
            json!({"k": kind}),
            audience,
        )
        .await
        .unwrap();
        store.commit(tx).await.unwrap();
    }

    fn kinds(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.kind.as_str()).collect()
    }

    #[tokio::test]
    async fn each_principal_sees_only_its_audiences() {
        let store = store().await;
        emit_one(&store, "all", &[Audience::Everyone]).await;
        emit_one(&store, "agency1", &[Audience::Agency(AgencyId(1))]).await;
        emit_one(&store, "unit10", &[Audience::Unit(UnitId(10))]).await;
        emit_one(&store, "project5", &[Audience::Project(ProjectId(5))]).await;
        emit_one(&store, "account2", &[Audience::Account(AccountId(2))]).await;
        let twice = [
            Audience::Account(AccountId(2)),
            Audience::Account(AccountId(2)),
        ];
        emit_one(&store, "dedup", &twice).await;

        let one = store
            .events_for(&who(1, 1, Some(100)), 0, 100)
            .await
            .unwrap();
        assert_eq!(kinds(&one), ["all", "agency1", "unit10"]);
        let two = store.events_for(&who(2, 2, None), 0, 100).await.unwrap();
        assert_eq!(kinds(&two), ["all", "project5", "account2", "dedup"]);
        assert_eq!(two[3].data, json!({"k": "dedup"}));

        // Resuming after an id, and paging with a limit, keep id order.
        let after = store
            .events_for(&who(2, 2, None), two[1].id, 1)
            .await
            .unwrap();
        assert_eq!(kinds(&after), ["account2"]);
        assert_eq!(store.last_event_id().await.unwrap(), two[3].id);
    }

    #[tokio::test]
    async fn an_event_vanishes_with_its_rolled_back_change() {
        let store = store().await;
        let mut tx = store.begin().await.unwrap();
        emit(
            &mut tx,
            store.backend(),
            "x",
            Entity::Task,
            1,
            json!({}),
            &[Audience::Everyone],
        )
        .await
        .unwrap();
        drop(tx);
        assert_eq!(store.last_event_id().await.unwrap(), 0);
        assert!(
            store
                .events_for(&who(1, 1, None), 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn commit_wakes_waiters() {
        let store = store().await;
        let notify = store.event_notifier();
        let woken = notify.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        emit_one(&store, "all", &[Audience::Everyone]).await;
        tokio::time::timeout(std::time::Duration::from_secs(5), woken)
            .await
            .expect("commit notifies the streams");
    }
}
