//! Reading meetings (a row with its attendees and live booking), who a principal is to a
//! meeting ([`super::meetings::Standing`]), the checks of a meeting's references (attendees,
//! project) and its event audiences.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::meetings::Standing;
use super::rooms::{BOOKING_COLUMNS, booking_from_row};
use super::{Audience, Entity, StoreError, Tx};
use crate::auth::{AccountId, Principal, Role};
use crate::model::{Meeting, MeetingId, NamedAccount, ProjectId};

pub(super) const MEETING_COLUMNS: &str = "m.id, m.title, m.description, m.start_ms, m.end_ms, \
    m.organiser_id, m.project_id, m.video_room, m.created_ms, m.cancelled_ms, m.version";

pub(super) async fn require_organiser(
    conn: &mut AnyConnection,
    who: &Principal,
    meeting: &Meeting,
) -> Result<(), StoreError> {
    match standing(conn, who, meeting).await? {
        Some(Standing::Organiser) => Ok(()),
        Some(_) => Err(StoreError::Forbidden {
            ko: "회의 주최자만 변경할 수 있습니다.",
            en: "Only the organiser may change this meeting.",
        }),
        None => Err(StoreError::NotFound(Entity::Meeting)),
    }
}

pub(super) async fn standing(
    conn: &mut AnyConnection,
    who: &Principal,
    meeting: &Meeting,
) -> Result<Option<Standing>, StoreError> {
    if meeting.organiser_id == who.account {
        return Ok(Some(Standing::Organiser));
    }
    if meeting.attendees.contains(&who.account) {
        return Ok(Some(Standing::Attendee));
    }
    if let Some(project) = meeting.project_id
        && is_member(conn, project, who.account).await?
    {
        return Ok(Some(Standing::ProjectMember));
    }
    Ok((who.role == Role::SystemAdmin).then_some(Standing::Administrator))
}

pub(super) async fn is_member(
    conn: &mut AnyConnection,
    project: ProjectId,
    account: AccountId,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM project_members WHERE project_id = $1 AND account_id = $2",
    )
    .bind(project.0)
    .bind(account.0)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// The project must be visible to the organiser (public, a member, or a system admin);
/// one that is not is reported exactly like one that does not exist.
pub(super) async fn check_project(
    tx: &mut Tx,
    who: &Principal,
    project: ProjectId,
) -> Result<(), StoreError> {
    let public: Option<i64> = sqlx::query_scalar("SELECT public FROM projects WHERE id = $1")
        .bind(project.0)
        .fetch_optional(&mut **tx)
        .await?;
    let visible = match public {
        None => false,
        Some(1) => true,
        Some(_) => who.role == Role::SystemAdmin || is_member(tx, project, who.account).await?,
    };
    if visible {
        Ok(())
    } else {
        Err(StoreError::UnknownReference(Entity::Project, "project_id"))
    }
}

/// Every attendee must be an enabled account.
pub(super) async fn check_attendees(
    tx: &mut Tx,
    attendees: &[AccountId],
) -> Result<(), StoreError> {
    for a in attendees {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM accounts WHERE id = $1 AND disabled_ms IS NULL",
        )
        .bind(a.0)
        .fetch_one(&mut **tx)
        .await?;
        if n == 0 {
            return Err(StoreError::UnknownReference(Entity::Account, "attendees"));
        }
    }
    Ok(())
}

pub(super) async fn set_attendees(
    tx: &mut Tx,
    id: MeetingId,
    attendees: &[AccountId],
) -> Result<(), StoreError> {
    for a in attendees {
        sqlx::query("INSERT INTO meeting_attendees (meeting_id, account_id) VALUES ($1, $2)")
            .bind(id.0)
            .bind(a.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub(super) async fn fetch_meeting(
    conn: &mut AnyConnection,
    id: MeetingId,
) -> Result<Meeting, StoreError> {
    let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings m WHERE m.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound(Entity::Meeting))?;
    hydrate(conn, &row).await
}

pub(super) async fn hydrate_all(
    conn: &mut AnyConnection,
    rows: &[AnyRow],
) -> Result<Vec<Meeting>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(hydrate(conn, row).await?);
    }
    Ok(out)
}

/// A meeting row with its attendees and live booking.
pub(super) async fn hydrate(conn: &mut AnyConnection, row: &AnyRow) -> Result<Meeting, StoreError> {
    let id: i64 = row.try_get("id")?;
    let attendees: Vec<(i64, String)> = sqlx::query_as(
        "SELECT a.account_id, COALESCE(NULLIF(c.display_name, ''), c.login) \
         FROM meeting_attendees a JOIN accounts c ON c.id = a.account_id \
         WHERE a.meeting_id = $1 ORDER BY a.account_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let organiser_id: i64 = row.try_get("organiser_id")?;
    let organiser_name: String = sqlx::query_scalar(
        "SELECT COALESCE(NULLIF(display_name, ''), login) FROM accounts WHERE id = $1",
    )
    .bind(organiser_id)
    .fetch_one(&mut *conn)
    .await?;
    let sql = format!(
        "SELECT {BOOKING_COLUMNS} FROM room_bookings WHERE meeting_id = $1 AND cancelled_ms IS NULL"
    );
    let booking = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(Meeting {
        id: MeetingId(id),
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        start_ms: row.try_get("start_ms")?,
        end_ms: row.try_get("end_ms")?,
        organiser_id: AccountId(organiser_id),
        attendees: attendees.iter().map(|(a, _)| AccountId(*a)).collect(),
        organiser_name,
        attendee_names: attendees
            .into_iter()
            .map(|(a, display_name)| NamedAccount {
                id: AccountId(a),
                display_name,
            })
            .collect(),
        project_id: row.try_get::<Option<i64>, _>("project_id")?.map(ProjectId),
        booking: booking.as_ref().map(booking_from_row).transpose()?,
        video_room: row.try_get("video_room")?,
        created_ms: row.try_get("created_ms")?,
        cancelled_ms: row.try_get("cancelled_ms")?,
        version: row.try_get("version")?,
    })
}

/// Who hears about a meeting before a change (so removed attendees hear they were removed).
pub(super) fn current_audience(m: &Meeting) -> Vec<Audience> {
    audience_of(m, &[])
}

pub(super) fn audience_of(m: &Meeting, also: &[Audience]) -> Vec<Audience> {
    let mut out = vec![Audience::Account(m.organiser_id)];
    out.extend(m.attendees.iter().map(|a| Audience::Account(*a)));
    out.extend(m.project_id.map(Audience::Project));
    out.extend_from_slice(also);
    out
}

/// Ids, title and time only: what every audience of the event may read.
pub(super) fn event_data(m: &Meeting) -> serde_json::Value {
    json!({"id": m.id, "title": m.title, "start_ms": m.start_ms, "end_ms": m.end_ms})
}
