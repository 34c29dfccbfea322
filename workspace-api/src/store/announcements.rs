//! The bulletin board: announcements to everyone, an agency or a project, and their read
//! acknowledgements. Visibility and posting rights are checked in the statements and write
//! transactions themselves.
//!
//! Who sees an announcement: everyone-scoped ones every account; agency-scoped ones the
//! accounts of that agency; project-scoped ones whoever can see the project (members, or
//! anyone when it is public); and always its author and system administrators. Who manages
//! one (edits, deletes, lists acknowledgements, sees it in lists after it expired): its
//! author, system administrators, the administrators of its agency, the leads of its
//! project. Posting needs the same rights for the scope: a system administrator for
//! everyone, an agency administrator for their agency, a project lead for the project.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Row};

use super::announcement_rights::check_may_post;
use super::memos::bump_version;
use super::{Audience, Entity, Store, StoreError, Tx, audit, emit, now_ms};
use crate::auth::{AccountId, Principal, Role};
use crate::extract::Actor;
use crate::model::{
    AgencyId, Announcement, AnnouncementId, AnnouncementPatch, AnnouncementScope, NewAnnouncement,
    ProjectId,
};
use crate::richtext;

/// Announcement `a` is visible to the principal bound as $1 (account), $2 (agency or -1),
/// $3 (1 for a system admin).
const VISIBLE: &str = "(a.scope = 'everyone' OR a.author_id = $1 OR $3 = 1 \
     OR (a.scope = 'agency' AND a.agency_id = $2) \
     OR (a.scope = 'project' AND (EXISTS (SELECT 1 FROM projects p \
            WHERE p.id = a.project_id AND p.public = 1) \
         OR EXISTS (SELECT 1 FROM project_members pm \
            WHERE pm.project_id = a.project_id AND pm.account_id = $1))))";

/// The principal manages `a`; $4 is the agency they administer (or -1).
const MANAGES: &str = "(a.author_id = $1 OR $3 = 1 \
     OR (a.scope = 'agency' AND a.agency_id = $4) \
     OR (a.scope = 'project' AND EXISTS (SELECT 1 FROM project_members pm \
         WHERE pm.project_id = a.project_id AND pm.account_id = $1 AND pm.role = 'lead')))";

/// Columns of an announcement row as the principal sees it (acks need $1).
fn columns() -> String {
    format!(
        "a.id, a.scope, a.agency_id, a.project_id, a.author_id, a.title, a.body, a.excerpt, \
         a.pinned, a.expires_ms, a.created_ms, a.updated_ms, a.version, \
         (SELECT COUNT(*) FROM announcement_acks k WHERE k.announcement_id = a.id) AS ack_count, \
         (SELECT COUNT(*) FROM announcement_acks k \
          WHERE k.announcement_id = a.id AND k.account_id = $1) AS acked, \
         CAST(CASE WHEN {MANAGES} THEN 1 ELSE 0 END AS BIGINT) AS manages"
    )
}

/// Binds $1..$4 of [`VISIBLE`] and [`MANAGES`] for `who`.
fn bind_who<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    who: &Principal,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    let admin_of = match who.role {
        Role::AgencyAdmin(a) => a.0,
        _ => -1,
    };
    q.bind(who.account.0)
        .bind(who.agency.map_or(-1, |a| a.0))
        .bind(i64::from(who.role == Role::SystemAdmin))
        .bind(admin_of)
}

/// An announcement and whether the principal manages it.
fn from_row(row: &AnyRow) -> Result<(Announcement, bool), sqlx::Error> {
    let scope: String = row.try_get("scope")?;
    let a = Announcement {
        id: AnnouncementId(row.try_get("id")?),
        scope: AnnouncementScope::parse(&scope).unwrap_or(AnnouncementScope::Everyone),
        agency_id: row.try_get::<Option<i64>, _>("agency_id")?.map(AgencyId),
        project_id: row.try_get::<Option<i64>, _>("project_id")?.map(ProjectId),
        author_id: AccountId(row.try_get("author_id")?),
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        excerpt: row.try_get("excerpt")?,
        pinned: row.try_get::<i64, _>("pinned")? == 1,
        expires_ms: row.try_get("expires_ms")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        version: row.try_get("version")?,
        acked_by_me: row.try_get::<i64, _>("acked")? > 0,
        ack_count: row.try_get("ack_count")?,
    };
    Ok((a, row.try_get::<i64, _>("manages")? == 1))
}

/// The announcement as `who` sees it, and whether they manage it; `None` when it is missing
/// or invisible to them.
pub(super) async fn fetch<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    who: &Principal,
    id: AnnouncementId,
) -> Result<Option<(Announcement, bool)>, StoreError> {
    let sql = format!(
        "SELECT {} FROM announcements a WHERE a.id = $5 AND {VISIBLE}",
        columns()
    );
    let row = bind_who(sqlx::query(AssertSqlSafe(sql)), who)
        .bind(id.0)
        .fetch_optional(ex)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The announcement, if `who` may manage it: `NotFound` when invisible, `Forbidden` when
/// only readable.
pub(super) async fn fetch_managed(
    tx: &mut Tx,
    who: &Principal,
    id: AnnouncementId,
) -> Result<Announcement, StoreError> {
    match fetch(&mut **tx, who, id).await? {
        None => Err(StoreError::NotFound(Entity::Announcement)),
        Some((_, false)) => Err(StoreError::Forbidden {
            ko: "이 공지의 작성자나 관리자만 할 수 있습니다.",
            en: "Only the poster or an administrator of its scope may do this.",
        }),
        Some((a, true)) => Ok(a),
    }
}

/// Who is told about an announcement.
pub(super) fn audience(a: &Announcement) -> Audience {
    match (a.scope, a.agency_id, a.project_id) {
        (AnnouncementScope::Agency, Some(g), _) => Audience::Agency(g),
        (AnnouncementScope::Project, _, Some(p)) => Audience::Project(p),
        _ => Audience::Everyone,
    }
}

/// The agency an announcement's audit rows belong to: its agency, or its project's lead
/// agency; none for hub-wide ones.
pub(super) async fn audit_agency(
    tx: &mut Tx,
    a: &Announcement,
) -> Result<Option<AgencyId>, StoreError> {
    if let Some(p) = a.project_id {
        let lead: Option<i64> =
            sqlx::query_scalar("SELECT lead_agency_id FROM projects WHERE id = $1")
                .bind(p.0)
                .fetch_optional(&mut **tx)
                .await?;
        return Ok(lead.map(AgencyId));
    }
    Ok(a.agency_id)
}

/// Filters of an announcement list.
#[derive(Debug, Clone, Default)]
pub struct AnnouncementQuery {
    /// Also list expired announcements the caller manages.
    pub include_expired: bool,
    /// Keyset position `(pinned, id)` of the last item already sent.
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

impl Store {
    /// Announcements `who` may see, pinned first, then newest first.
    pub async fn list_announcements(
        &self,
        who: &Principal,
        query: &AnnouncementQuery,
    ) -> Result<Vec<Announcement>, StoreError> {
        let sql = format!(
            "SELECT {} FROM announcements a WHERE {VISIBLE} \
             AND (a.expires_ms IS NULL OR a.expires_ms > $5 OR ($6 = 1 AND {MANAGES})) \
             AND (a.pinned < $7 OR (a.pinned = $7 AND a.id < $8)) \
             ORDER BY a.pinned DESC, a.id DESC LIMIT $9",
            columns()
        );
        let (after_pinned, after_id) = query.after.unwrap_or((2, i64::MAX));
        let rows = bind_who(sqlx::query(AssertSqlSafe(sql)), who)
            .bind(now_ms())
            .bind(i64::from(query.include_expired))
            .bind(after_pinned)
            .bind(after_id)
            .bind(query.limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|r| from_row(r).map(|(a, _)| a))
            .collect::<Result<_, _>>()?)
    }

    /// One announcement; `NotFound` when `who` may not see it. Expired ones stay readable
    /// here (a link in a mail keeps working); they only leave the default list.
    pub async fn get_announcement(
        &self,
        who: &Principal,
        id: AnnouncementId,
    ) -> Result<Announcement, StoreError> {
        fetch(self.pool(), who, id)
            .await?
            .map(|(a, _)| a)
            .ok_or(StoreError::NotFound(Entity::Announcement))
    }

    /// Posts an announcement after checking the scope's target and the actor's right to post
    /// there; tells the scope's audience.
    pub async fn create_announcement(
        &self,
        actor: &Actor,
        who: &Principal,
        new: &NewAnnouncement,
    ) -> Result<Announcement, StoreError> {
        let body = richtext::sanitise(&new.body);
        let now = now_ms();
        let mut tx = self.begin().await?;
        check_may_post(&mut tx, who, new).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO announcements (scope, agency_id, project_id, author_id, title, body, \
             excerpt, pinned, expires_ms, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(new.scope.as_str())
        .bind(new.agency_id.map(|a| a.0))
        .bind(new.project_id.map(|p| p.0))
        .bind(who.account.0)
        .bind(&new.title)
        .bind(&body)
        .bind(richtext::excerpt(&body))
        .bind(i64::from(new.pinned))
        .bind(new.expires_ms)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id = AnnouncementId(id);
        let (a, _) = fetch(&mut *tx, who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Announcement))?;
        let agency = audit_agency(&mut tx, &a).await?;
        let detail = json!({"scope": new.scope, "agency_id": new.agency_id,
            "project_id": new.project_id, "title": new.title, "pinned": new.pinned,
            "expires_ms": new.expires_ms});
        audit(
            &mut tx,
            actor,
            agency,
            "create",
            Entity::Announcement,
            id.0,
            detail,
        )
        .await?;
        let data = json!({"id": id, "title": a.title, "scope": a.scope, "pinned": a.pinned});
        let to = [audience(&a)];
        emit(
            &mut tx,
            self.backend(),
            "announcement.posted",
            Entity::Announcement,
            id.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(a)
    }

    /// Edits an announcement (its managers); tells its audience.
    pub async fn update_announcement(
        &self,
        actor: &Actor,
        who: &Principal,
        id: AnnouncementId,
        expected_version: i64,
        patch: &AnnouncementPatch,
    ) -> Result<Announcement, StoreError> {
        let mut tx = self.begin().await?;
        let current = fetch_managed(&mut tx, who, id).await?;
        let body = patch
            .body
            .as_deref()
            .map_or(current.body.clone(), richtext::sanitise);
        let pinned = patch.pinned.unwrap_or(current.pinned);
        let expires = patch.expires_ms.unwrap_or(current.expires_ms);
        let done = sqlx::query(
            "UPDATE announcements SET title = $1, body = $2, excerpt = $3, pinned = $4, \
             expires_ms = $5, updated_ms = $6, version = version + 1 \
             WHERE id = $7 AND version = $8",
        )
        .bind(patch.title.as_deref().unwrap_or(&current.title))
        .bind(&body)
        .bind(richtext::excerpt(&body))
        .bind(i64::from(pinned))
        .bind(expires)
        .bind(now_ms().max(current.updated_ms))
        .bind(id.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        let agency = audit_agency(&mut tx, &current).await?;
        let mut detail = json!(patch);
        if patch.body.is_some() {
            detail["body"] = json!("(changed)");
        }
        audit(
            &mut tx,
            actor,
            agency,
            "update",
            Entity::Announcement,
            id.0,
            detail,
        )
        .await?;
        let (a, _) = fetch(&mut *tx, who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Announcement))?;
        let data = json!({"id": id, "title": a.title, "scope": a.scope, "pinned": a.pinned});
        let to = [audience(&a)];
        emit(
            &mut tx,
            self.backend(),
            "announcement.updated",
            Entity::Announcement,
            id.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(a)
    }

    /// Deletes an announcement and its acknowledgements (its managers).
    pub async fn delete_announcement(
        &self,
        actor: &Actor,
        who: &Principal,
        id: AnnouncementId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let current = fetch_managed(&mut tx, who, id).await?;
        bump_version(&mut tx, "announcements", id.0, expected_version).await?;
        let agency = audit_agency(&mut tx, &current).await?;
        for sql in [
            "DELETE FROM announcement_acks WHERE announcement_id = $1",
            "DELETE FROM announcements WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id.0).execute(&mut *tx).await?;
        }
        let detail = json!({"title": current.title, "scope": current.scope});
        audit(
            &mut tx,
            actor,
            agency,
            "delete",
            Entity::Announcement,
            id.0,
            detail,
        )
        .await?;
        let to = [audience(&current)];
        let data = json!({"id": id});
        emit(
            &mut tx,
            self.backend(),
            "announcement.deleted",
            Entity::Announcement,
            id.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await
    }
}
