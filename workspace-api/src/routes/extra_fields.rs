//! Handlers for the hub-wide extra directory fields (`/extra-fields`, `/extra-fields/{id}`).
//! Everyone signed in reads them (clients draw forms from them); only system administrators
//! define, change or delete them, because every agency's entries share them.

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
use crate::model::{ExtraField, ExtraFieldId, ExtraFieldPatch, NewExtraField, valid_extra_key};
use crate::validate::Check;

const LABEL_MAX: usize = 100;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExtraFieldList {
    items: Vec<ExtraField>,
}

#[utoipa::path(
    get,
    path = "/extra-fields",
    tag = "directory",
    responses((status = 200, description = "Every extra field, by sort_order then id", body = ExtraFieldList))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
) -> Result<Json<ExtraFieldList>, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    Ok(Json(ExtraFieldList {
        items: st.store.list_extra_fields().await?,
    }))
}

#[utoipa::path(
    post,
    path = "/extra-fields",
    tag = "directory",
    request_body = NewExtraField,
    responses((status = 201, description = "Created; Location and ETag headers", body = ExtraField))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewExtraField>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_system_admin()?;
    let mut c = Check::default();
    new.key = new.key.trim().to_owned();
    if !valid_extra_key(&new.key) {
        c.fail(
            "key",
            "영문 소문자로 시작하고 영문 소문자, 숫자, '_'로 32자 이하여야 합니다.",
            "a-z first, then a-z, 0-9 and '_', at most 32.",
        );
    }
    c.text("label_ko", &mut new.label_ko, LABEL_MAX, true);
    c.text("label_en", &mut new.label_en, LABEL_MAX, false);
    c.finish()?;
    let field = st.store.create_extra_field(&actor, &new).await?;
    Ok(created(
        format!("/api/v1/extra-fields/{}", field.id),
        field.version,
        field,
    ))
}

#[utoipa::path(
    get,
    path = "/extra-fields/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The field; ETag header", body = ExtraField))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ExtraFieldId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let field = st.store.get_extra_field(id).await?;
    Ok(with_etag(field.version, field))
}

#[utoipa::path(
    patch,
    path = "/extra-fields/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = ExtraFieldPatch,
    responses((status = 200, description = "Updated; new ETag. Changing searchable reindexes the entries with a value", body = ExtraField))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ExtraFieldId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<ExtraFieldPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_system_admin()?;
    let mut c = Check::default();
    if let Some(v) = &mut patch.label_ko {
        c.text("label_ko", v, LABEL_MAX, true);
    }
    if let Some(v) = &mut patch.label_en {
        c.text("label_en", v, LABEL_MAX, false);
    }
    c.finish()?;
    let field = st
        .store
        .update_extra_field(&actor, id, version, &patch)
        .await?;
    Ok(with_etag(field.version, field))
}

#[utoipa::path(
    delete,
    path = "/extra-fields/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Deleted, with every value of it"))
)]
pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ExtraFieldId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_system_admin()?;
    st.store.delete_extra_field(&actor, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}
