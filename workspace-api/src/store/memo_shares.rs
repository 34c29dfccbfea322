//! The share list of a memo: read by anyone who may read the memo, replaced as a whole by
//! its author only (editors edit the text, not who sees it). Replacing bumps the memo's
//! version, so `If-Match` on the memo guards both the text and the list.
//!
//! Targets must exist when shared: an account, a unit, an agency, or a project the author
//! can see (public, a member, or a system admin). A project the author cannot see is
//! reported like a missing one, so sharing never reveals which private projects exist.
//! Lists are answered with the targets' names; a project's only to those who can see it.

use std::collections::HashSet;

use serde_json::json;
use sqlx::Row;

use super::memos::{bump_version, fetch_memo, memo_agency, readers, require_owner};
use super::{Entity, Store, StoreError, Tx, audit, emit};
use crate::auth::{Principal, Role};
use crate::extract::Actor;
use crate::model::{MemoId, MemoShare, NamedShare, SharePermission, ShareTarget};

/// Most entries one share list may hold.
pub const MAX_SHARES: usize = 100;

/// The share targets of a memo, in a stable order.
pub(super) async fn share_targets(tx: &mut Tx, id: MemoId) -> Result<Vec<ShareTarget>, StoreError> {
    Ok(load_shares(&mut **tx, id)
        .await?
        .into_iter()
        .map(|s| s.target)
        .collect())
}

async fn load_shares<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    id: MemoId,
) -> Result<Vec<MemoShare>, StoreError> {
    let rows = sqlx::query(
        "SELECT target_kind, target_id, permission FROM memo_shares WHERE memo_id = $1 \
         ORDER BY target_kind, target_id",
    )
    .bind(id.0)
    .fetch_all(ex)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind: String = row.try_get("target_kind")?;
        let permission: String = row.try_get("permission")?;
        if let Some(target) = ShareTarget::from_parts(&kind, row.try_get("target_id")?) {
            let permission = if permission == "editor" {
                SharePermission::Editor
            } else {
                SharePermission::Reader
            };
            out.push(MemoShare { target, permission });
        }
    }
    Ok(out)
}

/// Project `p` ($1) is visible to the principal bound as $2 (1 for a system admin) and $3.
const PROJECT_SEEN: &str = "p.id = $1 AND (p.public = 1 OR $2 = 1 \
     OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.account_id = $3))";

/// The entries with their targets' names, as `who` may read them.
async fn named(
    conn: &mut sqlx::AnyConnection,
    who: &Principal,
    shares: Vec<MemoShare>,
) -> Result<Vec<NamedShare>, StoreError> {
    let mut out = Vec::with_capacity(shares.len());
    for share in shares {
        let (kind, id) = share.target.parts();
        let sql = match kind {
            "account" => "SELECT display_name FROM accounts WHERE id = $1".to_owned(),
            "unit" => "SELECT name_ko FROM units WHERE id = $1".to_owned(),
            "agency" => "SELECT name_ko FROM agencies WHERE id = $1".to_owned(),
            _ => format!("SELECT p.name_ko FROM projects p WHERE {PROJECT_SEEN}"),
        };
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id);
        if kind == "project" {
            q = q
                .bind(i64::from(who.role == Role::SystemAdmin))
                .bind(who.account.0);
        }
        let name: Option<String> = q.fetch_optional(&mut *conn).await?;
        out.push(NamedShare {
            target: share.target,
            permission: share.permission,
            name,
        });
    }
    Ok(out)
}

/// `Ok` when the target exists (and, for a project, `who` can see it).
async fn check_target(tx: &mut Tx, who: &Principal, target: ShareTarget) -> Result<(), StoreError> {
    let id = target.parts().1;
    let (found, entity) = match target {
        ShareTarget::Project(_) => {
            let sql = format!("SELECT COUNT(*) FROM projects p WHERE {PROJECT_SEEN}");
            let found: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(i64::from(who.role == Role::SystemAdmin))
                .bind(who.account.0)
                .fetch_one(&mut **tx)
                .await?;
            (found, Entity::Project)
        }
        _ => {
            let (sql, entity) = match target {
                ShareTarget::Account(_) => (
                    "SELECT COUNT(*) FROM accounts WHERE id = $1",
                    Entity::Account,
                ),
                ShareTarget::Unit(_) => ("SELECT COUNT(*) FROM units WHERE id = $1", Entity::Unit),
                _ => (
                    "SELECT COUNT(*) FROM agencies WHERE id = $1",
                    Entity::Agency,
                ),
            };
            let found: i64 = sqlx::query_scalar(sql)
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
            (found, entity)
        }
    };
    if found == 0 {
        return Err(StoreError::UnknownReference(entity, "shares"));
    }
    Ok(())
}

impl Store {
    /// The share list of a memo `who` may read, and the memo's version.
    pub async fn memo_shares(
        &self,
        who: &Principal,
        id: MemoId,
    ) -> Result<(i64, Vec<NamedShare>), StoreError> {
        let memo = self.get_memo(who, id).await?;
        let mut conn = self.pool().acquire().await?;
        let shares = load_shares(&mut *conn, id).await?;
        Ok((memo.version, named(&mut conn, who, shares).await?))
    }

    /// Replaces the share list (author only) and tells the newly added audiences.
    /// Returns the memo's new version and the list as stored.
    pub async fn replace_memo_shares(
        &self,
        actor: &Actor,
        who: &Principal,
        id: MemoId,
        expected_version: i64,
        shares: &[MemoShare],
    ) -> Result<(i64, Vec<NamedShare>), StoreError> {
        let mut tx = self.begin().await?;
        let memo = fetch_memo(&mut *tx, who, id)
            .await?
            .ok_or(StoreError::NotFound(Entity::Memo))?;
        require_owner(memo.access)?;
        let version = bump_version(&mut tx, "memos", id.0, expected_version).await?;
        for share in shares {
            check_target(&mut tx, who, share.target).await?;
        }
        let before: HashSet<ShareTarget> = share_targets(&mut tx, id).await?.into_iter().collect();
        sqlx::query("DELETE FROM memo_shares WHERE memo_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        for share in shares {
            let (kind, target) = share.target.parts();
            sqlx::query(
                "INSERT INTO memo_shares (memo_id, target_kind, target_id, permission) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id.0)
            .bind(kind)
            .bind(target)
            .bind(share.permission.as_str())
            .execute(&mut *tx)
            .await?;
        }
        let agency = memo_agency(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            agency,
            "share",
            Entity::Memo,
            id.0,
            json!({"shares": shares}),
        )
        .await?;
        let added: Vec<ShareTarget> = shares
            .iter()
            .map(|s| s.target)
            .filter(|t| !before.contains(t))
            .collect();
        if !added.is_empty() {
            // `readers` starts with the author, who needs no news of their own share.
            let audience = &readers(memo.author_id, &added)[1..];
            let data = json!({"id": id, "title": memo.title, "author_id": memo.author_id});
            emit(
                &mut tx,
                self.backend(),
                "memo.shared",
                Entity::Memo,
                id.0,
                data,
                audience,
            )
            .await?;
        }
        let stored = load_shares(&mut *tx, id).await?;
        let stored = named(&mut tx, who, stored).await?;
        self.commit(tx).await?;
        Ok((version, stored))
    }
}
