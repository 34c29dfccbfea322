//! Read acknowledgements of announcements: anyone who sees an announcement may acknowledge
//! it (once; repeating is a no-op that writes nothing), its managers list who did.
//!
//! Each first acknowledgement emits `announcement.acked` to the announcement's managers:
//! its author, the system administrators, for an agency notice that agency's
//! administrators, for a project notice the project's leads — the people who may list who
//! acknowledged. Readers also see `ack_count`, but telling every reader of a hub-wide
//! notice about every acknowledgement would send each of N people N events; they get the
//! count when they next read it.

use serde_json::json;
use sqlx::Row;

use super::announcements::{audit_agency, fetch, fetch_managed};
use super::{Audience, Entity, Store, StoreError, Tx, audit, emit, now_ms};
use crate::auth::{AccountId, Principal};
use crate::extract::Actor;
use crate::model::{Ack, Announcement, AnnouncementId, AnnouncementScope};

impl Store {
    /// Records that the actor read the announcement; the first time only is a write (and
    /// audited). Returns the announcement as the actor now sees it.
    pub async fn ack_announcement(
        &self,
        actor: &Actor,
        who: &Principal,
        id: AnnouncementId,
    ) -> Result<Announcement, StoreError> {
        let mut tx = self.begin().await?;
        let (current, _) = fetch(&mut *tx, who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Announcement))?;
        if current.acked_by_me {
            return Ok(current);
        }
        let done = sqlx::query(
            "INSERT INTO announcement_acks (announcement_id, account_id, acked_ms) \
             VALUES ($1, $2, $3) ON CONFLICT (announcement_id, account_id) DO NOTHING",
        )
        .bind(id.0)
        .bind(who.account.0)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            let agency = audit_agency(&mut tx, &current).await?;
            audit(
                &mut tx,
                actor,
                agency,
                "ack",
                Entity::Announcement,
                id.0,
                json!({}),
            )
            .await?;
        }
        let (after, _) = fetch(&mut *tx, who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Announcement))?;
        if done.rows_affected() == 1 {
            let to = managers(&mut tx, &after).await?;
            let data = json!({"id": id, "title": after.title, "account_id": who.account,
                "ack_count": after.ack_count});
            let kind = "announcement.acked";
            let entity = Entity::Announcement;
            emit(&mut tx, self.backend(), kind, entity, id.0, data, &to).await?;
        }
        self.commit(tx).await?;
        Ok(after)
    }

    /// Who acknowledged an announcement, first first, for its managers; keyset
    /// `(acked_ms, account_id)`.
    pub async fn list_acks(
        &self,
        who: &Principal,
        id: AnnouncementId,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<Ack>, StoreError> {
        // A read, but the managed check reads through the same helper the writes use.
        let mut tx = self.pool().begin().await?;
        fetch_managed(&mut tx, who, id).await?;
        let (after_ms, after_id) = after.unwrap_or((i64::MIN, i64::MIN));
        let rows = sqlx::query(
            "SELECT k.account_id, k.acked_ms, c.login, c.display_name \
             FROM announcement_acks k JOIN accounts c ON c.id = k.account_id \
             WHERE k.announcement_id = $1 \
             AND (k.acked_ms > $2 OR (k.acked_ms = $2 AND k.account_id > $3)) \
             ORDER BY k.acked_ms, k.account_id LIMIT $4",
        )
        .bind(id.0)
        .bind(after_ms)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.rollback().await?;
        rows.iter()
            .map(|r| {
                Ok(Ack {
                    account_id: AccountId(r.try_get("account_id")?),
                    login: r.try_get("login")?,
                    display_name: r.try_get("display_name")?,
                    acked_ms: r.try_get("acked_ms")?,
                })
            })
            .collect()
    }
}

/// Who manages an announcement (see the module docs), as event audiences.
async fn managers(tx: &mut Tx, a: &Announcement) -> Result<Vec<Audience>, StoreError> {
    let agency = match a.scope {
        AnnouncementScope::Agency => a.agency_id.map_or(-1, |g| g.0),
        _ => -1,
    };
    let project = match a.scope {
        AnnouncementScope::Project => a.project_id.map_or(-1, |p| p.0),
        _ => -1,
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE disabled_ms IS NULL \
         AND (role = 'system_admin' OR (role = 'agency_admin' AND agency_id = $1)) \
         UNION SELECT account_id FROM project_members WHERE project_id = $2 AND role = 'lead'",
    )
    .bind(agency)
    .bind(project)
    .fetch_all(&mut **tx)
    .await?;
    let mut to = vec![Audience::Account(a.author_id)];
    to.extend(ids.into_iter().map(|id| Audience::Account(AccountId(id))));
    Ok(to)
}
