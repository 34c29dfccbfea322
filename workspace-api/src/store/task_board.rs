//! A project's board: its columns (leads add, rename, mark done, reorder), the whole board
//! in one read, task moves and the status history.
//!
//! Order inside a column is a sort key (`position`) with gaps of [`POSITION_GAP`]: a move
//! takes the midpoint between its new neighbours and rewrites only the moved task. When
//! neighbours have no room left between them, the column is renumbered with fresh gaps in
//! the same transaction (other tasks keep their version: their order is unchanged). Moves
//! lock the project row, so concurrent moves apply one after the other, each against the
//! order the previous one left; a move of a task whose ETag is stale is refused.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::projects::{access_in, lock_and_access};
use super::tasks::{POSITION_GAP, begin_task_write, column_page, fetch_task, record_history};
use super::tasks::{is_column_key, resolve_column};
use super::{Audience, Entity, Store, StoreError, Tx, audit, emit, now_ms, unique_as};
use crate::auth::AccountId;
use crate::extract::Actor;
use crate::model::{
    BoardColumn, ColumnPatch, NewColumn, ProjectId, Task, TaskHistoryEntry, TaskId, TaskMove,
};

/// A board holds at most this many columns.
pub const MAX_COLUMNS: i64 = 30;

/// One column of the board view with its first tasks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardColumnTasks {
    #[serde(flatten)]
    pub column: BoardColumn,
    pub tasks: Vec<Task>,
    /// Cursor for `GET /projects/{id}/tasks?column=<key>` when the column has more tasks.
    pub next_cursor: Option<String>,
}

fn column_from_row(row: &AnyRow) -> Result<BoardColumn, sqlx::Error> {
    Ok(BoardColumn {
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        position: row.try_get("position")?,
        done: row.try_get::<i64, _>("done")? == 1,
        version: row.try_get("version")?,
    })
}

async fn columns_of(
    conn: &mut sqlx::AnyConnection,
    project: ProjectId,
) -> Result<Vec<BoardColumn>, StoreError> {
    let rows = sqlx::query(
        "SELECT key, name, position, done, version FROM task_columns WHERE project_id = $1 \
         ORDER BY position, key",
    )
    .bind(project.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(column_from_row).collect::<Result<_, _>>()?)
}

/// The position for a task placed at `index` among `others` (a column's `(id, position)`
/// in order, without the task), or `None` when the neighbours have no room between them.
fn slot(others: &[(i64, i64)], index: usize) -> Option<i64> {
    let before = index
        .checked_sub(1)
        .and_then(|i| others.get(i))
        .map(|o| o.1);
    let after = others.get(index).map(|o| o.1);
    match (before, after) {
        (None, None) => Some(0),
        (Some(lo), None) => lo.checked_add(POSITION_GAP),
        (None, Some(hi)) => hi.checked_sub(POSITION_GAP),
        (Some(lo), Some(hi)) => {
            let mid = lo + (hi - lo) / 2;
            (mid > lo && mid < hi).then_some(mid)
        }
    }
}

/// The position for the moved task at `index` of the column; when its neighbours have no
/// room between them, renumbers the column with fresh gaps, leaving that slot free.
async fn place(tx: &mut Tx, others: &[(i64, i64)], index: usize) -> Result<i64, StoreError> {
    if let Some(p) = slot(others, index) {
        return Ok(p);
    }
    for (i, (id, _)) in others.iter().enumerate() {
        let rank = if i < index { i } else { i + 1 } as i64;
        sqlx::query("UPDATE tasks SET position = $1 WHERE id = $2")
            .bind(rank * POSITION_GAP)
            .bind(*id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(index as i64 * POSITION_GAP)
}

impl Store {
    /// The columns of a visible project, left to right.
    pub async fn list_columns(
        &self,
        actor: &Actor,
        project: ProjectId,
    ) -> Result<Vec<BoardColumn>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        access_in(&mut *conn, actor, project, Entity::Project).await?;
        columns_of(&mut conn, project).await
    }

    /// The board: every column with its first `per_column` tasks.
    pub async fn board(
        &self,
        actor: &Actor,
        project: ProjectId,
        per_column: i64,
    ) -> Result<Vec<BoardColumnTasks>, StoreError> {
        let mut tx = self.pool().begin().await?;
        access_in(&mut *tx, actor, project, Entity::Project).await?;
        let mut board = Vec::new();
        for column in columns_of(&mut tx, project).await? {
            let mut tasks =
                column_page(&mut tx, project, &column.key, None, per_column + 1).await?;
            let scope = format!("tasks:{}:{}", project, column.key);
            let page = crate::paging::page(
                std::mem::take(&mut tasks),
                per_column,
                &scope,
                |t| (t.position, t.id.0),
                |t| t,
            );
            board.push(BoardColumnTasks {
                column,
                tasks: page.items,
                next_cursor: page.next_cursor,
            });
        }
        tx.commit().await?;
        Ok(board)
    }

    /// Adds a column at the right end of the board (leads).
    pub async fn add_column(
        &self,
        actor: &Actor,
        project: ProjectId,
        new: &NewColumn,
    ) -> Result<BoardColumn, StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, project, Entity::Project).await?;
        access.require_lead()?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM task_columns WHERE project_id = $1")
                .bind(project.0)
                .fetch_one(&mut *tx)
                .await?;
        if count >= MAX_COLUMNS {
            return Err(StoreError::Conflict("too_many_columns"));
        }
        sqlx::query(
            "INSERT INTO task_columns (project_id, key, name, position, done) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project.0)
        .bind(&new.key)
        .bind(&new.name)
        .bind(count)
        .bind(i64::from(new.done))
        .execute(&mut *tx)
        .await
        .map_err(unique_as("key"))?;
        let column = fetch_column(&mut tx, project, &new.key).await?;
        let detail = json!({"add_column": new});
        self.finish_column_change(tx, actor, access.lead_agency, project, detail)
            .await?;
        Ok(column)
    }

    /// Renames, marks done or moves a column (leads); moving shifts the columns between.
    pub async fn update_column(
        &self,
        actor: &Actor,
        project: ProjectId,
        key: &str,
        expected_version: i64,
        patch: &ColumnPatch,
    ) -> Result<BoardColumn, StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, project, Entity::Project).await?;
        access.require_lead()?;
        let current = fetch_column(&mut tx, project, key).await?;
        if current.version != expected_version {
            return Err(StoreError::Stale);
        }
        if let Some(to) = patch.position {
            let mut keys: Vec<String> = columns_of(&mut tx, project)
                .await?
                .into_iter()
                .map(|c| c.key)
                .filter(|k| k != key)
                .collect();
            if to < 0 || to as usize > keys.len() {
                let (code, field) = ("column_position", "position");
                return Err(StoreError::Invalid { code, field });
            }
            keys.insert(to as usize, key.to_owned());
            for (i, k) in keys.iter().enumerate() {
                sqlx::query(
                    "UPDATE task_columns SET position = $1 WHERE project_id = $2 AND key = $3",
                )
                .bind(i as i64)
                .bind(project.0)
                .bind(k)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query(
            "UPDATE task_columns SET name = COALESCE($1, name), done = COALESCE($2, done), \
             version = version + 1 WHERE project_id = $3 AND key = $4",
        )
        .bind(patch.name.as_deref())
        .bind(patch.done.map(i64::from))
        .bind(project.0)
        .bind(key)
        .execute(&mut *tx)
        .await?;
        let column = fetch_column(&mut tx, project, key).await?;
        let detail = json!({"update_column": key, "change": patch});
        self.finish_column_change(tx, actor, access.lead_agency, project, detail)
            .await?;
        Ok(column)
    }

    async fn finish_column_change(
        &self,
        mut tx: Tx,
        actor: &Actor,
        lead: crate::model::AgencyId,
        project: ProjectId,
        detail: serde_json::Value,
    ) -> Result<(), StoreError> {
        let agency = Some(lead);
        audit(
            &mut tx,
            actor,
            agency,
            "update",
            Entity::Project,
            project.0,
            detail.clone(),
        )
        .await?;
        let data = json!({"project_id": project, "change": detail});
        let to = [Audience::Project(project)];
        emit(
            &mut tx,
            self.backend(),
            "project.updated",
            Entity::Project,
            project.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await
    }

    /// Moves a task to a column, before or after one of its tasks or at its end.
    pub async fn move_task(
        &self,
        actor: &Actor,
        id: TaskId,
        expected_version: i64,
        mv: &TaskMove,
    ) -> Result<Task, StoreError> {
        let mut tx = self.begin().await?;
        let (access, current) = begin_task_write(&mut tx, actor, id, expected_version).await?;
        let project = current.project_id;
        let column = resolve_column(&mut tx, project, Some(&mv.column)).await?;
        let rows = sqlx::query(
            "SELECT id, position FROM tasks WHERE project_id = $1 AND column_key = $2 AND id <> $3 \
             ORDER BY position, id",
        )
        .bind(project.0)
        .bind(&column)
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        let others: Vec<(i64, i64)> = rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("position")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let index = anchor_index(&others, mv)?;
        let position = place(&mut tx, &others, index).await?;
        sqlx::query(
            "UPDATE tasks SET column_key = $1, position = $2, updated_ms = $3, version = version + 1 \
             WHERE id = $4",
        )
        .bind(&column)
        .bind(position)
        .bind(now_ms())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if column != current.column {
            record_history(&mut tx, actor, id, Some(&current.column), &column).await?;
        }
        let task = fetch_task(&mut tx, id).await?;
        let detail = json!({"from": current.column, "to": column, "before": mv.before,
                            "after": mv.after, "position": position});
        let lead = Some(access.lead_agency);
        audit(&mut tx, actor, lead, "move", Entity::Task, id.0, detail).await?;
        let data = json!({"project_id": project, "task_id": id, "title": task.title,
                          "from": current.column, "to": column, "position": position});
        let to = [Audience::Project(project)];
        emit(
            &mut tx,
            self.backend(),
            "task.moved",
            Entity::Task,
            id.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(task)
    }

    /// The column changes of a visible task, oldest first, after history id `after`.
    pub async fn task_history(
        &self,
        actor: &Actor,
        id: TaskId,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Vec<TaskHistoryEntry>, StoreError> {
        self.get_task(actor, id).await?;
        let rows = sqlx::query(
            "SELECT id, task_id, at_ms, actor_id, from_column, to_column FROM task_history \
             WHERE task_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(id.0)
        .bind(after.unwrap_or(i64::MIN))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TaskHistoryEntry {
                    id: r.try_get("id")?,
                    task_id: TaskId(r.try_get("task_id")?),
                    at_ms: r.try_get("at_ms")?,
                    actor_id: r.try_get::<Option<i64>, _>("actor_id")?.map(AccountId),
                    from_column: r.try_get("from_column")?,
                    to_column: r.try_get("to_column")?,
                })
            })
            .collect()
    }
}

/// Where in `others` the moved task goes: before or after the anchor task, or at the end.
/// An anchor that is not in the target column is `UnknownReference(Task)`.
fn anchor_index(others: &[(i64, i64)], mv: &TaskMove) -> Result<usize, StoreError> {
    let find = |anchor: TaskId, field| {
        others
            .iter()
            .position(|o| o.0 == anchor.0)
            .ok_or(StoreError::UnknownReference(Entity::Task, field))
    };
    match (mv.before, mv.after) {
        (Some(b), _) => find(b, "before"),
        (None, Some(a)) => Ok(find(a, "after")? + 1),
        (None, None) => Ok(others.len()),
    }
}

async fn fetch_column(
    tx: &mut Tx,
    project: ProjectId,
    key: &str,
) -> Result<BoardColumn, StoreError> {
    if !is_column_key(key) {
        return Err(StoreError::NotFound(Entity::Column));
    }
    let row = sqlx::query(
        "SELECT key, name, position, done, version FROM task_columns \
         WHERE project_id = $1 AND key = $2",
    )
    .bind(project.0)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound(Entity::Column))?;
    Ok(column_from_row(&row)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_take_midpoints_and_ends() {
        let col = [(1, 0), (2, POSITION_GAP), (3, POSITION_GAP + 1)];
        assert_eq!(slot(&[], 0), Some(0));
        assert_eq!(slot(&col, 0), Some(-POSITION_GAP));
        assert_eq!(slot(&col, 1), Some(POSITION_GAP / 2));
        assert_eq!(slot(&col, 2), None);
        assert_eq!(slot(&col, 3), Some(2 * POSITION_GAP + 1));
        assert_eq!(slot(&[(1, i64::MAX)], 1), None);
    }
}
