//! Handlers for the per-agency catalogues of positions (`/agencies/{id}/positions`,
//! `/positions/{id}`) and grades (`/agencies/{id}/grades`, `/grades/{id}`). Both families
//! have the same rules, so one macro writes the handlers of each, over the generic store
//! queries. Reads need `directory:read`; writes `directory:write` and the agency's admin.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, IfMatch, with_etag};
use crate::model::{AgencyId, CatalogueEntryPatch, Grade, NewCatalogueEntry, Position};
use crate::store::Catalogue;
use crate::validate::Check;

const NAME_MAX: usize = 100;

/// A whole catalogue: short lists that are shown as one menu.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CatalogueList<T> {
    items: Vec<T>,
}

fn check_new(new: &mut NewCatalogueEntry) -> Result<(), ApiError> {
    let mut c = Check::default();
    c.text("name_ko", &mut new.name_ko, NAME_MAX, true);
    c.text("name_en", &mut new.name_en, NAME_MAX, false);
    c.finish()
}

fn check_patch(p: &mut CatalogueEntryPatch) -> Result<(), ApiError> {
    let mut c = Check::default();
    if let Some(v) = &mut p.name_ko {
        c.text("name_ko", v, NAME_MAX, true);
    }
    if let Some(v) = &mut p.name_en {
        c.text("name_en", v, NAME_MAX, false);
    }
    c.finish()
}

async fn list<C: Catalogue>(
    st: &AppState,
    actor: &Actor,
    agency: AgencyId,
) -> Result<Vec<C>, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    Ok(st.store.list_catalogue::<C>(agency).await?)
}

async fn create<C: Catalogue + Serialize>(
    st: &AppState,
    actor: &Actor,
    agency: AgencyId,
    mut new: NewCatalogueEntry,
    path: &str,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_agency_admin(agency)?;
    check_new(&mut new)?;
    let entry: C = st.store.create_catalogue_entry(actor, agency, &new).await?;
    let v = serde_json::to_value(&entry).unwrap_or_default();
    Ok(created(
        format!("/api/v1/{path}/{}", v["id"]),
        v["version"].as_i64().unwrap_or(1),
        v,
    ))
}

async fn get_one<C: Catalogue + Serialize>(
    st: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let entry: C = st.store.get_catalogue_entry(id).await?;
    Ok(with_etag(entry.version(), entry))
}

async fn update<C: Catalogue + Serialize>(
    st: &AppState,
    actor: &Actor,
    id: i64,
    version: i64,
    mut patch: CatalogueEntryPatch,
) -> Result<Response, ApiError> {
    authorise::<C>(st, actor, id).await?;
    check_patch(&mut patch)?;
    let entry: C = st
        .store
        .update_catalogue_entry(actor, id, version, &patch)
        .await?;
    Ok(with_etag(entry.version(), entry))
}

async fn delete<C: Catalogue>(
    st: &AppState,
    actor: &Actor,
    id: i64,
    version: i64,
) -> Result<StatusCode, ApiError> {
    authorise::<C>(st, actor, id).await?;
    st.store
        .delete_catalogue_entry::<C>(actor, id, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Writes need the entry's agency's admin; an entry never changes agency.
async fn authorise<C: Catalogue>(st: &AppState, actor: &Actor, id: i64) -> Result<(), ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    let current: C = st.store.get_catalogue_entry(id).await?;
    actor.require_agency_admin(current.agency())
}

/// The five handlers of one catalogue, with their OpenAPI paths.
macro_rules! catalogue_routes {
    ($m:ident, $ty:ident, $plural:literal, $many:literal, $one:literal) => {
        mod $m {
            use super::*;

            #[utoipa::path(get, path = $many, tag = "directory",
                params(("id" = i64, Path, description = "Agency id")),
                responses((status = 200, description = "The agency's whole catalogue, by sort_order then id", body = CatalogueList<$ty>)))]
            pub async fn list_all(State(st): State<AppState>, actor: Actor, ApiPath(agency): ApiPath<AgencyId>) -> Result<Json<CatalogueList<$ty>>, ApiError> {
                Ok(Json(CatalogueList { items: list::<$ty>(&st, &actor, agency).await? }))
            }

            #[utoipa::path(post, path = $many, tag = "directory",
                params(("id" = i64, Path, description = "Agency id")),
                request_body = NewCatalogueEntry,
                responses((status = 201, description = "Created; Location and ETag headers", body = $ty)))]
            pub async fn create_one(State(st): State<AppState>, actor: Actor, ApiPath(agency): ApiPath<AgencyId>, ApiJson(new): ApiJson<NewCatalogueEntry>) -> Result<Response, ApiError> {
                create::<$ty>(&st, &actor, agency, new, $plural).await
            }

            #[utoipa::path(get, path = $one, tag = "directory",
                params(("id" = i64, Path, description = "Numeric id")),
                responses((status = 200, description = "The entry; ETag header", body = $ty)))]
            pub async fn get_entry(State(st): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> Result<Response, ApiError> {
                get_one::<$ty>(&st, &actor, id).await
            }

            #[utoipa::path(patch, path = $one, tag = "directory",
                params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
                request_body = CatalogueEntryPatch,
                responses((status = 200, description = "Updated; new ETag. A new name_ko is copied to the employees that refer to it", body = $ty)))]
            pub async fn update_entry(State(st): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, IfMatch(version): IfMatch, ApiJson(patch): ApiJson<CatalogueEntryPatch>) -> Result<Response, ApiError> {
                update::<$ty>(&st, &actor, id, version, patch).await
            }

            #[utoipa::path(delete, path = $one, tag = "directory",
                params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
                responses((status = 204, description = "Deleted; employees keep the text but lose the link")))]
            pub async fn delete_entry(State(st): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, IfMatch(version): IfMatch) -> Result<StatusCode, ApiError> {
                delete::<$ty>(&st, &actor, id, version).await
            }
        }
    };
}

catalogue_routes!(
    position_routes,
    Position,
    "positions",
    "/agencies/{id}/positions",
    "/positions/{id}"
);
catalogue_routes!(
    grade_routes,
    Grade,
    "grades",
    "/agencies/{id}/grades",
    "/grades/{id}"
);

pub(super) fn routes() -> OpenApiRouter<AppState> {
    use grade_routes as g;
    use position_routes as p;
    OpenApiRouter::new()
        .routes(routes!(p::list_all, p::create_one))
        .routes(routes!(p::get_entry, p::update_entry, p::delete_entry))
        .routes(routes!(g::list_all, g::create_one))
        .routes(routes!(g::get_entry, g::update_entry, g::delete_entry))
}
