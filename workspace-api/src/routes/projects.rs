//! Handlers for joint projects: `/projects` (list, create), `/projects/{id}` (read, change)
//! and its participating agencies (`/projects/{id}/agencies`). Members and board columns are
//! in `project_members.rs`, tasks in `tasks.rs`.
//!
//! Reads need `workspace:read`, writes `workspace:write`. A project the caller cannot see
//! is 404 `project_not_found`; one they see but may not change is 403 `forbidden`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use crate::auth::{Role, Scope};
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::{AgencyId, NewProject, NewProjectAgency, Project, ProjectId, ProjectPatch};
use crate::paging::{self, Page};
use crate::store::{ProjectFilter, StoreError};
use crate::validate::Check;

pub(super) const NAME_MAX: usize = 200;
pub(super) const DESCRIPTION_MAX: usize = 10_000;
/// At most this many participating agencies in one request.
const AGENCIES_MAX: usize = 50;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProjectListParams {
    /// Projects this agency leads or takes part in.
    agency: Option<AgencyId>,
    /// `true`: only projects I am a member of.
    mine: Option<bool>,
    /// `true`: only archived projects; `false`: only active ones.
    archived: Option<bool>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /projects`: projects the caller may see, newest first.
#[utoipa::path(
    get,
    path = "/projects",
    tag = "projects",
    params(ProjectListParams),
    responses((status = 200, description = "One page of visible projects, newest first", body = Page<Project>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<ProjectListParams>,
) -> Result<Json<Page<Project>>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let limit = paging::limit(p.limit)?;
    let filter = ProjectFilter {
        agency: p.agency,
        mine: p.mine.unwrap_or(false),
        archived: p.archived,
    };
    let scope = format!(
        "projects:{:?}:{}:{:?}",
        filter.agency.map(|a| a.0),
        filter.mine,
        filter.archived
    );
    let before = p
        .cursor
        .as_deref()
        .map(|c| paging::decode_cursor::<ProjectId>(&scope, c))
        .transpose()?;
    if let Some(agency) = filter.agency {
        st.store.get_agency(agency).await?;
    }
    let rows = st
        .store
        .list_projects(&actor, filter, before, limit + 1)
        .await?;
    Ok(Json(paging::page(rows, limit, &scope, |p| p.id, |p| p)))
}

/// The agency a new project is led by: the creator's own, or for a system administrator
/// any agency named in the request.
fn lead_agency(actor: &Actor, requested: Option<AgencyId>) -> Result<AgencyId, ApiError> {
    let admin = matches!(actor.role(), None | Some(Role::SystemAdmin));
    let own = actor.principal().and_then(|p| p.agency);
    match (requested, own) {
        (Some(a), _) if admin => Ok(a),
        (Some(a), Some(o)) if a == o => Ok(a),
        (None, Some(o)) => Ok(o),
        (None, None) if admin => Err(ApiError::validation(
            "lead_agency_id",
            "주관 기관을 지정하세요.",
            "Name the lead agency (your account has none).",
        )),
        _ => Err(StoreError::forbidden("lead_agency").into()),
    }
}

/// `POST /projects`: a project led by the caller's agency; the caller becomes its lead.
#[utoipa::path(
    post,
    path = "/projects",
    tag = "projects",
    request_body = NewProject,
    responses((status = 201, description = "Created with the default columns; Location and ETag headers", body = Project))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewProject>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    c.text("name_ko", &mut new.name_ko, NAME_MAX, true);
    c.text("name_en", &mut new.name_en, NAME_MAX, false);
    description(&mut c, &mut new.description);
    if new.agency_ids.len() > AGENCIES_MAX {
        c.fail(
            "agency_ids",
            "참여 기관은 50개까지입니다.",
            "At most 50 agencies.",
        );
    }
    c.finish()?;
    let lead = lead_agency(&actor, new.lead_agency_id)?;
    let project = st.store.create_project(&actor, lead, &new).await?;
    Ok(created(
        format!("/api/v1/projects/{}", project.id),
        project.version,
        project,
    ))
}

/// A description may span lines (tabs and newlines), unlike names.
pub(super) fn description(c: &mut Check, value: &mut String) {
    *value = value.trim().to_owned();
    if value.chars().count() > DESCRIPTION_MAX {
        c.fail(
            "description",
            "10000자 이하로 입력하세요.",
            "At most 10000 characters.",
        );
    } else if value
        .chars()
        .any(|ch| ch.is_control() && ch != '\n' && ch != '\t')
    {
        c.fail(
            "description",
            "제어 문자는 쓸 수 없습니다.",
            "Control characters other than newlines and tabs are not allowed.",
        );
    }
}

#[utoipa::path(
    get,
    path = "/projects/{id}",
    tag = "projects",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The project; ETag header", body = Project))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let project = st.store.get_project(&actor, id).await?;
    Ok(with_etag(project.version, project))
}

/// `PATCH /projects/{id}` (leads): names, description, public, archived.
#[utoipa::path(
    patch,
    path = "/projects/{id}",
    tag = "projects",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = ProjectPatch,
    responses((status = 200, description = "Updated; new ETag", body = Project))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<ProjectPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    if let Some(v) = &mut patch.name_ko {
        c.text("name_ko", v, NAME_MAX, true);
    }
    if let Some(v) = &mut patch.name_en {
        c.text("name_en", v, NAME_MAX, false);
    }
    if let Some(v) = &mut patch.description {
        description(&mut c, v);
    }
    c.finish()?;
    let project = st.store.update_project(&actor, id, version, &patch).await?;
    Ok(with_etag(project.version, project))
}

/// `POST /projects/{id}/agencies` (leads): another participating agency.
#[utoipa::path(
    post,
    path = "/projects/{id}/agencies",
    tag = "projects",
    params(("id" = i64, Path, description = "Numeric id")),
    request_body = NewProjectAgency,
    responses((status = 200, description = "The project with the agency added; new ETag", body = Project))
)]
pub async fn add_agency(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(new): ApiJson<NewProjectAgency>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    let project = st
        .store
        .add_project_agency(&actor, id, new.agency_id)
        .await?;
    Ok(with_etag(project.version, project))
}

/// `DELETE /projects/{id}/agencies/{agency_id}` (leads) with the project's ETag.
#[utoipa::path(
    delete,
    path = "/projects/{id}/agencies/{agency_id}",
    tag = "projects",
    params(
        ("id" = i64, Path, description = "Project id"),
        ("agency_id" = i64, Path, description = "Agency id"),
        ("If-Match" = String, Header, description = "The project's ETag last read")
    ),
    responses((status = 204, description = "Removed"))
)]
pub async fn remove_agency(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath((id, agency)): ApiPath<(ProjectId, AgencyId)>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    st.store
        .remove_project_agency(&actor, id, version, agency)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(add_agency))
        .routes(routes!(remove_agency))
}
