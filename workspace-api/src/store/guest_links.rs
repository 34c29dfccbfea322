//! Guest links of meetings (a random secret, kept only as its SHA-256, valid until it
//! expires or its organiser revokes it) and the audit rows of the room tokens handed out
//! for meetings. Only the organiser makes, lists and revokes a meeting's links.

use serde_json::json;
use sqlx::Row;

use super::meeting_rows::{fetch_meeting, require_organiser};
use super::{Entity, Store, StoreError, audit, audit_as, now_ms};
use crate::auth::{AccountId, Principal, new_secret, secret_hash};
use crate::extract::Actor;
use crate::model::{AgencyId, GuestLink, GuestLinkInfo, Meeting, MeetingId};

impl Store {
    /// A guest link to a meeting `who` organises, valid until `expires_ms`.
    pub async fn create_guest_link(
        &self,
        actor: &Actor,
        who: &Principal,
        id: MeetingId,
        expires_ms: i64,
    ) -> Result<GuestLink, StoreError> {
        let mut tx = self.begin().await?;
        let meeting = fetch_meeting(&mut tx, id).await?;
        require_organiser(&mut tx, who, &meeting).await?;
        if meeting.cancelled_ms.is_some() {
            return Err(StoreError::Cancelled(Entity::Meeting));
        }
        let secret = new_secret();
        let row = sqlx::query(
            "INSERT INTO meeting_guest_links (meeting_id, secret_hash, created_by, created_ms, \
             expires_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(id.0)
        .bind(secret_hash(&secret))
        .bind(who.account.0)
        .bind(now_ms())
        .bind(expires_ms)
        .fetch_one(&mut *tx)
        .await?;
        let link: i64 = row.try_get("id")?;
        let detail = json!({"meeting_id": id, "expires_ms": expires_ms});
        audit(
            &mut tx,
            actor,
            who.agency,
            "create",
            Entity::GuestLink,
            link,
            detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(GuestLink {
            id: link,
            meeting_id: id,
            secret,
            expires_ms,
        })
    }

    /// The guest links of a meeting `who` organises, by id, after `after`.
    pub async fn list_guest_links(
        &self,
        who: &Principal,
        id: MeetingId,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Vec<GuestLinkInfo>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let meeting = fetch_meeting(&mut conn, id).await?;
        require_organiser(&mut conn, who, &meeting).await?;
        let rows = sqlx::query(
            "SELECT id, created_by, created_ms, expires_ms, revoked_ms FROM meeting_guest_links \
             WHERE meeting_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(id.0)
        .bind(after.unwrap_or(i64::MIN))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        let link = |row: &sqlx::any::AnyRow| -> Result<GuestLinkInfo, sqlx::Error> {
            Ok(GuestLinkInfo {
                id: row.try_get("id")?,
                meeting_id: id,
                created_by: AccountId(row.try_get("created_by")?),
                created_ms: row.try_get("created_ms")?,
                expires_ms: row.try_get("expires_ms")?,
                revoked_ms: row.try_get("revoked_ms")?,
            })
        };
        Ok(rows.iter().map(link).collect::<Result<_, _>>()?)
    }

    /// Revokes a guest link of a meeting `who` organises; revoking it again changes nothing.
    pub async fn revoke_guest_link(
        &self,
        actor: &Actor,
        who: &Principal,
        id: MeetingId,
        link: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let meeting = fetch_meeting(&mut tx, id).await?;
        require_organiser(&mut tx, who, &meeting).await?;
        let revoked: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT revoked_ms FROM meeting_guest_links WHERE id = $1 AND meeting_id = $2",
        )
        .bind(link)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        match revoked {
            None => return Err(StoreError::NotFound(Entity::GuestLink)),
            Some(Some(_)) => return Ok(()),
            Some(None) => {}
        }
        sqlx::query("UPDATE meeting_guest_links SET revoked_ms = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(link)
            .execute(&mut *tx)
            .await?;
        let detail = json!({"meeting_id": id});
        let entity = Entity::GuestLink;
        audit(&mut tx, actor, who.agency, "revoke", entity, link, detail).await?;
        self.commit(tx).await
    }

    /// The meeting a guest link's secret opens, with the link's id.
    pub async fn guest_link_meeting(&self, secret: &str) -> Result<(i64, Meeting), StoreError> {
        let mut conn = self.pool().acquire().await?;
        let row = sqlx::query(
            "SELECT id, meeting_id, expires_ms, revoked_ms FROM meeting_guest_links \
             WHERE secret_hash = $1",
        )
        .bind(secret_hash(secret))
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound(Entity::GuestLink))?;
        if row.try_get::<Option<i64>, _>("revoked_ms")?.is_some() {
            return Err(StoreError::GuestLinkRevoked);
        }
        if row.try_get::<i64, _>("expires_ms")? <= now_ms() {
            return Err(StoreError::GuestLinkExpired);
        }
        let meeting = fetch_meeting(&mut conn, MeetingId(row.try_get("meeting_id")?)).await?;
        Ok((row.try_get("id")?, meeting))
    }

    /// Audits a room token handed out for a meeting (`identity`: `account:<id>`,
    /// `guest:<link id>`).
    pub async fn record_room_token(
        &self,
        identity: &str,
        meeting: &Meeting,
        display_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let agency: Option<i64> =
            sqlx::query_scalar("SELECT agency_id FROM meetings WHERE id = $1")
                .bind(meeting.id.0)
                .fetch_one(&mut *tx)
                .await?;
        let detail = json!({"room": meeting.video_room, "name": display_name});
        let agency = agency.map(AgencyId);
        audit_as(
            &mut tx,
            identity,
            agency,
            "join",
            Entity::Meeting,
            meeting.id.0,
            detail,
        )
        .await?;
        self.commit(tx).await
    }
}
