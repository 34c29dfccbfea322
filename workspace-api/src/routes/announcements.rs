//! Handlers for the bulletin board (`/announcements`, `/announcements/{id}`) and its read
//! acknowledgements (`/announcements/{id}/ack`, `/announcements/{id}/acks`). Posting rights
//! and visibility are decided by the store (see `store/announcements.rs`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use super::memos::check_body;
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::{
    Ack, Announcement, AnnouncementId, AnnouncementPatch, AnnouncementScope, NewAnnouncement,
};
use crate::paging::{self, Page, PageRequest};
use crate::store::{AnnouncementQuery, now_ms};
use crate::validate::Check;

const TITLE_MAX: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementListParams {
    /// Also list expired announcements the caller posted or administers.
    include_expired: Option<bool>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AckListParams {
    cursor: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/announcements",
    tag = "announcements",
    params(AnnouncementListParams),
    responses((status = 200, description = "Announcements the caller may see, pinned first, then newest first", body = Page<Announcement>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<AnnouncementListParams>,
) -> Result<Json<Page<Announcement>>, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let limit = paging::limit(p.limit)?;
    let include_expired = p.include_expired.unwrap_or(false);
    let scope = format!("announcements?expired={include_expired}");
    let after = p
        .cursor
        .as_deref()
        .map(|c| paging::decode_cursor::<(i64, i64)>(&scope, c))
        .transpose()?;
    let query = AnnouncementQuery {
        include_expired,
        after,
        limit: limit + 1,
    };
    let rows = st.store.list_announcements(who, &query).await?;
    Ok(Json(paging::page(
        rows,
        limit,
        &scope,
        |a| (i64::from(a.pinned), a.id.0),
        |a| a,
    )))
}

#[utoipa::path(
    get,
    path = "/announcements/{id}",
    tag = "announcements",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The announcement; ETag header", body = Announcement))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AnnouncementId>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let a = st.store.get_announcement(who, id).await?;
    Ok(with_etag(a.version, a))
}

#[utoipa::path(
    post,
    path = "/announcements",
    tag = "announcements",
    request_body = NewAnnouncement,
    responses((status = 201, description = "Posted; Location and ETag headers", body = Announcement))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewAnnouncement>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    check_scope(&mut c, &new);
    c.text("title", &mut new.title, TITLE_MAX, true);
    check_body(&mut c, "body", &new.body);
    if new.expires_ms.is_some_and(|e| e <= now_ms()) {
        c.fail(
            "expires_ms",
            "만료 시각은 미래여야 합니다.",
            "The expiry must lie in the future.",
        );
    }
    c.finish()?;
    let a = st.store.create_announcement(&actor, who, &new).await?;
    Ok(created(
        format!("/api/v1/announcements/{}", a.id),
        a.version,
        a,
    ))
}

/// `agency_id` exactly for scope `agency`, `project_id` exactly for scope `project`.
fn check_scope(c: &mut Check, new: &NewAnnouncement) {
    let (agency, project) = match new.scope {
        AnnouncementScope::Everyone => (false, false),
        AnnouncementScope::Agency => (true, false),
        AnnouncementScope::Project => (false, true),
    };
    for (field, wanted, given) in [
        ("agency_id", agency, new.agency_id.is_some()),
        ("project_id", project, new.project_id.is_some()),
    ] {
        if wanted && !given {
            c.fail(field, "이 범위에는 필수입니다.", "Required for this scope.");
        } else if given && !wanted {
            c.fail(
                field,
                "이 범위에는 쓸 수 없습니다.",
                "Not allowed for this scope.",
            );
        }
    }
}

#[utoipa::path(
    patch,
    path = "/announcements/{id}",
    tag = "announcements",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = AnnouncementPatch,
    responses((status = 200, description = "Updated (poster or an administrator of its scope); new ETag", body = Announcement))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AnnouncementId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<AnnouncementPatch>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    if let Some(t) = &mut patch.title {
        c.text("title", t, TITLE_MAX, true);
    }
    if let Some(b) = &patch.body {
        check_body(&mut c, "body", b);
    }
    if let Some(Some(e)) = patch.expires_ms
        && e <= 0
    {
        c.fail("expires_ms", "올바른 시각이 아닙니다.", "Not a valid time.");
    }
    c.finish()?;
    let a = st
        .store
        .update_announcement(&actor, who, id, version, &patch)
        .await?;
    Ok(with_etag(a.version, a))
}

#[utoipa::path(
    delete,
    path = "/announcements/{id}",
    tag = "announcements",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Deleted with its acknowledgements"))
)]
pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AnnouncementId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    st.store
        .delete_announcement(&actor, who, id, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/announcements/{id}/ack",
    tag = "announcements",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "Acknowledged (repeating is harmless); the announcement", body = Announcement))
)]
pub async fn ack(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AnnouncementId>,
) -> Result<Json<Announcement>, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    Ok(Json(st.store.ack_announcement(&actor, who, id).await?))
}

#[utoipa::path(
    get,
    path = "/announcements/{id}/acks",
    tag = "announcements",
    params(("id" = i64, Path, description = "Numeric id"), AckListParams),
    responses((status = 200, description = "Who acknowledged it, earliest first (poster and administrators)", body = Page<Ack>))
)]
pub async fn acks(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AnnouncementId>,
    ApiQuery(p): ApiQuery<AckListParams>,
) -> Result<Json<Page<Ack>>, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let scope = format!("acks:{id}");
    let paging = PageRequest::<(i64, i64)>::new(scope, p.cursor.as_deref(), p.limit)?;
    let rows = st
        .store
        .list_acks(who, id, paging.after, paging.fetch())
        .await?;
    Ok(Json(paging.page(rows, |k| (k.acked_ms, k.account_id.0))))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(ack))
        .routes(routes!(acks))
}
