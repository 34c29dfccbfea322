//! Handlers for comments on tasks: `/tasks/{id}/comments` (list, add) and
//! `/comments/{id}` (read, edit own, delete own).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use super::projects::description;
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::{Comment, CommentBody, CommentId, TaskId};
use crate::paging::{self, Page};
use crate::validate::Check;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CommentListParams {
    cursor: Option<String>,
    limit: Option<i64>,
}

/// A comment body: like a description (lines allowed, at most 10,000 characters), but
/// never empty.
fn check_body(body: &mut CommentBody) -> Result<(), ApiError> {
    let mut c = Check::default();
    description(&mut c, &mut body.body);
    if body.body.is_empty() {
        c.fail("body", "필수 항목입니다.", "Required.");
    }
    let mut err = c.finish();
    if let Err(e) = &mut err {
        for f in &mut e.errors {
            f.field = "body".into();
        }
    }
    err
}

#[utoipa::path(
    get,
    path = "/tasks/{id}/comments",
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id"), CommentListParams),
    responses((status = 200, description = "Comments, oldest first", body = Page<Comment>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<TaskId>,
    ApiQuery(p): ApiQuery<CommentListParams>,
) -> Result<Json<Page<Comment>>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let limit = paging::limit(p.limit)?;
    let scope = format!("comments:{id}");
    let after = p
        .cursor
        .as_deref()
        .map(|c| paging::decode_cursor::<CommentId>(&scope, c))
        .transpose()?;
    let rows = st.store.list_comments(&actor, id, after, limit + 1).await?;
    Ok(Json(paging::page(rows, limit, &scope, |c| c.id, |c| c)))
}

/// `POST /tasks/{id}/comments` (members and leads).
#[utoipa::path(
    post,
    path = "/tasks/{id}/comments",
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = CommentBody,
    responses((status = 201, description = "Created; Location and ETag headers", body = Comment))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<TaskId>,
    ApiJson(mut body): ApiJson<CommentBody>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    check_body(&mut body)?;
    let comment = st.store.add_comment(&actor, id, &body.body).await?;
    Ok(created(
        format!("/api/v1/comments/{}", comment.id),
        comment.version,
        comment,
    ))
}

#[utoipa::path(
    get,
    path = "/comments/{id}",
    tag = "tasks",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The comment; ETag header", body = Comment))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<CommentId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let c = st.store.get_comment(&actor, id).await?;
    Ok(with_etag(c.version, c))
}

/// `PATCH /comments/{id}`: the author edits their comment.
#[utoipa::path(
    patch,
    path = "/comments/{id}",
    tag = "tasks",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = CommentBody,
    responses((status = 200, description = "Updated; new ETag", body = Comment))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<CommentId>,
    IfMatch(version): IfMatch,
    ApiJson(mut body): ApiJson<CommentBody>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    check_body(&mut body)?;
    let c = st
        .store
        .edit_comment(&actor, id, version, &body.body)
        .await?;
    Ok(with_etag(c.version, c))
}

/// `DELETE /comments/{id}`: the author (or a system administrator) deletes it.
#[utoipa::path(
    delete,
    path = "/comments/{id}",
    tag = "tasks",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<CommentId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    st.store.delete_comment(&actor, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}
