//! Read acknowledgements of announcements: anyone who sees an announcement may acknowledge
//! it (once; repeating is a no-op that writes nothing), its managers list who did.

use serde_json::json;
use sqlx::Row;

use super::announcements::{audit_agency, fetch, fetch_managed};
use super::memos::principal;
use super::{Entity, Store, StoreError, audit, now_ms};
use crate::auth::{AccountId, Principal};
use crate::extract::Actor;
use crate::model::{Ack, Announcement, AnnouncementId};

impl Store {
    /// Records that the actor read the announcement; the first time only is a write (and
    /// audited). Returns the announcement as the actor now sees it.
    pub async fn ack_announcement(
        &self,
        actor: &Actor,
        id: AnnouncementId,
    ) -> Result<Announcement, StoreError> {
        let who = principal(actor)?;
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
