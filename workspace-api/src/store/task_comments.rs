//! Comments on tasks: anyone who can see the task reads them; members and leads of an
//! active project write them; only the author edits or deletes their own comment (a system
//! administrator may also delete one, to moderate).

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::projects::{access_in, caller, lock_and_access};
use super::tasks::fetch_task;
use super::{Audience, Entity, Store, StoreError, Tx, audit, emit, now_ms};
use crate::auth::AccountId;
use crate::extract::Actor;
use crate::model::{Comment, CommentId, TaskId};

const COMMENT_COLUMNS: &str = "id, task_id, author_id, body, created_ms, edited_ms, version";

fn comment_from_row(row: &AnyRow) -> Result<Comment, sqlx::Error> {
    Ok(Comment {
        id: CommentId(row.try_get("id")?),
        task_id: TaskId(row.try_get("task_id")?),
        author_id: row.try_get::<Option<i64>, _>("author_id")?.map(AccountId),
        body: row.try_get("body")?,
        created_ms: row.try_get("created_ms")?,
        edited_ms: row.try_get("edited_ms")?,
        version: row.try_get("version")?,
    })
}

async fn fetch_comment(conn: &mut AnyConnection, id: CommentId) -> Result<Comment, StoreError> {
    let sql = format!("SELECT {COMMENT_COLUMNS} FROM task_comments WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound(Entity::Comment))?;
    Ok(comment_from_row(&row)?)
}

/// Starts a change to a comment: locks its project and checks that the caller sees it,
/// may write there, and is its author (or, when `moderate`, a system administrator).
async fn begin_comment_write(
    tx: &mut Tx,
    actor: &Actor,
    id: CommentId,
    expected_version: i64,
    moderate: bool,
) -> Result<(Comment, crate::model::Task, super::ProjectAccess), StoreError> {
    let comment = fetch_comment(tx, id).await?;
    let task = fetch_task(tx, comment.task_id).await?;
    let access = lock_and_access(tx, actor, task.project_id, Entity::Comment).await?;
    // Read again under the lock: the first read only found the project to lock.
    let comment = fetch_comment(tx, id).await?;
    access.require_write()?;
    let (me, admin) = caller(actor);
    let own = comment.author_id.is_some_and(|a| a.0 == me);
    if !(own || (moderate && admin)) {
        return Err(StoreError::forbidden("comment_author"));
    }
    access.require_active()?;
    if comment.version != expected_version {
        return Err(StoreError::Stale);
    }
    Ok((comment, task, access))
}

impl Store {
    /// Comments of a visible task, oldest first, after comment id `after`.
    pub async fn list_comments(
        &self,
        actor: &Actor,
        task: TaskId,
        after: Option<CommentId>,
        limit: i64,
    ) -> Result<Vec<Comment>, StoreError> {
        self.get_task(actor, task).await?;
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM task_comments WHERE task_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(task.0)
            .bind(after.map_or(i64::MIN, |c| c.0))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(comment_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// One comment of a visible task.
    pub async fn get_comment(&self, actor: &Actor, id: CommentId) -> Result<Comment, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let comment = fetch_comment(&mut conn, id).await?;
        let task = fetch_task(&mut conn, comment.task_id).await?;
        access_in(&mut *conn, actor, task.project_id, Entity::Comment).await?;
        Ok(comment)
    }

    /// Comments on a task (members and leads of an active project).
    pub async fn add_comment(
        &self,
        actor: &Actor,
        task_id: TaskId,
        body: &str,
    ) -> Result<Comment, StoreError> {
        let mut tx = self.begin().await?;
        let task = fetch_task(&mut tx, task_id).await?;
        let access = lock_and_access(&mut tx, actor, task.project_id, Entity::Task).await?;
        access.require_write()?;
        access.require_active()?;
        let me = caller(actor).0;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO task_comments (task_id, author_id, body, created_ms) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(task_id.0)
        .bind((me >= 0).then_some(me))
        .bind(body)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let comment = fetch_comment(&mut tx, CommentId(id)).await?;
        let lead = Some(access.lead_agency);
        let detail = json!({"task_id": task_id, "body": body});
        audit(&mut tx, actor, lead, "create", Entity::Comment, id, detail).await?;
        let data = json!({"project_id": task.project_id, "task_id": task_id,
                          "title": task.title, "comment_id": id});
        let to = [Audience::Project(task.project_id)];
        emit(
            &mut tx,
            self.backend(),
            "task.commented",
            Entity::Task,
            task_id.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(comment)
    }

    /// Edits one's own comment.
    pub async fn edit_comment(
        &self,
        actor: &Actor,
        id: CommentId,
        expected_version: i64,
        body: &str,
    ) -> Result<Comment, StoreError> {
        let mut tx = self.begin().await?;
        let (_, task, access) =
            begin_comment_write(&mut tx, actor, id, expected_version, false).await?;
        sqlx::query(
            "UPDATE task_comments SET body = $1, edited_ms = $2, version = version + 1 WHERE id = $3",
        )
        .bind(body)
        .bind(now_ms())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let comment = fetch_comment(&mut tx, id).await?;
        let lead = Some(access.lead_agency);
        let detail = json!({"task_id": task.id, "body": body});
        audit(
            &mut tx,
            actor,
            lead,
            "update",
            Entity::Comment,
            id.0,
            detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(comment)
    }

    /// Deletes one's own comment (or any, for a system administrator).
    pub async fn delete_comment(
        &self,
        actor: &Actor,
        id: CommentId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let (_, task, access) =
            begin_comment_write(&mut tx, actor, id, expected_version, true).await?;
        sqlx::query("DELETE FROM task_comments WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let lead = Some(access.lead_agency);
        let detail = json!({"task_id": task.id});
        audit(
            &mut tx,
            actor,
            lead,
            "delete",
            Entity::Comment,
            id.0,
            detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }
}
