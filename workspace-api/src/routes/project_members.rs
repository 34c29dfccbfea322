//! Handlers for a project's members (`/projects/{id}/members`) and its board columns
//! (`/projects/{id}/columns`). Leads manage both; a member may also remove themselves.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use crate::auth::{AccountId, Scope};
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::{
    BoardColumn, ColumnPatch, MemberPatch, NewColumn, NewMember, ProjectId, ProjectMember,
};
use crate::paging::{self, Page};
use crate::validate::Check;

const COLUMN_NAME_MAX: usize = 50;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MemberListParams {
    cursor: Option<String>,
    limit: Option<i64>,
}

/// The board's columns, left to right.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ColumnList {
    items: Vec<BoardColumn>,
}

#[utoipa::path(
    get,
    path = "/projects/{id}/members",
    tag = "projects",
    params(("id" = i64, Path, description = "Project id"), MemberListParams),
    responses((status = 200, description = "One page of members, by account id", body = Page<ProjectMember>))
)]
pub async fn list_members(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
    ApiQuery(p): ApiQuery<MemberListParams>,
) -> Result<Json<Page<ProjectMember>>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let limit = paging::limit(p.limit)?;
    let scope = format!("members:{id}");
    let after = p
        .cursor
        .as_deref()
        .map(|c| paging::decode_cursor::<AccountId>(&scope, c))
        .transpose()?;
    let rows = st.store.list_members(&actor, id, after, limit + 1).await?;
    Ok(Json(paging::page(
        rows,
        limit,
        &scope,
        |m| m.account_id,
        |m| m,
    )))
}

/// `POST /projects/{id}/members` (leads): a person of any agency, with a role.
#[utoipa::path(
    post,
    path = "/projects/{id}/members",
    tag = "projects",
    params(("id" = i64, Path, description = "Project id")),
    request_body = NewMember,
    responses((status = 201, description = "Added; Location and ETag headers", body = ProjectMember))
)]
pub async fn add_member(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(new): ApiJson<NewMember>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let m = st.store.add_member(&actor, id, &new).await?;
    let location = format!("/api/v1/projects/{id}/members/{}", m.account_id);
    Ok(created(location, m.version, m))
}

/// `PATCH /projects/{id}/members/{account_id}` (leads): change the role.
#[utoipa::path(
    patch,
    path = "/projects/{id}/members/{account_id}",
    tag = "projects",
    params(
        ("id" = i64, Path, description = "Project id"),
        ("account_id" = i64, Path, description = "Member's account id"),
        ("If-Match" = String, Header, description = "The membership's ETag last read")
    ),
    request_body = MemberPatch,
    responses((status = 200, description = "Updated; new ETag", body = ProjectMember))
)]
pub async fn update_member(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath((id, account)): ApiPath<(ProjectId, AccountId)>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<MemberPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let m = st
        .store
        .update_member(&actor, id, account, version, patch.role)
        .await?;
    Ok(with_etag(m.version, m))
}

/// `DELETE /projects/{id}/members/{account_id}` (leads, or the member leaving).
#[utoipa::path(
    delete,
    path = "/projects/{id}/members/{account_id}",
    tag = "projects",
    params(
        ("id" = i64, Path, description = "Project id"),
        ("account_id" = i64, Path, description = "Member's account id"),
        ("If-Match" = String, Header, description = "The membership's ETag last read")
    ),
    responses((status = 204, description = "Removed, with their task assignments"))
)]
pub async fn remove_member(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath((id, account)): ApiPath<(ProjectId, AccountId)>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    st.store.remove_member(&actor, id, account, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/projects/{id}/columns",
    tag = "tasks",
    params(("id" = i64, Path, description = "Project id")),
    responses((status = 200, description = "The board's columns, left to right", body = ColumnList))
)]
pub async fn list_columns(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
) -> Result<Json<ColumnList>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let items = st.store.list_columns(&actor, id).await?;
    Ok(Json(ColumnList { items }))
}

/// `POST /projects/{id}/columns` (leads): a column at the right end.
#[utoipa::path(
    post,
    path = "/projects/{id}/columns",
    tag = "tasks",
    params(("id" = i64, Path, description = "Project id")),
    request_body = NewColumn,
    responses((status = 201, description = "Added; Location and ETag headers", body = BoardColumn))
)]
pub async fn add_column(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(mut new): ApiJson<NewColumn>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    c.code("key", &mut new.key);
    c.text("name", &mut new.name, COLUMN_NAME_MAX, true);
    c.finish()?;
    let col = st.store.add_column(&actor, id, &new).await?;
    let location = format!("/api/v1/projects/{id}/columns/{}", col.key);
    Ok(created(location, col.version, col))
}

/// `PATCH /projects/{id}/columns/{key}` (leads): rename, mark done, reorder.
#[utoipa::path(
    patch,
    path = "/projects/{id}/columns/{key}",
    tag = "tasks",
    params(
        ("id" = i64, Path, description = "Project id"),
        ("key" = String, Path, description = "Column key"),
        ("If-Match" = String, Header, description = "The column's ETag last read")
    ),
    request_body = ColumnPatch,
    responses((status = 200, description = "Updated; new ETag", body = BoardColumn))
)]
pub async fn update_column(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath((id, key)): ApiPath<(ProjectId, String)>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<ColumnPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    if let Some(v) = &mut patch.name {
        c.text("name", v, COLUMN_NAME_MAX, true);
    }
    c.finish()?;
    let col = st
        .store
        .update_column(&actor, id, &key, version, &patch)
        .await?;
    Ok(with_etag(col.version, col))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, add_member))
        .routes(routes!(update_member, remove_member))
        .routes(routes!(list_columns, add_column))
        .routes(routes!(update_column))
}
