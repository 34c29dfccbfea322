//! Handlers for tasks: a project's board (`/projects/{id}/board`), its tasks by column
//! (`/projects/{id}/tasks`), one task (`/tasks/{id}`), moves (`/tasks/{id}/move`), the
//! status history (`/tasks/{id}/history`) and my open tasks (`/me/tasks`). Comments are in
//! `task_comments.rs`; the input checks shared by create and change are at the end.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use super::projects::{NAME_MAX, description};
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::{NewTask, ProjectId, Task, TaskHistoryEntry, TaskId, TaskMove, TaskPatch};
use crate::paging::{self, Page, PageRequest};
use crate::store::BoardColumnTasks;
use crate::validate::Check;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ColumnTaskParams {
    /// Column key.
    #[param(
        pattern = "^[a-z0-9-]{2,32}$",
        min_length = 2,
        max_length = 32,
        example = "todo"
    )]
    column: String,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BoardParams {
    /// Tasks per column (1–100, default 20); `next_cursor` of a column pages on.
    limit: Option<i64>,
}

/// The board view: every column, left to right, with its first tasks in order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Board {
    project_id: ProjectId,
    columns: Vec<BoardColumnTasks>,
}

fn column_scope(project: ProjectId, column: &str) -> String {
    format!("tasks:{project}:{column}")
}

#[utoipa::path(
    get,
    path = "/projects/{id}/board",
    tag = "tasks",
    params(("id" = i64, Path, description = "Project id"), BoardParams),
    responses((status = 200, description = "Columns with their first tasks", body = Board))
)]
pub async fn board(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
    ApiQuery(p): ApiQuery<BoardParams>,
) -> Result<Json<Board>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let limit = paging::limit(p.limit)?;
    let columns = st.store.board(&actor, id, limit).await?;
    Ok(Json(Board {
        project_id: id,
        columns,
    }))
}

/// `GET /projects/{id}/tasks?column=`: one column's tasks in board order.
#[utoipa::path(
    get,
    path = "/projects/{id}/tasks",
    tag = "tasks",
    params(("id" = i64, Path, description = "Project id"), ColumnTaskParams),
    responses((status = 200, description = "One page of the column's tasks", body = Page<Task>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
    ApiQuery(p): ApiQuery<ColumnTaskParams>,
) -> Result<Json<Page<Task>>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let scope = column_scope(id, &p.column);
    let paging = PageRequest::<(i64, i64)>::new(scope, p.cursor.as_deref(), p.limit)?;
    let rows = st
        .store
        .list_column_tasks(&actor, id, &p.column, paging.after, paging.fetch())
        .await?;
    let key = |t: &Task| (t.position, t.id.0);
    Ok(Json(paging.page(rows, key)))
}

/// `POST /projects/{id}/tasks` (members and leads): a task at the end of its column.
#[utoipa::path(
    post,
    path = "/projects/{id}/tasks",
    tag = "tasks",
    params(("id" = i64, Path, description = "Project id")),
    request_body = NewTask,
    responses((status = 201, description = "Created; Location and ETag headers", body = Task))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(mut new): ApiJson<NewTask>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    c.text("title", &mut new.title, NAME_MAX, true);
    description(&mut c, &mut new.description);
    date(&mut c, "start_date", &mut new.start_date);
    date(&mut c, "due_date", &mut new.due_date);
    labels(&mut c, &mut new.labels);
    assignees(&mut c, &mut new.assignees);
    c.finish()?;
    if let (Some(s), Some(d)) = (&new.start_date, &new.due_date)
        && d < s
    {
        return Err(due_before_start());
    }
    let task = st.store.create_task(&actor, id, &new).await?;
    Ok(created(
        format!("/api/v1/tasks/{}", task.id),
        task.version,
        task,
    ))
}

#[utoipa::path(
    get,
    path = "/tasks/{id}",
    tag = "tasks",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The task; ETag header", body = Task))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<TaskId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let task = st.store.get_task(&actor, id).await?;
    Ok(with_etag(task.version, task))
}

/// `PATCH /tasks/{id}` (members and leads).
#[utoipa::path(
    patch,
    path = "/tasks/{id}",
    tag = "tasks",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = TaskPatch,
    responses((status = 200, description = "Updated; new ETag", body = Task))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<TaskId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<TaskPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    if let Some(v) = &mut patch.title {
        c.text("title", v, NAME_MAX, true);
    }
    if let Some(v) = &mut patch.description {
        description(&mut c, v);
    }
    if let Some(v) = &mut patch.start_date {
        date(&mut c, "start_date", v);
    }
    if let Some(v) = &mut patch.due_date {
        date(&mut c, "due_date", v);
    }
    if let Some(v) = &mut patch.labels {
        labels(&mut c, v);
    }
    if let Some(v) = &mut patch.assignees {
        assignees(&mut c, v);
    }
    c.finish()?;
    let task = st.store.update_task(&actor, id, version, &patch).await?;
    Ok(with_etag(task.version, task))
}

#[utoipa::path(
    delete,
    path = "/tasks/{id}",
    tag = "tasks",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Deleted with its comments and history"))
)]
pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<TaskId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    st.store.delete_task(&actor, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /tasks/{id}/move`: to a column, before or after one of its tasks, or at its end.
#[utoipa::path(
    post,
    path = "/tasks/{id}/move",
    tag = "tasks",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The task's ETag last read")),
    request_body = TaskMove,
    responses((status = 200, description = "Moved; new ETag", body = Task))
)]
pub async fn move_task(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<TaskId>,
    IfMatch(version): IfMatch,
    ApiJson(mv): ApiJson<TaskMove>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    if mv.before.is_some() && mv.after.is_some() {
        c.fail(
            "after",
            "before와 after 중 하나만 보내세요.",
            "Send before or after, not both.",
        );
    }
    if mv.before == Some(id) || mv.after == Some(id) {
        c.fail(
            "before",
            "자기 자신을 기준으로 옮길 수 없습니다.",
            "A task cannot be placed next to itself.",
        );
    }
    c.finish()?;
    let task = st.store.move_task(&actor, id, version, &mv).await?;
    Ok(with_etag(task.version, task))
}

#[utoipa::path(
    get,
    path = "/tasks/{id}/history",
    tag = "tasks",
    params(("id" = i64, Path, description = "Numeric id"), PageParams),
    responses((status = 200, description = "Column changes, oldest first", body = Page<TaskHistoryEntry>))
)]
pub async fn history(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<TaskId>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<Page<TaskHistoryEntry>>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let scope = format!("history:{id}");
    let paging = PageRequest::<i64>::new(scope, p.cursor.as_deref(), p.limit)?;
    let rows = st
        .store
        .task_history(&actor, id, paging.after, paging.fetch())
        .await?;
    Ok(Json(paging.page(rows, |h| h.id)))
}

/// `GET /me/tasks`: my open tasks (not in a done column, active projects) by due date.
#[utoipa::path(
    get,
    path = "/me/tasks",
    tag = "tasks",
    params(PageParams),
    responses((status = 200, description = "My open tasks, soonest due first, undated last", body = Page<Task>))
)]
pub async fn my_tasks(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<Page<Task>>, ApiError> {
    let me = actor.signed_in(Scope::WorkspaceRead)?.account;
    let scope = "me/tasks";
    let paging = PageRequest::<(String, i64)>::new(scope, p.cursor.as_deref(), p.limit)?;
    // A cursor is client input: its date goes to the database only if it is a date.
    if paging
        .after
        .as_ref()
        .is_some_and(|(due, _)| !is_iso_date(due))
    {
        return Err(ApiError::invalid_cursor());
    }
    let rows = st
        .store
        .my_tasks(me, paging.after.clone(), paging.fetch())
        .await?;
    let key = |t: &Task| {
        let due = t.due_date.clone().unwrap_or_else(|| "9999-12-31".into());
        (due, t.id.0)
    };
    Ok(Json(paging.page(rows, key)))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(board))
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(move_task))
        .routes(routes!(history))
        .routes(routes!(my_tasks))
}

const LABELS_MAX: usize = 20;
const LABEL_CHARS_MAX: usize = 32;
const ASSIGNEES_MAX: usize = 50;

fn due_before_start() -> ApiError {
    ApiError::from(crate::store::StoreError::Invalid {
        code: "due_before_start",
        field: "due_date",
    })
}

/// An optional ISO calendar date `YYYY-MM-DD` (a real day: no 2월 30일); blank clears.
fn date(c: &mut Check, field: &str, value: &mut Option<String>) {
    if let Some(v) = value {
        *v = v.trim().to_owned();
        if v.is_empty() {
            *value = None;
        } else if !is_iso_date(v) {
            c.fail(
                field,
                "YYYY-MM-DD 형식의 올바른 날짜여야 합니다.",
                "Must be a real date written YYYY-MM-DD.",
            );
        }
    }
}

pub(crate) fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |from: usize, to: usize| {
        let part = &b[from..to];
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (Some(y), Some(m), Some(d)) = (num(0, 4), num(5, 7), num(8, 10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    y >= 1 && (1..=days).contains(&d)
}

/// Labels: trimmed, 1–32 printable characters each, at most 20, duplicates dropped (the
/// first spelling kept, order kept).
fn labels(c: &mut Check, labels: &mut Vec<String>) {
    let mut out: Vec<String> = Vec::with_capacity(labels.len());
    for l in labels.iter() {
        let l = l.trim();
        let bad =
            l.is_empty() || l.chars().count() > LABEL_CHARS_MAX || l.chars().any(char::is_control);
        if bad {
            c.fail(
                "labels",
                "라벨은 1~32자의 글자여야 합니다.",
                "Each label is 1 to 32 printable characters.",
            );
            return;
        }
        if !out.iter().any(|o| o == l) {
            out.push(l.to_owned());
        }
    }
    if out.len() > LABELS_MAX {
        c.fail("labels", "라벨은 20개까지입니다.", "At most 20 labels.");
    }
    *labels = out;
}

/// Assignees: de-duplicated, in id order, at most 50.
fn assignees(c: &mut Check, ids: &mut Vec<crate::auth::AccountId>) {
    ids.sort();
    ids.dedup();
    if ids.len() > ASSIGNEES_MAX {
        c.fail(
            "assignees",
            "담당자는 50명까지입니다.",
            "At most 50 assignees.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_real_days() {
        for ok in ["2025-01-31", "2024-02-29", "2000-02-29", "0001-01-01"] {
            assert!(is_iso_date(ok), "{ok}");
        }
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "2025-1-01",
            "2025/01/01",
            "20250101",
            "2025-01-01T00",
            "",
            "0000-01-01",
            "২০২৫-০১-০১",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }

    #[test]
    fn labels_are_trimmed_and_deduplicated() {
        let mut c = Check::default();
        let mut l = vec![" 예산 ".into(), "예산".into(), "urgent".into()];
        labels(&mut c, &mut l);
        assert!(c.finish().is_ok());
        assert_eq!(l, ["예산", "urgent"]);
        let mut c = Check::default();
        labels(&mut c, &mut vec!["  ".into()]);
        assert!(c.finish().is_err());
    }
}
