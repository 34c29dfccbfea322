//! Guest links of meetings: the organiser makes (`POST /meetings/{id}/guest-links`), lists
//! (`GET`, never with the secrets) and revokes (`DELETE /meetings/{id}/guest-links/{link_id}`)
//! them; whoever holds a live link's secret joins with `POST /guest/join` under a name of
//! their choosing, no sign-in needed (the secret is the credential). A revoked link answers
//! 410 `guest_link_revoked`, an expired one 410 `guest_link_expired`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::meetings::{joinable, ticket};
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery};
use crate::model::{GuestJoin, GuestLink, GuestLinkInfo, MeetingId, NewGuestLink, RoomTicket};
use crate::paging::{Page, PageRequest};
use crate::store::{Entity, StoreError, now_ms};
use crate::validate::Check;

const GUEST_NAME_MAX: usize = 64;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GuestLinkListParams {
    cursor: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/meetings/{id}/guest-links",
    operation_id = "list_guest_links",
    tag = "meetings",
    params(("id" = i64, Path, description = "Numeric id"), GuestLinkListParams),
    responses((status = 200, description = "The meeting's guest links, oldest first, without their secrets (organiser only)", body = Page<GuestLinkInfo>))
)]
pub async fn list_guest_links(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MeetingId>,
    ApiQuery(p): ApiQuery<GuestLinkListParams>,
) -> Result<Json<Page<GuestLinkInfo>>, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let paging =
        PageRequest::<i64>::new(format!("guest-links:{id}"), p.cursor.as_deref(), p.limit)?;
    let rows = st
        .store
        .list_guest_links(who, id, paging.after, paging.fetch())
        .await?;
    Ok(Json(paging.page(rows, |l| l.id)))
}

#[utoipa::path(
    delete,
    path = "/meetings/{id}/guest-links/{link_id}",
    operation_id = "revoke_guest_link",
    tag = "meetings",
    params(("id" = i64, Path, description = "Numeric id of the meeting"), ("link_id" = i64, Path, description = "Numeric id of the guest link")),
    responses((status = 204, description = "Revoked (organiser only); revoking again changes nothing"))
)]
pub async fn revoke_guest_link(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath((id, link)): ApiPath<(MeetingId, i64)>,
) -> Result<StatusCode, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    st.store.revoke_guest_link(&actor, who, id, link).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/meetings/{id}/guest-links",
    operation_id = "create_guest_link",
    tag = "meetings",
    params(("id" = i64, Path, description = "Numeric id")),
    request_body = NewGuestLink,
    responses((status = 201, description = "A guest link made by the organiser; its secret is shown only here", body = GuestLink))
)]
pub async fn create_guest_link(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MeetingId>,
    ApiJson(new): ApiJson<NewGuestLink>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    let hours = new.expires_in_hours.unwrap_or(24);
    if !(1..=720).contains(&hours) {
        return Err(ApiError::validation(
            "expires_in_hours",
            "1~720시간이어야 합니다.",
            "1 to 720 hours.",
        ));
    }
    let expires = now_ms() + hours * 3600 * 1000;
    let link = st.store.create_guest_link(&actor, who, id, expires).await?;
    Ok((StatusCode::CREATED, Json(link)).into_response())
}

#[utoipa::path(
    post,
    path = "/guest/join",
    operation_id = "guest_join",
    tag = "meetings",
    request_body = GuestJoin,
    security(()),
    responses((status = 200, description = "A short-lived room token for a guest holding a valid link", body = RoomTicket))
)]
pub async fn guest_join(
    State(st): State<AppState>,
    ApiJson(mut req): ApiJson<GuestJoin>,
) -> Result<Json<RoomTicket>, ApiError> {
    let mut c = Check::default();
    c.text("name", &mut req.name, GUEST_NAME_MAX, true);
    c.finish()?;
    // Secrets we make are 43 characters; anything much longer is not one of ours.
    if req.secret.len() > 128 {
        return Err(StoreError::NotFound(Entity::GuestLink).into());
    }
    let (link, meeting) = st.store.guest_link_meeting(&req.secret).await?;
    joinable(&meeting)?;
    let identity = format!("guest:{link}");
    Ok(Json(ticket(&st, &meeting, &identity, &req.name).await?))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_guest_links, create_guest_link))
        .routes(routes!(revoke_guest_link))
        .routes(routes!(guest_join))
}
