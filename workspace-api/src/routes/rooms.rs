//! Handlers for conference rooms (`/rooms`, `/rooms/{id}`) and their bookings
//! (`/rooms/{id}/bookings`, `/bookings/{id}`). Every signed-in account sees every room and
//! its bookings (rooms are shared government facilities) and may book; a room is created and
//! changed by a system administrator or an administrator of the owning agency; a booking is
//! cancelled by whoever made it or by those administrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::{
    AgencyId, Booking, BookingId, ConferenceRoom, ConferenceRoomId, ConferenceRoomPatch, MAX_MS,
    MAX_SPAN_MS, NewBooking, NewConferenceRoom,
};
use crate::paging::{Page, PageRequest};
use crate::store::RoomFilter;
use crate::validate::Check;

const TEXT_MAX: usize = 100;
const EQUIPMENT_MAX: usize = 30;
const CAPACITY_MAX: i64 = 10_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoomListParams {
    /// Exact building/site, e.g. `국회 본관`.
    #[param(max_length = 100)]
    site: Option<String>,
    /// Rooms seating at least this many.
    min_capacity: Option<i64>,
    /// Rooms of this agency.
    agency_id: Option<i64>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BookingListParams {
    /// Start of the window (Unix ms, inclusive).
    #[param(example = 1_767_225_600_000_i64)]
    from: i64,
    /// End of the window (Unix ms, exclusive); after `from`.
    #[param(example = 1_767_830_400_000_i64)]
    to: i64,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `[start, end)`: within the calendar, end after start, at most [`MAX_SPAN_MS`] long.
pub(super) fn check_range(c: &mut Check, start: i64, end: i64) {
    if !(0..=MAX_MS).contains(&start) {
        c.fail("start_ms", "올바른 시각이 아닙니다.", "Not a valid time.");
    } else if end <= start {
        c.fail(
            "end_ms",
            "종료 시각은 시작 시각보다 뒤여야 합니다.",
            "The end must be after the start.",
        );
    } else if end > MAX_MS || end - start > MAX_SPAN_MS {
        c.fail("end_ms", "최대 7일까지입니다.", "At most 7 days long.");
    }
}

fn check_room_text(c: &mut Check, site: &mut String, name: &mut String, floor: &mut String) {
    c.text("site", site, TEXT_MAX, true);
    c.text("name", name, TEXT_MAX, true);
    c.text("floor", floor, TEXT_MAX, false);
}

fn check_capacity(c: &mut Check, capacity: i64) {
    if !(1..=CAPACITY_MAX).contains(&capacity) {
        c.fail("capacity", "1~10000명이어야 합니다.", "1 to 10000 people.");
    }
}

fn check_equipment(c: &mut Check, items: &mut [String]) {
    if items.len() > EQUIPMENT_MAX {
        c.fail("equipment", "장비는 30개까지입니다.", "At most 30 items.");
    }
    for item in items.iter_mut() {
        c.text("equipment", item, TEXT_MAX, true);
    }
}

#[utoipa::path(
    get,
    path = "/rooms",
    operation_id = "list_rooms",
    tag = "rooms",
    params(RoomListParams),
    responses((status = 200, description = "One page of rooms, by site, name and id", body = Page<ConferenceRoom>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<RoomListParams>,
) -> Result<Json<Page<ConferenceRoom>>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let site = p
        .site
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if site.as_ref().is_some_and(|s| s.chars().count() > TEXT_MAX) {
        return Err(ApiError::invalid_query("site is at most 100 characters."));
    }
    let scope = format!("rooms:{site:?}:{:?}:{:?}", p.min_capacity, p.agency_id);
    let paging = PageRequest::<(String, String, i64)>::new(scope, p.cursor.as_deref(), p.limit)?;
    let filter = RoomFilter {
        site,
        min_capacity: p.min_capacity,
        agency: p.agency_id.map(AgencyId),
    };
    let rows = st
        .store
        .list_rooms(&filter, paging.after.clone(), paging.fetch())
        .await?;
    let key = |r: &ConferenceRoom| (r.site.clone(), r.name.clone(), r.id.0);
    Ok(Json(paging.page(rows, key)))
}

#[utoipa::path(
    post,
    path = "/rooms",
    operation_id = "create_room",
    tag = "rooms",
    request_body = NewConferenceRoom,
    responses((status = 201, description = "Created; Location and ETag headers", body = ConferenceRoom))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewConferenceRoom>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    actor.require_agency_admin(new.agency_id)?;
    let mut c = Check::default();
    check_room_text(&mut c, &mut new.site, &mut new.name, &mut new.floor);
    check_capacity(&mut c, new.capacity);
    check_equipment(&mut c, &mut new.equipment);
    c.finish()?;
    let room = st.store.create_room(&actor, &new).await?;
    Ok(created(
        format!("/api/v1/rooms/{}", room.id),
        room.version,
        room,
    ))
}

#[utoipa::path(
    get,
    path = "/rooms/{id}",
    operation_id = "get_room",
    tag = "rooms",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The room; ETag header", body = ConferenceRoom))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ConferenceRoomId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let room = st.store.get_room(id).await?;
    Ok(with_etag(room.version, room))
}

#[utoipa::path(
    patch,
    path = "/rooms/{id}",
    operation_id = "update_room",
    tag = "rooms",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = ConferenceRoomPatch,
    responses((status = 200, description = "Updated; new ETag", body = ConferenceRoom))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ConferenceRoomId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<ConferenceRoomPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    // A room never changes agency, so the agency read here is the one the write touches.
    actor.require_agency_admin(st.store.get_room(id).await?.agency_id)?;
    let mut c = Check::default();
    for (field, value) in [
        ("site", &mut patch.site),
        ("name", &mut patch.name),
        ("floor", &mut patch.floor),
    ] {
        if let Some(v) = value {
            c.text(field, v, TEXT_MAX, field != "floor");
        }
    }
    if let Some(n) = patch.capacity {
        check_capacity(&mut c, n);
    }
    if let Some(items) = &mut patch.equipment {
        check_equipment(&mut c, items);
    }
    c.finish()?;
    let room = st.store.update_room(&actor, id, version, &patch).await?;
    Ok(with_etag(room.version, room))
}

#[utoipa::path(
    delete,
    path = "/rooms/{id}",
    operation_id = "delete_room",
    tag = "rooms",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Retired; its past bookings stay"))
)]
pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ConferenceRoomId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    actor.require(Scope::WorkspaceWrite)?;
    actor.require_agency_admin(st.store.get_room(id).await?.agency_id)?;
    st.store.delete_room(&actor, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/rooms/{id}/bookings",
    operation_id = "list_room_bookings",
    tag = "rooms",
    params(("id" = i64, Path, description = "Numeric id"), BookingListParams),
    responses((status = 200, description = "Live bookings intersecting [from, to), by start", body = Page<Booking>))
)]
pub async fn list_bookings(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ConferenceRoomId>,
    ApiQuery(p): ApiQuery<BookingListParams>,
) -> Result<Json<Page<Booking>>, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    if p.to <= p.from {
        return Err(ApiError::invalid_query("`to` must be after `from`."));
    }
    let scope = format!("bookings:{id}:{}:{}", p.from, p.to);
    let paging = PageRequest::<(i64, i64)>::new(scope, p.cursor.as_deref(), p.limit)?;
    let rows = st
        .store
        .list_bookings(id, (p.from, p.to), paging.after, paging.fetch())
        .await?;
    let key = |b: &Booking| (b.start_ms, b.id.0);
    Ok(Json(paging.page(rows, key)))
}

#[utoipa::path(
    post,
    path = "/rooms/{id}/bookings",
    operation_id = "book_room",
    tag = "rooms",
    params(("id" = i64, Path, description = "Numeric id")),
    request_body = NewBooking,
    responses((status = 201, description = "Booked; Location and ETag headers. An overlap is 409 `booking_overlap` with the other booking's id in `booking_id`", body = Booking))
)]
pub async fn book(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<ConferenceRoomId>,
    ApiJson(mut new): ApiJson<NewBooking>,
) -> Result<Response, ApiError> {
    let booker = actor.signed_in(Scope::WorkspaceWrite)?.account;
    let mut c = Check::default();
    c.text("title", &mut new.title, 200, false);
    check_range(&mut c, new.start_ms, new.end_ms);
    if new.end_ms <= crate::store::now_ms() {
        c.fail(
            "end_ms",
            "이미 지난 시간은 예약할 수 없습니다.",
            "That time is already over.",
        );
    }
    c.finish()?;
    let booking = st.store.book_room(&actor, booker, id, &new).await?;
    Ok(created(
        format!("/api/v1/bookings/{}", booking.id),
        booking.version,
        booking,
    ))
}

#[utoipa::path(
    get,
    path = "/bookings/{id}",
    operation_id = "get_booking",
    tag = "rooms",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The booking; ETag header", body = Booking))
)]
pub async fn get_booking(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<BookingId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::WorkspaceRead)?;
    let booking = st.store.get_booking(id).await?;
    Ok(with_etag(booking.version, booking))
}

#[utoipa::path(
    delete,
    path = "/bookings/{id}",
    operation_id = "cancel_booking",
    tag = "rooms",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Cancelled; the room is free again for that time"))
)]
pub async fn cancel_booking(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<BookingId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    let me = actor.signed_in(Scope::WorkspaceWrite)?.account;
    let booking = st.store.get_booking(id).await?;
    if booking.booked_by != me {
        let room = st.store.get_room(booking.room_id).await;
        // A retired room has no administrator to speak of; only the booker may cancel then.
        let agency = room.map(|r| r.agency_id).unwrap_or(AgencyId(-1));
        actor.require_agency_admin(agency)?;
    }
    st.store.cancel_booking(&actor, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(list_bookings, book))
        .routes(routes!(get_booking, cancel_booking))
}
