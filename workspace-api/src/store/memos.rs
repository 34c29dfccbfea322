//! e-Memos: create, list, read, edit, delete. Who may do what is decided here, inside the
//! statement or the write transaction that acts on it, so a share removed meanwhile cannot
//! slip between a check and a write.
//!
//! Access of a principal to a memo: `owner` when they wrote it; else the best permission of
//! the shares that name them (their account, their unit, their agency, or a project they are
//! a member of); else none, and the memo does not exist for them (404). Administrators get no
//! access of their own: memos are personal papers. Share lists are in `memo_shares.rs`.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Row};

use super::{Audience, Entity, Store, StoreError, audit, emit, now_ms};
use crate::auth::{AccountId, Principal};
use crate::extract::Actor;
use crate::hangul;
use crate::model::{
    AgencyId, Classification, Memo, MemoAccess, MemoId, MemoPatch, MemoSummary, NewMemo,
    ShareTarget,
};
use crate::richtext;

/// True for a share row `s` naming the principal bound as $1 (account), $2 (agency, -1 for
/// none) and $3 (employee, -1 for none).
pub(super) const SHARE_NAMES_ME: &str = "((s.target_kind = 'account' AND s.target_id = $1) \
     OR (s.target_kind = 'agency' AND s.target_id = $2) \
     OR (s.target_kind = 'unit' AND s.target_id = (SELECT e.unit_id FROM employees e WHERE e.id = $3)) \
     OR (s.target_kind = 'project' AND s.target_id IN \
         (SELECT pm.project_id FROM project_members pm WHERE pm.account_id = $1)))";

const SUMMARY_COLUMNS: &str = "m.id, m.author_id, m.title, m.excerpt, m.classification, \
     m.created_ms, m.updated_ms, m.version";

/// The principal's access to memo `m`: 3 owner, 2 editor, 1 reader, NULL none.
fn access_sql() -> String {
    format!(
        "CAST(CASE WHEN m.author_id = $1 THEN 3 ELSE \
         (SELECT MAX(CASE WHEN s.permission = 'editor' THEN 2 ELSE 1 END) FROM memo_shares s \
          WHERE s.memo_id = m.id AND {SHARE_NAMES_ME}) END AS BIGINT)"
    )
}

/// Binds $1..$3 of [`SHARE_NAMES_ME`] for `who`.
pub(super) fn bind_me<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    who: &Principal,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    q.bind(who.account.0)
        .bind(who.agency.map_or(-1, |a| a.0))
        .bind(who.employee.map_or(-1, |e| e.0))
}

fn access_of(n: Option<i64>) -> Option<MemoAccess> {
    match n? {
        3 => Some(MemoAccess::Owner),
        2 => Some(MemoAccess::Editor),
        1 => Some(MemoAccess::Reader),
        _ => None,
    }
}

fn summary_from_row(row: &AnyRow) -> Result<Option<MemoSummary>, sqlx::Error> {
    let Some(access) = access_of(row.try_get("access")?) else {
        return Ok(None);
    };
    let class: String = row.try_get("classification")?;
    Ok(Some(MemoSummary {
        id: MemoId(row.try_get("id")?),
        author_id: AccountId(row.try_get("author_id")?),
        title: row.try_get("title")?,
        excerpt: row.try_get("excerpt")?,
        classification: Classification::parse(&class).unwrap_or_default(),
        access,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        version: row.try_get("version")?,
    }))
}

fn memo_from_row(row: &AnyRow) -> Result<Option<Memo>, sqlx::Error> {
    let Some(s) = summary_from_row(row)? else {
        return Ok(None);
    };
    Ok(Some(Memo {
        id: s.id,
        author_id: s.author_id,
        title: s.title,
        body: row.try_get("body")?,
        excerpt: s.excerpt,
        classification: s.classification,
        access: s.access,
        created_ms: s.created_ms,
        updated_ms: s.updated_ms,
        version: s.version,
    }))
}

/// The memo as `who` sees it; `None` when it is missing or invisible to them.
pub(super) async fn fetch_memo<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    who: &Principal,
    id: MemoId,
) -> Result<Option<Memo>, StoreError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, m.body, {} AS access FROM memos m WHERE m.id = $4",
        access_sql()
    );
    let row = bind_me(sqlx::query(AssertSqlSafe(sql)), who)
        .bind(id.0)
        .fetch_optional(ex)
        .await?;
    Ok(row.as_ref().map(memo_from_row).transpose()?.flatten())
}

/// Everyone who may read a memo: its author and its share targets.
pub(super) fn readers(author: AccountId, shares: &[ShareTarget]) -> Vec<Audience> {
    let mut out = vec![Audience::Account(author)];
    out.extend(shares.iter().map(|t| match *t {
        ShareTarget::Account(a) => Audience::Account(a),
        ShareTarget::Unit(u) => Audience::Unit(u),
        ShareTarget::Agency(a) => Audience::Agency(a),
        ShareTarget::Project(p) => Audience::Project(p),
    }));
    out
}

/// Filters of a memo list.
#[derive(Debug, Clone, Default)]
pub struct MemoQuery {
    /// Normalised title fragment (`hangul::normalize`); empty for all.
    pub q: String,
    /// Keyset position `(updated_ms, id)` of the last item already sent.
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

impl Store {
    /// The memos `who` wrote or that are shared with them, most recently changed first.
    pub async fn list_memos(
        &self,
        who: &Principal,
        query: &MemoQuery,
    ) -> Result<Vec<MemoSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, {} AS access FROM memos m WHERE m.id IN \
             (SELECT id FROM memos WHERE author_id = $1 \
              UNION SELECT s.memo_id FROM memo_shares s WHERE {SHARE_NAMES_ME}) \
             AND ($4 = 0 OR m.title_norm LIKE $5 ESCAPE '\\') \
             AND (m.updated_ms < $6 OR (m.updated_ms = $6 AND m.id < $7)) \
             ORDER BY m.updated_ms DESC, m.id DESC LIMIT $8",
            access_sql()
        );
        let (after_ms, after_id) = query.after.unwrap_or((i64::MAX, i64::MAX));
        let rows = bind_me(sqlx::query(AssertSqlSafe(sql)), who)
            .bind(i64::from(!query.q.is_empty()))
            .bind(format!("%{}%", hangul::like_escape(&query.q)))
            .bind(after_ms)
            .bind(after_id)
            .bind(query.limit)
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.extend(summary_from_row(row)?);
        }
        Ok(out)
    }

    /// One memo; `NotFound` when `who` may not read it.
    pub async fn get_memo(&self, who: &Principal, id: MemoId) -> Result<Memo, StoreError> {
        fetch_memo(self.pool(), who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Memo))
    }

    /// Writes a private memo of `who` (audited as `actor`); the body is sanitised here,
    /// whoever calls.
    pub async fn create_memo(
        &self,
        actor: &Actor,
        who: &Principal,
        new: &NewMemo,
    ) -> Result<Memo, StoreError> {
        let body = richtext::sanitise(&new.body);
        let excerpt = richtext::excerpt(&body);
        let now = now_ms();
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO memos (author_id, agency_id, title, title_norm, body, excerpt, \
             classification, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             RETURNING id",
        )
        .bind(who.account.0)
        .bind(who.agency.map(|a| a.0))
        .bind(&new.title)
        .bind(hangul::normalize(&new.title))
        .bind(&body)
        .bind(&excerpt)
        .bind(new.classification.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = json!({"title": new.title, "classification": new.classification});
        audit(
            &mut tx,
            actor,
            who.agency,
            "create",
            Entity::Memo,
            id,
            detail,
        )
        .await?;
        let memo = fetch_memo(&mut *tx, who, MemoId(id))
            .await?
            .ok_or(StoreError::NotFound(Entity::Memo))?;
        self.commit(tx).await?;
        Ok(memo)
    }

    /// Edits a memo (its author or an editor); tells everyone who may read it.
    pub async fn update_memo(
        &self,
        actor: &Actor,
        who: &Principal,
        id: MemoId,
        expected_version: i64,
        patch: &MemoPatch,
    ) -> Result<Memo, StoreError> {
        let mut tx = self.begin().await?;
        let current = fetch_memo(&mut *tx, who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Memo))?;
        if current.access < MemoAccess::Editor {
            return Err(StoreError::Forbidden {
                ko: "이 메모를 읽을 수만 있습니다.",
                en: "You may only read this memo.",
            });
        }
        let title = patch.title.as_deref().unwrap_or(&current.title);
        let body = patch
            .body
            .as_deref()
            .map_or(current.body.clone(), richtext::sanitise);
        let class = patch.classification.unwrap_or(current.classification);
        let done = sqlx::query(
            "UPDATE memos SET title = $1, title_norm = $2, body = $3, excerpt = $4, \
             classification = $5, updated_ms = $6, version = version + 1 \
             WHERE id = $7 AND version = $8",
        )
        .bind(title)
        .bind(hangul::normalize(title))
        .bind(&body)
        .bind(richtext::excerpt(&body))
        .bind(class.as_str())
        .bind(now_ms().max(current.updated_ms))
        .bind(id.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        let agency = memo_agency(&mut tx, id).await?;
        let detail = json!({"title": patch.title, "classification": patch.classification,
            "body_changed": patch.body.is_some()});
        audit(&mut tx, actor, agency, "update", Entity::Memo, id.0, detail).await?;
        let targets = super::memo_shares::share_targets(&mut tx, id).await?;
        let data = json!({"id": id, "title": title, "by": who.account});
        let audience = readers(current.author_id, &targets);
        emit(
            &mut tx,
            self.backend(),
            "memo.updated",
            Entity::Memo,
            id.0,
            data,
            &audience,
        )
        .await?;
        let memo = fetch_memo(&mut *tx, who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Memo))?;
        self.commit(tx).await?;
        Ok(memo)
    }

    /// Deletes a memo and its share list (its author only).
    pub async fn delete_memo(
        &self,
        actor: &Actor,
        who: &Principal,
        id: MemoId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let current = fetch_memo(&mut *tx, who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Memo))?;
        require_owner(current.access)?;
        bump_version(&mut tx, "memos", id.0, expected_version).await?;
        let targets = super::memo_shares::share_targets(&mut tx, id).await?;
        let agency = memo_agency(&mut tx, id).await?;
        sqlx::query("DELETE FROM memo_shares WHERE memo_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM memos WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let detail = json!({"title": current.title});
        audit(&mut tx, actor, agency, "delete", Entity::Memo, id.0, detail).await?;
        let audience = readers(current.author_id, &targets);
        let data = json!({"id": id});
        emit(
            &mut tx,
            self.backend(),
            "memo.deleted",
            Entity::Memo,
            id.0,
            data,
            &audience,
        )
        .await?;
        self.commit(tx).await
    }
}

/// Only the author deletes a memo or manages its shares.
pub(super) fn require_owner(access: MemoAccess) -> Result<(), StoreError> {
    if access == MemoAccess::Owner {
        return Ok(());
    }
    Err(StoreError::Forbidden {
        ko: "메모 작성자만 할 수 있습니다.",
        en: "Only the memo's author may do this.",
    })
}

/// The agency a memo's audit rows belong to (its author's when it was written).
pub(super) async fn memo_agency(
    tx: &mut super::Tx,
    id: MemoId,
) -> Result<Option<AgencyId>, StoreError> {
    let agency: Option<i64> = sqlx::query_scalar("SELECT agency_id FROM memos WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
    Ok(agency.map(AgencyId))
}

/// Bumps a row's version if it is still `expected`, else `Stale`. As the first write of a
/// transaction it also takes the row's lock, so concurrent writers of one memo or
/// announcement queue behind it and then see the new version (412), on PostgreSQL too.
pub(super) async fn bump_version(
    tx: &mut super::Tx,
    table: &'static str,
    id: i64,
    expected: i64,
) -> Result<i64, StoreError> {
    let sql = format!(
        "UPDATE {table} SET version = version + 1 WHERE id = $1 AND version = $2 RETURNING version"
    );
    sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(id)
        .bind(expected)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::Stale)
}
