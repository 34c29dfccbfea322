//! Conference rooms, their bookings, meetings and guest links as the API shows them, and the
//! bodies that create or change them. Times are Unix milliseconds; a booking or meeting
//! occupies the half-open range `[start_ms, end_ms)`, so one may end when the next starts.

use serde::{Deserialize, Serialize};

use super::{AgencyId, BookingId, ConferenceRoomId, MeetingId, ProjectId, present};
use crate::auth::AccountId;
use crate::validate::doc;

/// 9999-12-31T23:59:59.999Z: later times are typos, not plans.
pub const MAX_MS: i64 = 253_402_300_799_999;
/// Longest booking or meeting (7 days).
pub const MAX_SPAN_MS: i64 = 7 * 24 * 3600 * 1000;

/// A physical video-conference room in a building, owned by an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConferenceRoom {
    pub id: ConferenceRoomId,
    /// The agency that owns (and administers) the room.
    pub agency_id: AgencyId,
    /// Building or site, e.g. `국회 본관`, `정부세종청사 6동`.
    pub site: String,
    pub name: String,
    /// e.g. `3층`, `B1`.
    pub floor: String,
    pub capacity: i64,
    /// e.g. `["영상회의 코덱", "디스플레이", "마이크 8"]`.
    pub equipment: Vec<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConferenceRoom {
    pub agency_id: AgencyId,
    #[schema(schema_with = doc::name)]
    pub site: String,
    #[schema(schema_with = doc::name)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = doc::name_opt)]
    pub floor: String,
    #[schema(minimum = 1, maximum = 10_000)]
    pub capacity: i64,
    #[serde(default)]
    #[schema(schema_with = doc::equipment)]
    pub equipment: Vec<String>,
}

/// A change to a room; absent fields stay. The owning agency never changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConferenceRoomPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name)]
    pub site: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name_opt)]
    pub floor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 10_000)]
    pub capacity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::equipment)]
    pub equipment: Option<Vec<String>>,
}

/// A booking of a room for `[start_ms, end_ms)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Booking {
    pub id: BookingId,
    pub room_id: ConferenceRoomId,
    pub start_ms: i64,
    pub end_ms: i64,
    /// What the booker typed; empty for the booking of a meeting (its title may be private).
    pub title: String,
    pub booked_by: AccountId,
    /// The meeting that made this booking, if any; such a booking changes with its meeting.
    pub meeting_id: Option<MeetingId>,
    /// Set when cancelled; a cancelled booking no longer blocks the room.
    pub cancelled_ms: Option<i64>,
    pub version: i64,
}

/// `[start_ms, end_ms)`: `end_ms` after `start_ms`, at most 7 days later, not yet over.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"start_ms": 4_102_448_400_000_i64, "end_ms": 4_102_452_000_000_i64, "title": "주간 점검"}))]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    #[schema(minimum = 0, maximum = 253_402_300_799_999_i64)]
    pub start_ms: i64,
    #[schema(minimum = 0, maximum = 253_402_300_799_999_i64)]
    pub end_ms: i64,
    #[serde(default)]
    #[schema(schema_with = doc::text_opt)]
    pub title: String,
}

/// A scheduled meeting with its video room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: MeetingId,
    pub title: String,
    pub description: String,
    pub start_ms: i64,
    pub end_ms: i64,
    /// The account that created the meeting; only it may change or cancel it.
    pub organiser_id: AccountId,
    /// Invited accounts (the organiser is not repeated here), by id.
    pub attendees: Vec<AccountId>,
    /// The organiser's display name (its login when the name is empty).
    pub organiser_name: String,
    /// The attendees with their display names, in the order of `attendees`, so members who
    /// may not read accounts still see who is invited.
    pub attendee_names: Vec<NamedAccount>,
    /// Members of this project see the meeting and may join it.
    pub project_id: Option<ProjectId>,
    /// The conference-room booking made with the meeting, if any.
    pub booking: Option<Booking>,
    /// The signaling room (`/m/<video_room>`); random and unguessable. Joining it still
    /// needs a token from `POST /meetings/{id}/join` or a guest link.
    pub video_room: String,
    pub created_ms: i64,
    pub cancelled_ms: Option<i64>,
    pub version: i64,
}

/// An account with the name it is shown by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NamedAccount {
    pub id: AccountId,
    /// The display name, or the login when the display name is empty.
    pub display_name: String,
}

/// `end_ms` is after `start_ms` and at most 7 days later.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"title": "부처 협업 회의", "start_ms": 4_102_448_400_000_i64, "end_ms": 4_102_452_000_000_i64}))]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    #[schema(schema_with = doc::title)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = doc::meeting_description)]
    pub description: String,
    #[schema(minimum = 0, maximum = 253_402_300_799_999_i64)]
    pub start_ms: i64,
    #[schema(minimum = 0, maximum = 253_402_300_799_999_i64)]
    pub end_ms: i64,
    #[serde(default)]
    #[schema(max_items = 500)]
    pub attendees: Vec<AccountId>,
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    /// Book this conference room for the meeting's time, in the same transaction.
    #[serde(default)]
    pub room_id: Option<ConferenceRoomId>,
}

/// A change to a meeting. Absent fields stay; `attendees` replaces the whole list; for
/// `project_id` and `room_id`, `null` removes. Moving the time moves the room booking too.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::title)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::meeting_description)]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 253_402_300_799_999_i64)]
    pub start_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 253_402_300_799_999_i64)]
    pub end_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 500)]
    pub attendees: Option<Vec<AccountId>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<ProjectId>)]
    pub project_id: Option<Option<ProjectId>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<ConferenceRoomId>)]
    pub room_id: Option<Option<ConferenceRoomId>>,
}

/// The home screen's meetings: today's (in the caller's time zone) and the next ones after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MyMeetings {
    pub today: Vec<Meeting>,
    pub upcoming: Vec<Meeting>,
}

/// `POST /meetings/{id}/guest-links`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGuestLink {
    /// 1–720; 24 when absent.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 720)]
    pub expires_in_hours: Option<i64>,
}

/// A guest link just created: the only answer that ever carries its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GuestLink {
    pub id: i64,
    pub meeting_id: MeetingId,
    /// Give it to the guest; `POST /guest/join {secret, name}` turns it into a room token.
    pub secret: String,
    pub expires_ms: i64,
}

/// A guest link as its meeting's organiser lists it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GuestLinkInfo {
    pub id: i64,
    pub meeting_id: MeetingId,
    pub created_by: AccountId,
    pub created_ms: i64,
    pub expires_ms: i64,
    /// When the organiser revoked it (`null`: not revoked).
    pub revoked_ms: Option<i64>,
}

/// `POST /guest/join`: no sign-in, the link's secret is the credential.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestJoin {
    #[schema(max_length = 128)]
    pub secret: String,
    /// The name the others see.
    #[schema(schema_with = doc::guest_name)]
    pub name: String,
}

/// A room token for the meeting's video room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomTicket {
    /// The signaling room to `join`.
    pub room: String,
    /// The join token signaling checks; short-lived.
    pub token: String,
    pub expires_ms: i64,
    /// The meeting page that joins with this token (relative to the hub's address).
    pub url: String,
}
