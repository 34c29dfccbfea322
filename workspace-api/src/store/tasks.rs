//! Tasks: create, read, change, delete, and the lists that read them (a column of a board,
//! the whole board, my open tasks). Moves, columns and history are in `task_board.rs`,
//! comments in `task_comments.rs`.
//!
//! A task write locks its project's row first (see `projects.rs`), then checks the caller's
//! access in the same transaction, so a member removed meanwhile can no longer write and an
//! assignee is always a member at commit. A task of a project the caller cannot see is
//! `NotFound(Task)`.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::projects::{ProjectAccess, access_in, lock_and_access};
use super::{Audience, Entity, Store, StoreError, Tx, audit, emit, now_ms};
use crate::auth::AccountId;
use crate::extract::Actor;
use crate::model::{NewTask, Priority, ProjectId, Task, TaskId, TaskPatch};

/// Room left between neighbouring tasks, so that most moves rewrite one row.
pub(crate) const POSITION_GAP: i64 = 1 << 16;

pub(crate) const TASK_COLUMNS: &str = "t.id, t.project_id, t.column_key, t.title, t.description, \
     t.start_date, t.due_date, t.priority, t.labels, t.position, t.created_by, t.created_ms, \
     t.updated_ms, t.version";

fn task_from_row(row: &AnyRow) -> Result<Task, StoreError> {
    let labels: String = row.try_get("labels")?;
    Ok(Task {
        id: TaskId(row.try_get("id")?),
        project_id: ProjectId(row.try_get("project_id")?),
        column: row.try_get("column_key")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        assignees: Vec::new(),
        start_date: row.try_get("start_date")?,
        due_date: row.try_get("due_date")?,
        priority: Priority::parse(&row.try_get::<String, _>("priority")?),
        labels: serde_json::from_str(&labels).unwrap_or_default(),
        position: row.try_get("position")?,
        created_by: row.try_get::<Option<i64>, _>("created_by")?.map(AccountId),
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        version: row.try_get("version")?,
    })
}

/// Turns task rows into tasks with their assignees (one query for all of them).
pub(crate) async fn tasks_from_rows(
    conn: &mut AnyConnection,
    rows: &[AnyRow],
) -> Result<Vec<Task>, StoreError> {
    let mut tasks: Vec<Task> = rows.iter().map(task_from_row).collect::<Result<_, _>>()?;
    if tasks.is_empty() {
        return Ok(tasks);
    }
    let marks: Vec<String> = (1..=tasks.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT task_id, account_id FROM task_assignees WHERE task_id IN ({}) \
         ORDER BY task_id, account_id",
        marks.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for t in &tasks {
        q = q.bind(t.id.0);
    }
    for row in q.fetch_all(&mut *conn).await? {
        let task: i64 = row.try_get("task_id")?;
        let account = AccountId(row.try_get("account_id")?);
        if let Some(t) = tasks.iter_mut().find(|t| t.id.0 == task) {
            t.assignees.push(account);
        }
    }
    Ok(tasks)
}

/// One task, `NotFound(Task)` when missing.
pub(crate) async fn fetch_task(conn: &mut AnyConnection, id: TaskId) -> Result<Task, StoreError> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound(Entity::Task))?;
    let mut tasks = tasks_from_rows(conn, std::slice::from_ref(&row)).await?;
    tasks.pop().ok_or(StoreError::NotFound(Entity::Task))
}

/// The project a task belongs to.
async fn project_of(conn: &mut AnyConnection, id: TaskId) -> Result<ProjectId, StoreError> {
    let project: Option<i64> = sqlx::query_scalar("SELECT project_id FROM tasks WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    project
        .map(ProjectId)
        .ok_or(StoreError::NotFound(Entity::Task))
}

/// Starts a task write: locks the task's project, checks the caller may write its tasks and
/// that it is active, and reads the task at `expected_version`.
pub(crate) async fn begin_task_write(
    tx: &mut Tx,
    actor: &Actor,
    id: TaskId,
    expected_version: i64,
) -> Result<(ProjectAccess, Task), StoreError> {
    let project = project_of(tx, id).await?;
    let access = lock_and_access(tx, actor, project, Entity::Task).await?;
    access.require_write()?;
    access.require_active()?;
    let task = fetch_task(tx, id).await?;
    if task.version != expected_version {
        return Err(StoreError::Stale);
    }
    Ok((access, task))
}

/// `Invalid(assignee_not_member)` unless every account is a member of the project.
async fn check_assignees(
    tx: &mut Tx,
    project: ProjectId,
    assignees: &[AccountId],
) -> Result<(), StoreError> {
    for a in assignees {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM project_members WHERE project_id = $1 AND account_id = $2",
        )
        .bind(project.0)
        .bind(a.0)
        .fetch_one(&mut **tx)
        .await?;
        if n == 0 {
            let (code, field) = ("assignee_not_member", "assignees");
            return Err(StoreError::Invalid { code, field });
        }
    }
    Ok(())
}

async fn set_assignees(
    tx: &mut Tx,
    task: TaskId,
    assignees: &[AccountId],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM task_assignees WHERE task_id = $1")
        .bind(task.0)
        .execute(&mut **tx)
        .await?;
    for a in assignees {
        sqlx::query("INSERT INTO task_assignees (task_id, account_id) VALUES ($1, $2)")
            .bind(task.0)
            .bind(a.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Whether `key` has the shape of a column key (2–32 of `a-z 0-9 -`). Anything else names
/// no column and is never sent to the database (PostgreSQL refuses NUL in text).
pub(crate) fn is_column_key(key: &str) -> bool {
    (2..=32).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The column's key if it exists in the project, else the leftmost column when `key` is
/// `None`; `UnknownReference(Column)` otherwise.
pub(crate) async fn resolve_column(
    tx: &mut Tx,
    project: ProjectId,
    key: Option<&str>,
) -> Result<String, StoreError> {
    let found: Option<String> = match key {
        Some(k) if !is_column_key(k) => None,
        Some(k) => {
            sqlx::query_scalar("SELECT key FROM task_columns WHERE project_id = $1 AND key = $2")
                .bind(project.0)
                .bind(k)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => {
            sqlx::query_scalar(
                "SELECT key FROM task_columns WHERE project_id = $1 ORDER BY position LIMIT 1",
            )
            .bind(project.0)
            .fetch_optional(&mut **tx)
            .await?
        }
    };
    found.ok_or(StoreError::UnknownReference(Entity::Column, "column"))
}

/// Records a column change in the task's history.
pub(crate) async fn record_history(
    tx: &mut Tx,
    actor: &Actor,
    task: TaskId,
    from: Option<&str>,
    to: &str,
) -> Result<(), StoreError> {
    let account = super::projects::caller(actor).0;
    sqlx::query(
        "INSERT INTO task_history (task_id, at_ms, actor_id, from_column, to_column) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(task.0)
    .bind(now_ms())
    .bind((account >= 0).then_some(account))
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn task_event(task: &Task) -> serde_json::Value {
    json!({"project_id": task.project_id, "task_id": task.id, "title": task.title,
           "column": task.column})
}

/// The project's members, plus each account in `extra` (new assignees), as audiences.
fn audiences(project: ProjectId, extra: &[AccountId]) -> Vec<Audience> {
    let mut to = vec![Audience::Project(project)];
    to.extend(extra.iter().map(|a| Audience::Account(*a)));
    to
}

impl Store {
    /// Creates a task at the end of its column (members and leads of an active project).
    /// `new` is validated (dates, labels, de-duplicated assignees) by the caller.
    pub async fn create_task(
        &self,
        actor: &Actor,
        project: ProjectId,
        new: &NewTask,
    ) -> Result<Task, StoreError> {
        let mut tx = self.begin().await?;
        let access = lock_and_access(&mut tx, actor, project, Entity::Project).await?;
        access.require_write()?;
        access.require_active()?;
        let column = resolve_column(&mut tx, project, new.column.as_deref()).await?;
        check_assignees(&mut tx, project, &new.assignees).await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(position) FROM tasks WHERE project_id = $1 AND column_key = $2",
        )
        .bind(project.0)
        .bind(&column)
        .fetch_one(&mut *tx)
        .await?;
        let position = last
            .map_or(Some(0), |p| p.checked_add(POSITION_GAP))
            .unwrap_or(i64::MAX);
        let now = now_ms();
        let account = super::projects::caller(actor).0;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (project_id, column_key, title, description, start_date, due_date, \
             priority, labels, position, created_by, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(project.0)
        .bind(&column)
        .bind(&new.title)
        .bind(&new.description)
        .bind(new.start_date.as_deref())
        .bind(new.due_date.as_deref())
        .bind(new.priority.as_str())
        .bind(json!(new.labels).to_string())
        .bind(position)
        .bind((account >= 0).then_some(account))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id = TaskId(id);
        set_assignees(&mut tx, id, &new.assignees).await?;
        record_history(&mut tx, actor, id, None, &column).await?;
        let task = fetch_task(&mut tx, id).await?;
        let lead = Some(access.lead_agency);
        audit(
            &mut tx,
            actor,
            lead,
            "create",
            Entity::Task,
            id.0,
            json!(new),
        )
        .await?;
        let to = audiences(project, &task.assignees);
        let data = task_event(&task);
        emit(
            &mut tx,
            self.backend(),
            "task.created",
            Entity::Task,
            id.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(task)
    }

    /// One task of a visible project.
    pub async fn get_task(&self, actor: &Actor, id: TaskId) -> Result<Task, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let task = fetch_task(&mut conn, id).await?;
        access_in(&mut *conn, actor, task.project_id, Entity::Task).await?;
        Ok(task)
    }

    /// Changes a task's fields (not its column: see [`Store::move_task`]).
    pub async fn update_task(
        &self,
        actor: &Actor,
        id: TaskId,
        expected_version: i64,
        patch: &TaskPatch,
    ) -> Result<Task, StoreError> {
        let mut tx = self.begin().await?;
        let (access, current) = begin_task_write(&mut tx, actor, id, expected_version).await?;
        let start = patch
            .start_date
            .clone()
            .unwrap_or(current.start_date.clone());
        let due = patch.due_date.clone().unwrap_or(current.due_date.clone());
        if let (Some(s), Some(d)) = (&start, &due)
            && d < s
        {
            let field = if patch.due_date.is_some() {
                "due_date"
            } else {
                "start_date"
            };
            return Err(StoreError::Invalid {
                code: "due_before_start",
                field,
            });
        }
        let mut added = Vec::new();
        if let Some(assignees) = &patch.assignees {
            check_assignees(&mut tx, current.project_id, assignees).await?;
            set_assignees(&mut tx, id, assignees).await?;
            added.extend(assignees.iter().filter(|a| !current.assignees.contains(a)));
        }
        let labels = patch.labels.as_ref().map(|l| json!(l).to_string());
        sqlx::query(
            "UPDATE tasks SET title = COALESCE($1, title), description = COALESCE($2, description), \
             start_date = $3, due_date = $4, priority = COALESCE($5, priority), \
             labels = COALESCE($6, labels), updated_ms = $7, version = version + 1 WHERE id = $8",
        )
        .bind(patch.title.as_deref())
        .bind(patch.description.as_deref())
        .bind(start.as_deref())
        .bind(due.as_deref())
        .bind(patch.priority.map(Priority::as_str))
        .bind(labels)
        .bind(now_ms())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let task = fetch_task(&mut tx, id).await?;
        let lead = Some(access.lead_agency);
        audit(
            &mut tx,
            actor,
            lead,
            "update",
            Entity::Task,
            id.0,
            json!(patch),
        )
        .await?;
        let to = audiences(task.project_id, &added);
        let data = task_event(&task);
        emit(
            &mut tx,
            self.backend(),
            "task.updated",
            Entity::Task,
            id.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(task)
    }

    /// Deletes a task with its assignees, comments and history.
    pub async fn delete_task(
        &self,
        actor: &Actor,
        id: TaskId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let (access, task) = begin_task_write(&mut tx, actor, id, expected_version).await?;
        for table in ["task_assignees", "task_comments", "task_history"] {
            let sql = format!("DELETE FROM {table} WHERE task_id = $1");
            sqlx::query(AssertSqlSafe(sql))
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM tasks WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let lead = Some(access.lead_agency);
        let detail = json!({"project_id": task.project_id, "title": task.title});
        audit(&mut tx, actor, lead, "delete", Entity::Task, id.0, detail).await?;
        let to = audiences(task.project_id, &[]);
        let data = task_event(&task);
        emit(
            &mut tx,
            self.backend(),
            "task.deleted",
            Entity::Task,
            id.0,
            data,
            &to,
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Tasks of one column in board order, after the `(position, id)` cursor.
    pub async fn list_column_tasks(
        &self,
        actor: &Actor,
        project: ProjectId,
        column: &str,
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<Task>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        access_in(&mut *conn, actor, project, Entity::Project).await?;
        if !is_column_key(column) {
            return Err(StoreError::NotFound(Entity::Column));
        }
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM task_columns WHERE project_id = $1 AND key = $2",
        )
        .bind(project.0)
        .bind(column)
        .fetch_one(&mut *conn)
        .await?;
        if n == 0 {
            return Err(StoreError::NotFound(Entity::Column));
        }
        column_page(&mut conn, project, column, after, limit).await
    }

    /// My open tasks: assigned to the caller, in a column not marked done, of an active
    /// project; by due date (undated last), then id, after the `(due, id)` cursor.
    pub async fn my_tasks(
        &self,
        account: AccountId,
        after: Option<(String, i64)>,
        limit: i64,
    ) -> Result<Vec<Task>, StoreError> {
        let due = format!(
            "COALESCE(t.due_date, '9999-12-31'){}",
            self.backend().collate()
        );
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks t \
             JOIN task_assignees ta ON ta.task_id = t.id AND ta.account_id = $1 \
             JOIN task_columns c ON c.project_id = t.project_id AND c.key = t.column_key \
             JOIN projects p ON p.id = t.project_id \
             WHERE c.done = 0 AND p.archived_ms IS NULL \
             AND ({due} > $2 OR ({due} = $2 AND t.id > $3)) \
             ORDER BY {due}, t.id LIMIT $4"
        );
        let (after_due, after_id) = after.unwrap_or((String::new(), i64::MIN));
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(account.0)
            .bind(after_due)
            .bind(after_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        tasks_from_rows(&mut conn, &rows).await
    }
}

/// One page of a column's tasks in board order.
pub(crate) async fn column_page(
    conn: &mut AnyConnection,
    project: ProjectId,
    column: &str,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<Task>, StoreError> {
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.project_id = $1 AND t.column_key = $2 \
         AND (t.position > $3 OR (t.position = $3 AND t.id > $4)) \
         ORDER BY t.position, t.id LIMIT $5"
    );
    let (pos, id) = after.unwrap_or((i64::MIN, i64::MIN));
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(project.0)
        .bind(column)
        .bind(pos)
        .bind(id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    tasks_from_rows(conn, &rows).await
}
