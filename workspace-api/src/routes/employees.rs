//! Handlers for the directory: `/employees` (search, create) and `/employees/{id}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, etag_headers};
use crate::model::{AgencyId, Employee, EmployeeId, EmployeePatch, NewEmployee};
use crate::paging::{self, Page};
use crate::store::SearchQuery;
use crate::validate::{self, Check};

const NAME_MAX: usize = 100;
const FIELD_MAX: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    q: Option<String>,
    agency: Option<AgencyId>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /employees?q=&agency=&cursor=&limit=`.
#[utoipa::path(
    get,
    path = "/employees",
    tag = "directory",
    params(SearchParams),
    responses((status = 200, description = "Directory search results, best match first", body = Page<Employee>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<Page<Employee>>, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let limit = paging::limit(p.limit)?;
    let q =
        p.q.as_deref()
            .map(validate::search_text)
            .transpose()?
            .filter(|q| !q.is_empty());
    if let Some(agency) = p.agency {
        st.store.get_agency(agency).await?;
    }
    // The cursor only continues the query it came from.
    let scope = format!(
        "employees|{}|{}",
        q.as_deref().unwrap_or(""),
        p.agency.map_or(0, |a| a.0)
    );
    let after = p
        .cursor
        .as_deref()
        .map(|c| paging::decode_cursor::<(i64, String, i64)>(&scope, c))
        .transpose()?;
    // Cursors can be forged; a name no row can have (PostgreSQL refuses NUL) is not ours.
    if after
        .as_ref()
        .is_some_and(|(_, name, _)| name.chars().any(char::is_control))
    {
        return Err(ApiError::invalid_cursor());
    }
    let query = SearchQuery {
        q,
        agency: p.agency,
        after,
        limit: limit + 1,
    };
    let hits = st.store.search_employees(&query).await?;
    let key = |h: &crate::store::SearchHit| (h.rank, h.sort_name.clone(), h.employee.id.0);
    Ok(Json(paging::page(hits, limit, &scope, key, |h| h.employee)))
}

#[utoipa::path(
    get,
    path = "/employees/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The directory entry; ETag header", body = Employee))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<EmployeeId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let e = st.store.get_employee(id).await?;
    Ok((etag_headers(e.version), Json(e)).into_response())
}

#[utoipa::path(
    post,
    path = "/employees",
    tag = "directory",
    request_body = NewEmployee,
    responses((status = 201, description = "Created; Location and ETag headers", body = Employee))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewEmployee>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_agency_admin(new.agency_id)?;
    let mut c = Check::default();
    c.text("name_ko", &mut new.name_ko, NAME_MAX, true);
    c.text("name_en", &mut new.name_en, NAME_MAX, false);
    c.text("title", &mut new.title, FIELD_MAX, false);
    c.text("grade", &mut new.grade, FIELD_MAX, false);
    c.phone("office_phone", &mut new.office_phone);
    c.phone("mobile", &mut new.mobile);
    c.email("email", &mut new.email);
    c.opt_text("location", &mut new.location, FIELD_MAX);
    c.url("photo_url", &mut new.photo_url);
    c.finish()?;
    let e = st.store.create_employee(&actor, &new).await?;
    Ok(created(format!("/api/v1/employees/{}", e.id), e.version, e))
}

#[utoipa::path(
    patch,
    path = "/employees/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = EmployeePatch,
    responses((status = 200, description = "Updated; new ETag", body = Employee))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<EmployeeId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<EmployeePatch>,
) -> Result<Response, ApiError> {
    authorise_change(&st, &actor, id, version).await?;
    if let Some(agency) = patch.agency_id {
        actor.require_agency_admin(agency)?;
    }
    check_patch(&mut patch)?;
    let e = st
        .store
        .update_employee(&actor, id, version, &patch)
        .await?;
    Ok((etag_headers(e.version), Json(e)).into_response())
}

#[utoipa::path(
    delete,
    path = "/employees/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<EmployeeId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    authorise_change(&st, &actor, id, version).await?;
    st.store.delete_employee(&actor, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The actor must administer the employee's agency. The check reads the row, so it must be
/// the version the write will be conditioned on: otherwise a concurrent move to another
/// agency could slip between the check and the write. A different version is stale (412)
/// either way, so it is refused here without writing.
async fn authorise_change(
    st: &AppState,
    actor: &Actor,
    id: EmployeeId,
    version: i64,
) -> Result<(), ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    let current = st.store.get_employee(id).await?;
    actor.require_agency_admin(current.agency_id)?;
    if current.version != version {
        return Err(ApiError::precondition_failed());
    }
    Ok(())
}

fn check_patch(p: &mut EmployeePatch) -> Result<(), ApiError> {
    let mut c = Check::default();
    if let Some(v) = &mut p.name_ko {
        c.text("name_ko", v, NAME_MAX, true);
    }
    for (field, value, max) in [
        ("name_en", &mut p.name_en, NAME_MAX),
        ("title", &mut p.title, FIELD_MAX),
        ("grade", &mut p.grade, FIELD_MAX),
    ] {
        if let Some(v) = value {
            c.text(field, v, max, false);
        }
    }
    // `Some(None)` clears the field; `Some(Some(..))` is checked like on create.
    if let Some(v) = &mut p.office_phone {
        c.phone("office_phone", v);
    }
    if let Some(v) = &mut p.mobile {
        c.phone("mobile", v);
    }
    if let Some(v) = &mut p.email {
        c.email("email", v);
    }
    if let Some(v) = &mut p.location {
        c.opt_text("location", v, FIELD_MAX);
    }
    if let Some(v) = &mut p.photo_url {
        c.url("photo_url", v);
    }
    c.finish()
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}
