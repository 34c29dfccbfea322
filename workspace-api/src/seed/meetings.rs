//! The demo's meetings: one going on now (so "join" works at once), and two in the coming
//! days, one of them for a joint project with a booked conference room. Times follow the
//! clock in Korean time; each meeting is created for its organiser (their [`Principal`] from
//! [`Store::principal_for`], audited as [`Actor::System`]) and skipped by natural key
//! (organiser + title), so a second run, even days later, adds nothing.

use super::collab::{account_by_login, as_login, project_by_name};
use super::{Report, SeedError, find_agency};
use crate::extract::Actor;
use crate::model::{ConferenceRoomId, NewMeeting};
use crate::store::{RoomFilter, Store, StoreError, now_ms};

const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Korea Standard Time, UTC+9.
const KST_MS: i64 = 9 * HOUR_MS;

/// When a meeting is: now (from the last half hour on), or a day after today at an hour.
#[derive(Clone, Copy)]
enum When {
    Now,
    DayAt(i64, i64),
}

struct MeetingSpec {
    organiser: &'static str,
    title: &'static str,
    description: &'static str,
    when: When,
    hours: i64,
    attendees: &'static [&'static str],
    project: Option<&'static str>,
    /// (agency code, room name).
    room: Option<(&'static str, &'static str)>,
}

const MEETINGS: [MeetingSpec; 3] = [
    MeetingSpec {
        organiser: "mois.admin",
        title: "부처 합동 주간 회의",
        description: "각 부처 주간 현안 공유",
        when: When::Now,
        hours: 2,
        attendees: &["nas.admin", "me.admin", "mois.user"],
        project: None,
        room: None,
    },
    MeetingSpec {
        organiser: "mois.admin",
        title: "시범사업 회의실 연결 점검",
        description: "국회 본관과 세종청사 6동 회의실 영상 연결 점검",
        when: When::DayAt(1, 10),
        hours: 1,
        attendees: &["nas.admin", "nas.user", "mois.user"],
        project: Some("국회-세종 영상회의 연계 시범사업"),
        room: Some(("mois", "대회의실")),
    },
    MeetingSpec {
        organiser: "me.admin",
        title: "탄소중립 재정 지원 협의",
        description: "",
        when: When::DayAt(2, 14),
        hours: 1,
        attendees: &["mois.admin", "msit.user"],
        project: None,
        room: None,
    },
];

/// The start of a meeting `when`, from `now` (Unix ms).
fn start_of(when: When, now: i64) -> i64 {
    match when {
        When::Now => (now - HOUR_MS / 2).div_euclid(HOUR_MS / 2) * (HOUR_MS / 2),
        When::DayAt(days, hour) => {
            let today = (now + KST_MS).div_euclid(DAY_MS) * DAY_MS - KST_MS;
            today + days * DAY_MS + hour * HOUR_MS
        }
    }
}

/// Step 7: the meetings, each once.
pub async fn meetings(store: &Store, report: &mut Report) -> Result<(), SeedError> {
    for spec in &MEETINGS {
        let Some(who) = as_login(store, spec.organiser).await? else {
            continue;
        };
        let mine = store
            .list_meetings(&who, (i64::MIN, i64::MAX), None, 1000)
            .await?;
        if mine
            .iter()
            .any(|m| m.organiser_id == who.account && m.title == spec.title)
        {
            continue;
        }
        let mut attendees = Vec::new();
        for login in spec.attendees {
            attendees.extend(account_by_login(store, login).await?);
        }
        let project_id = match spec.project {
            Some(name) => project_by_name(store, name).await?,
            None => None,
        };
        let start_ms = start_of(spec.when, now_ms());
        let mut new = NewMeeting {
            title: spec.title.into(),
            description: spec.description.into(),
            start_ms,
            end_ms: start_ms + spec.hours * HOUR_MS,
            attendees,
            project_id,
            room_id: room(store, spec.room).await?,
        };
        let made = match store.create_meeting(&Actor::System, &who, &new).await {
            // Someone booked the room for that hour: the meeting goes ahead without it.
            Err(StoreError::BookingOverlap(_)) => {
                new.room_id = None;
                store.create_meeting(&Actor::System, &who, &new).await?
            }
            other => other?,
        };
        report.meetings += 1;
        report.meeting_bookings += usize::from(made.booking.is_some());
    }
    Ok(())
}

async fn room(
    store: &Store,
    spec: Option<(&str, &str)>,
) -> Result<Option<ConferenceRoomId>, SeedError> {
    let Some((code, name)) = spec else {
        return Ok(None);
    };
    let Some(agency) = find_agency(store, code).await? else {
        return Ok(None);
    };
    let filter = RoomFilter {
        agency: Some(agency),
        ..RoomFilter::default()
    };
    let rooms = store.list_rooms(&filter, None, 1000).await?;
    Ok(rooms.into_iter().find(|r| r.name == name).map(|r| r.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_korean_days() {
        // 2026-01-01 23:30 KST = 14:30 UTC.
        let now = 1_767_277_800_000;
        assert_eq!(start_of(When::Now, now), now - HOUR_MS / 2);
        // The next day in Korea is 2 January: 10:00 KST = 01:00 UTC on 2 January.
        assert_eq!(start_of(When::DayAt(1, 10), now), 1_767_315_600_000);
    }
}
