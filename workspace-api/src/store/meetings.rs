//! Meetings: attendees, the optional project and the optional conference-room booking made
//! in the same transaction. Reading rows, access and reference checks are in
//! `meeting_rows.rs`, the booking's moves in `meeting_bookings.rs`, guest links and the audit
//! of room tokens in `guest_links.rs`.
//!
//! Who sees a meeting ([`Standing`]): its organiser, its attendees, the members of its
//! project, and system administrators (who may read but not join). Everyone else gets
//! `meeting_not_found`, so a meeting's existence never leaks. Only the organiser changes or
//! cancels it. Changes are told live to the organiser, the attendees (also those just
//! removed) and the project (`meeting.scheduled`, `meeting.updated`, `meeting.cancelled`).

use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use super::meeting_bookings::{book_for_meeting, cancel_meeting_booking, move_booking};
use super::meeting_rows::{
    MEETING_COLUMNS, audience_of, check_attendees, check_project, current_audience, event_data,
    fetch_meeting, hydrate_all, require_organiser, set_attendees, standing,
};
use super::rooms::Slot;
use super::{Entity, Store, StoreError, Tx, audit, emit, now_ms};
use crate::auth::{Principal, new_secret};
use crate::extract::Actor;
use crate::model::{MAX_SPAN_MS, Meeting, MeetingId, MeetingPatch, MyMeetings, NewMeeting};

/// "The meeting is one of mine": I organise it, attend it, or am a member of its project.
const MINE: &str = "(m.organiser_id = $1 \
    OR EXISTS (SELECT 1 FROM meeting_attendees a WHERE a.meeting_id = m.id AND a.account_id = $1) \
    OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = m.project_id \
               AND pm.account_id = $1))";

/// What a principal is to a meeting it can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Organiser,
    Attendee,
    ProjectMember,
    /// A system administrator outside the meeting: may read it, not join or change it.
    Administrator,
}

impl Standing {
    /// May take a seat in the video room.
    pub fn may_join(self) -> bool {
        self != Standing::Administrator
    }
}

impl Store {
    /// The meeting and what `who` is to it; `NotFound` when `who` may not see it.
    pub async fn meeting_for(
        &self,
        who: &Principal,
        id: MeetingId,
    ) -> Result<(Meeting, Standing), StoreError> {
        let mut conn = self.pool().acquire().await?;
        let meeting = fetch_meeting(&mut conn, id).await?;
        let standing = standing(&mut conn, who, &meeting).await?;
        Ok((
            meeting,
            standing.ok_or(StoreError::NotFound(Entity::Meeting))?,
        ))
    }

    /// `who`'s live meetings intersecting `[from, to)`, by start then id, after `after`.
    pub async fn list_meetings(
        &self,
        who: &Principal,
        (from, to): (i64, i64),
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<Meeting>, StoreError> {
        let (start, id) = after.unwrap_or((i64::MIN, i64::MIN));
        let sql = format!(
            "SELECT {MEETING_COLUMNS} FROM meetings m WHERE m.cancelled_ms IS NULL AND {MINE} \
             AND m.start_ms < $2 AND m.end_ms > $3 AND (m.start_ms, m.id) > ($4, $5) \
             ORDER BY m.start_ms, m.id LIMIT $6"
        );
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(who.account.0)
            .bind(to)
            .bind(from)
            .bind(start)
            .bind(id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        hydrate_all(&mut conn, &rows).await
    }

    /// The home screen: meetings intersecting `today` and the next `upcoming` after it.
    pub async fn my_meetings(
        &self,
        who: &Principal,
        today: (i64, i64),
        upcoming: i64,
    ) -> Result<MyMeetings, StoreError> {
        let today_list = self.list_meetings(who, today, None, 100).await?;
        let upcoming = self
            .list_meetings(
                who,
                (today.1, i64::MAX),
                Some((today.1 - 1, i64::MAX)),
                upcoming,
            )
            .await?;
        Ok(MyMeetings {
            today: today_list,
            upcoming,
        })
    }

    /// Creates a meeting (and books its room) with `who` as the organiser.
    pub async fn create_meeting(
        &self,
        actor: &Actor,
        who: &Principal,
        new: &NewMeeting,
    ) -> Result<Meeting, StoreError> {
        let mut tx = self.begin().await?;
        check_attendees(&mut tx, &new.attendees).await?;
        if let Some(project) = new.project_id {
            check_project(&mut tx, who, project).await?;
        }
        let row = sqlx::query(
            "INSERT INTO meetings (title, description, start_ms, end_ms, organiser_id, agency_id, \
             project_id, video_room, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(&new.title)
        .bind(&new.description)
        .bind(new.start_ms)
        .bind(new.end_ms)
        .bind(who.account.0)
        .bind(who.agency.map(|a| a.0))
        .bind(new.project_id.map(|p| p.0))
        .bind(format!("m-{}", new_secret()))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let id = MeetingId(row.try_get("id")?);
        set_attendees(&mut tx, id, &new.attendees).await?;
        if let Some(room) = new.room_id {
            let slot = Slot {
                room,
                start_ms: new.start_ms,
                end_ms: new.end_ms,
            };
            book_for_meeting(&mut tx, self, slot, None, who.account, id).await?;
        }
        let meeting = fetch_meeting(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            who.agency,
            "create",
            Entity::Meeting,
            id.0,
            json!(new),
        )
        .await?;
        let audience = audience_of(&meeting, &[]);
        let data = event_data(&meeting);
        emit(
            &mut tx,
            self.backend(),
            "meeting.scheduled",
            Entity::Meeting,
            id.0,
            data,
            &audience,
        )
        .await?;
        self.commit(tx).await?;
        Ok(meeting)
    }

    /// Changes a meeting; only its organiser may. The booking follows the new time and room.
    pub async fn update_meeting(
        &self,
        actor: &Actor,
        who: &Principal,
        id: MeetingId,
        expected_version: i64,
        patch: &MeetingPatch,
    ) -> Result<Meeting, StoreError> {
        let mut tx = self.begin().await?;
        let current = organised(&mut tx, self, who, id, expected_version).await?;
        let start = patch.start_ms.unwrap_or(current.start_ms);
        let end = patch.end_ms.unwrap_or(current.end_ms);
        check_span(start, end)?;
        if let Some(attendees) = &patch.attendees {
            check_attendees(&mut tx, attendees).await?;
        }
        if let Some(Some(project)) = patch.project_id {
            check_project(&mut tx, who, project).await?;
        }
        let room = match patch.room_id {
            Some(r) => r,
            None => current.booking.as_ref().map(|b| b.room_id),
        };
        move_booking(&mut tx, self, &current, room, (start, end), who.account).await?;
        let project = match patch.project_id {
            Some(p) => p,
            None => current.project_id,
        };
        let done = sqlx::query(
            "UPDATE meetings SET title = $1, description = $2, start_ms = $3, end_ms = $4, \
             project_id = $5, version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(patch.title.as_deref().unwrap_or(&current.title))
        .bind(patch.description.as_deref().unwrap_or(&current.description))
        .bind(start)
        .bind(end)
        .bind(project.map(|p| p.0))
        .bind(id.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        if let Some(attendees) = &patch.attendees {
            sqlx::query("DELETE FROM meeting_attendees WHERE meeting_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            set_attendees(&mut tx, id, attendees).await?;
        }
        let meeting = fetch_meeting(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            who.agency,
            "update",
            Entity::Meeting,
            id.0,
            json!(patch),
        )
        .await?;
        let audience = audience_of(&meeting, &current_audience(&current));
        let data = event_data(&meeting);
        emit(
            &mut tx,
            self.backend(),
            "meeting.updated",
            Entity::Meeting,
            id.0,
            data,
            &audience,
        )
        .await?;
        self.commit(tx).await?;
        Ok(meeting)
    }

    /// Cancels a meeting and frees its room; only its organiser may.
    pub async fn cancel_meeting(
        &self,
        actor: &Actor,
        who: &Principal,
        id: MeetingId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let current = organised(&mut tx, self, who, id, expected_version).await?;
        let done = sqlx::query(
            "UPDATE meetings SET cancelled_ms = $1, version = version + 1 \
             WHERE id = $2 AND version = $3 AND cancelled_ms IS NULL",
        )
        .bind(now_ms())
        .bind(id.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        cancel_meeting_booking(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            who.agency,
            "delete",
            Entity::Meeting,
            id.0,
            json!({}),
        )
        .await?;
        let audience = audience_of(&current, &[]);
        let data = event_data(&current);
        emit(
            &mut tx,
            self.backend(),
            "meeting.cancelled",
            Entity::Meeting,
            id.0,
            data,
            &audience,
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }
}

fn check_span(start: i64, end: i64) -> Result<(), StoreError> {
    if end <= start {
        return Err(StoreError::Field(
            "end_ms",
            "종료 시각은 시작 시각보다 뒤여야 합니다.",
            "The end must be after the start.",
        ));
    }
    if end - start > MAX_SPAN_MS {
        return Err(StoreError::Field(
            "end_ms",
            "최대 7일까지입니다.",
            "At most 7 days long.",
        ));
    }
    Ok(())
}

/// The live meeting `who` organises, at `version`; the errors a change of it can meet.
async fn organised(
    tx: &mut Tx,
    store: &Store,
    who: &Principal,
    id: MeetingId,
    version: i64,
) -> Result<Meeting, StoreError> {
    // Lock the meeting row first on PostgreSQL, before any room, so that two changes of one
    // meeting queue up here instead of deadlocking on its booking.
    let sql = format!(
        "SELECT id FROM meetings WHERE id = $1{}",
        store.backend().for_update()
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
    let meeting = fetch_meeting(tx, id).await?;
    require_organiser(tx, who, &meeting).await?;
    if meeting.cancelled_ms.is_some() {
        return Err(StoreError::Cancelled(Entity::Meeting));
    }
    if meeting.version != version {
        return Err(StoreError::Stale);
    }
    Ok(meeting)
}
