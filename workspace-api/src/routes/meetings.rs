//! Handlers for meetings (`/meetings`, `/meetings/{id}`, `/me/meetings`) and their room
//! tokens (`/meetings/{id}/join`); guest links are in `guest_links.rs`.
//!
//! A room token is issued only to the organiser, the attendees and the members of the
//! meeting's project, while the meeting is neither cancelled nor over; others who cannot see
//! the meeting get 404. A guest link's secret lets someone without an account in: it is the
//! credential, so `/guest/join` needs no sign-in. Each token issued leaves an audit row.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use super::rooms::check_range;
use crate::auth::{AccountId, Principal, Scope};
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::{Meeting, MeetingId, MeetingPatch, MyMeetings, NewMeeting, RoomTicket};
use crate::paging::{Page, PageRequest};
use crate::store::{Entity, StoreError, now_ms};
use crate::validate::Check;

const TITLE_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 2000;
const ATTENDEES_MAX: usize = 500;
const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeetingListParams {
    /// Meetings ending after this (Unix ms); no lower bound when absent.
    from: Option<i64>,
    /// Meetings starting before this (Unix ms); no upper bound when absent.
    to: Option<i64>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MyMeetingsParams {
    /// The caller's UTC offset in minutes, which decides where "today" starts; 540 (KST)
    /// when absent.
    #[param(minimum = -720, maximum = 840)]
    tz_offset_min: Option<i64>,
}

/// Multi-line free text: trimmed, tabs and line feeds allowed, other control characters not.
fn check_description(c: &mut Check, value: &mut String) {
    *value = value.trim().to_owned();
    if value.chars().count() > DESCRIPTION_MAX {
        c.fail(
            "description",
            "2000자 이하로 입력하세요.",
            "At most 2000 characters.",
        );
    } else if value
        .chars()
        .any(|ch| ch.is_control() && ch != '\n' && ch != '\t')
    {
        let en = "Control characters are not allowed.";
        c.fail("description", "제어 문자는 쓸 수 없습니다.", en);
    }
}

/// Drops duplicates and the organiser (who attends anyway), keeping the given order.
fn check_attendees(c: &mut Check, list: &mut Vec<AccountId>, organiser: AccountId) {
    let mut seen = Vec::with_capacity(list.len());
    list.retain(|a| {
        *a != organiser && !seen.contains(a) && {
            seen.push(*a);
            true
        }
    });
    if list.len() > ATTENDEES_MAX {
        c.fail(
            "attendees",
            "참석자는 500명까지입니다.",
            "At most 500 attendees.",
        );
    }
}

fn check_future(c: &mut Check, end_ms: i64) {
    if end_ms <= now_ms() {
        let en = "That time is already over; a room cannot be booked for it.";
        c.fail(
            "end_ms",
            "이미 지난 시간은 회의실을 예약할 수 없습니다.",
            en,
        );
    }
}

#[utoipa::path(
    get,
    path = "/meetings",
    operation_id = "list_meetings",
    tag = "meetings",
    params(MeetingListParams),
    responses((status = 200, description = "My meetings (organised, attended, or of my projects) intersecting [from, to), by start; cancelled ones left out", body = Page<Meeting>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<MeetingListParams>,
) -> Result<Json<Page<Meeting>>, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let (from, to) = (p.from.unwrap_or(i64::MIN), p.to.unwrap_or(i64::MAX));
    if to <= from {
        return Err(ApiError::invalid_query("`to` must be after `from`."));
    }
    let scope = format!("meetings:{from}:{to}");
    let paging = PageRequest::<(i64, i64)>::new(scope, p.cursor.as_deref(), p.limit)?;
    let rows = st
        .store
        .list_meetings(who, (from, to), paging.after, paging.fetch())
        .await?;
    let key = |m: &Meeting| (m.start_ms, m.id.0);
    Ok(Json(paging.page(rows, key)))
}

#[utoipa::path(
    get,
    path = "/me/meetings",
    operation_id = "my_meetings",
    tag = "meetings",
    params(MyMeetingsParams),
    responses((status = 200, description = "Today's meetings and the next ten after today, for the home screen", body = MyMeetings))
)]
pub async fn mine(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<MyMeetingsParams>,
) -> Result<Json<MyMeetings>, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let offset = p.tz_offset_min.unwrap_or(540);
    if !(-720..=840).contains(&offset) {
        return Err(ApiError::invalid_query(
            "tz_offset_min must be between -720 and 840.",
        ));
    }
    let offset_ms = offset * 60 * 1000;
    let day_start = (now_ms() + offset_ms).div_euclid(DAY_MS) * DAY_MS - offset_ms;
    let today = (day_start, day_start + DAY_MS);
    Ok(Json(st.store.my_meetings(who, today, 10).await?))
}

#[utoipa::path(
    post,
    path = "/meetings",
    operation_id = "create_meeting",
    tag = "meetings",
    request_body = NewMeeting,
    responses((status = 201, description = "Scheduled (with its room booking, if asked); Location and ETag headers. A taken room is 409 `booking_overlap` and no meeting is made", body = Meeting))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewMeeting>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    c.text("title", &mut new.title, TITLE_MAX, true);
    check_description(&mut c, &mut new.description);
    check_range(&mut c, new.start_ms, new.end_ms);
    check_attendees(&mut c, &mut new.attendees, who.account);
    if new.room_id.is_some() {
        check_future(&mut c, new.end_ms);
    }
    c.finish()?;
    let meeting = st.store.create_meeting(&actor, who, &new).await?;
    let location = format!("/api/v1/meetings/{}", meeting.id);
    Ok(created(location, meeting.version, meeting))
}

#[utoipa::path(
    get,
    path = "/meetings/{id}",
    operation_id = "get_meeting",
    tag = "meetings",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The meeting; ETag header", body = Meeting))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MeetingId>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let (meeting, _) = st.store.meeting_for(who, id).await?;
    Ok(with_etag(meeting.version, meeting))
}

#[utoipa::path(
    patch,
    path = "/meetings/{id}",
    operation_id = "update_meeting",
    tag = "meetings",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = MeetingPatch,
    responses((status = 200, description = "Updated by the organiser; new ETag", body = Meeting))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MeetingId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<MeetingPatch>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    if let Some(title) = &mut patch.title {
        c.text("title", title, TITLE_MAX, true);
    }
    if let Some(description) = &mut patch.description {
        check_description(&mut c, description);
    }
    // The merged range is checked by the store, which knows the unchanged end.
    for (field, value) in [("start_ms", patch.start_ms), ("end_ms", patch.end_ms)] {
        if value.is_some_and(|v| !(0..=crate::model::MAX_MS).contains(&v)) {
            c.fail(field, "올바른 시각이 아닙니다.", "Not a valid time.");
        }
    }
    if let Some(list) = &mut patch.attendees {
        check_attendees(&mut c, list, who.account);
    }
    c.finish()?;
    let meeting = st
        .store
        .update_meeting(&actor, who, id, version, &patch)
        .await?;
    Ok(with_etag(meeting.version, meeting))
}

#[utoipa::path(
    delete,
    path = "/meetings/{id}",
    operation_id = "cancel_meeting",
    tag = "meetings",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Cancelled by the organiser; its room booking is released"))
)]
pub async fn cancel(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MeetingId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    st.store.cancel_meeting(&actor, who, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A meeting one may be let into now: not cancelled, not over.
pub(super) fn joinable(meeting: &Meeting) -> Result<(), ApiError> {
    if meeting.cancelled_ms.is_some() {
        return Err(StoreError::Cancelled(Entity::Meeting).into());
    }
    if meeting.end_ms <= now_ms() {
        return Err(StoreError::StateConflict(
            "meeting_ended",
            "이미 끝난 회의입니다.",
            "The meeting is over.",
        )
        .into());
    }
    Ok(())
}

/// Signs a room token for the meeting's video room and audits it.
pub(super) async fn ticket(
    st: &AppState,
    meeting: &Meeting,
    identity: &str,
    name: &str,
) -> Result<RoomTicket, ApiError> {
    let tokens = &st.room_tokens;
    let issuer = tokens
        .issuer
        .as_ref()
        .ok_or_else(ApiError::room_tokens_unavailable)?;
    let token = issuer
        .issue(&meeting.video_room, identity, name, tokens.ttl)
        .map_err(|e| {
            tracing::error!(error = %e, "room token issuer failed");
            ApiError::room_tokens_unavailable()
        })?;
    st.store.record_room_token(identity, meeting, name).await?;
    let ttl_ms = i64::try_from(tokens.ttl.as_millis()).unwrap_or(i64::MAX);
    Ok(RoomTicket {
        url: format!("/m/{}?token={token}", meeting.video_room),
        room: meeting.video_room.clone(),
        token,
        expires_ms: now_ms().saturating_add(ttl_ms),
    })
}

async fn display_name(st: &AppState, who: &Principal) -> Result<String, ApiError> {
    let account = st.store.get_account(who.account).await?;
    let name = account.display_name.trim();
    Ok(if name.is_empty() {
        who.login.clone()
    } else {
        name.to_owned()
    })
}

#[utoipa::path(
    post,
    path = "/meetings/{id}/join",
    operation_id = "join_meeting",
    tag = "meetings",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "A short-lived room token for the organiser, an attendee or a project member", body = RoomTicket))
)]
pub async fn join(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MeetingId>,
) -> Result<Json<RoomTicket>, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let (meeting, standing) = st.store.meeting_for(who, id).await?;
    if !standing.may_join() {
        return Err(StoreError::Forbidden {
            ko: "회의 참석자만 입장할 수 있습니다.",
            en: "Only the organiser, attendees and project members may join.",
        }
        .into());
    }
    joinable(&meeting)?;
    let name = display_name(&st, who).await?;
    let identity = format!("account:{}", who.account);
    Ok(Json(ticket(&st, &meeting, &identity, &name).await?))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, cancel))
        .routes(routes!(mine))
        .routes(routes!(join))
}
