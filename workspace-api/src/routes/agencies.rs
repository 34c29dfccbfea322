//! Handlers for agencies (`/agencies`, `/agencies/{id}`) and their unit trees
//! (`/agencies/{id}/units`, `/units/{id}`).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, etag_headers, with_etag};
use crate::model::{Agency, AgencyId, AgencyPatch, NewAgency, NewUnit, Unit, UnitId, UnitPatch};
use crate::paging::{self, Page};
use crate::validate::Check;

const NAME_MAX: usize = 100;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Unit lists are whole trees; a page of a tree would be useless to draw.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitList {
    items: Vec<Unit>,
}

/// `201 Created` with `Location` and `ETag`.
pub(super) fn created<T: Serialize>(location: String, version: i64, body: T) -> Response {
    let mut res = (StatusCode::CREATED, etag_headers(version), Json(body)).into_response();
    if let Ok(v) = location.parse() {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

#[utoipa::path(
    get,
    path = "/agencies",
    tag = "directory",
    params(ListParams),
    responses((status = 200, description = "One page of agencies", body = Page<Agency>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Page<Agency>>, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let limit = paging::limit(p.limit)?;
    let after = p
        .cursor
        .as_deref()
        .map(|c| paging::decode_cursor::<AgencyId>("agencies", c))
        .transpose()?;
    let rows = st.store.list_agencies(after, limit + 1).await?;
    Ok(Json(paging::page(rows, limit, "agencies", |a| a.id, |a| a)))
}

#[utoipa::path(
    get,
    path = "/agencies/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The agency; ETag header", body = Agency))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AgencyId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let agency = st.store.get_agency(id).await?;
    Ok(with_etag(agency.version, agency))
}

#[utoipa::path(
    post,
    path = "/agencies",
    tag = "directory",
    request_body = NewAgency,
    responses((status = 201, description = "Created; Location and ETag headers", body = Agency))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewAgency>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_system_admin()?;
    let mut c = Check::default();
    c.code("code", &mut new.code);
    c.text("name_ko", &mut new.name_ko, NAME_MAX, true);
    c.text("name_en", &mut new.name_en, NAME_MAX, false);
    c.finish()?;
    let agency = st.store.create_agency(&actor, &new).await?;
    Ok(created(
        format!("/api/v1/agencies/{}", agency.id),
        agency.version,
        agency,
    ))
}

#[utoipa::path(
    patch,
    path = "/agencies/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = AgencyPatch,
    responses((status = 200, description = "Updated; new ETag", body = Agency))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AgencyId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<AgencyPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_agency_admin(id)?;
    let mut c = Check::default();
    if let Some(v) = &mut patch.name_ko {
        c.text("name_ko", v, NAME_MAX, true);
    }
    if let Some(v) = &mut patch.name_en {
        c.text("name_en", v, NAME_MAX, false);
    }
    c.finish()?;
    let agency = st.store.update_agency(&actor, id, version, &patch).await?;
    Ok(with_etag(agency.version, agency))
}

#[utoipa::path(
    get,
    path = "/agencies/{id}/units",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The whole unit tree of the agency", body = UnitList))
)]
pub async fn list_units(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AgencyId>,
) -> Result<Json<UnitList>, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    Ok(Json(UnitList {
        items: st.store.list_units(id).await?,
    }))
}

#[utoipa::path(
    get,
    path = "/units/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The unit; ETag header", body = Unit))
)]
pub async fn get_unit(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<UnitId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let unit = st.store.get_unit(id).await?;
    Ok(with_etag(unit.version, unit))
}

#[utoipa::path(
    post,
    path = "/agencies/{id}/units",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id")),
    request_body = NewUnit,
    responses((status = 201, description = "Created; Location and ETag headers", body = Unit))
)]
pub async fn create_unit(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(agency): ApiPath<AgencyId>,
    ApiJson(mut new): ApiJson<NewUnit>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_agency_admin(agency)?;
    let mut c = Check::default();
    c.text("name_ko", &mut new.name_ko, NAME_MAX, true);
    c.text("name_en", &mut new.name_en, NAME_MAX, false);
    c.finish()?;
    let unit = st.store.create_unit(&actor, agency, &new).await?;
    Ok(created(
        format!("/api/v1/units/{}", unit.id),
        unit.version,
        unit,
    ))
}

#[utoipa::path(
    patch,
    path = "/units/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = UnitPatch,
    responses((status = 200, description = "Updated (renamed or moved); new ETag", body = Unit))
)]
pub async fn update_unit(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<UnitId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<UnitPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    // A unit never changes agency, so the agency read here is the one the write touches.
    let current = st.store.get_unit(id).await?;
    actor.require_agency_admin(current.agency_id)?;
    let mut c = Check::default();
    if let Some(v) = &mut patch.name_ko {
        c.text("name_ko", v, NAME_MAX, true);
    }
    if let Some(v) = &mut patch.name_en {
        c.text("name_en", v, NAME_MAX, false);
    }
    c.finish()?;
    let unit = st.store.update_unit(&actor, id, version, &patch).await?;
    Ok(with_etag(unit.version, unit))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, update_unit))
}
