//! The collaboration half of the demo: conference rooms, then joint projects with their
//! members and tasks. Written as [`Actor::System`] like the rest of the demo, and skipped by
//! natural key (a room's agency + name, a project's Korean name) so a second run adds nothing.
//!
//! The bulletin board, memos ([`super::board`]) and meetings ([`super::meetings`]) follow;
//! they are written for a demo account (its [`Principal`] from [`Store::principal_for`])
//! and audited as the system.

use super::{Report, SeedError, find_agency};
use crate::auth::{AccountId, Principal};
use crate::extract::Actor;
use crate::model::{
    AgencyId, NewConferenceRoom, NewMember, NewProject, NewTask, Priority, ProjectId, ProjectRole,
};
use crate::store::{AccountFilter, ProjectFilter, RoomFilter, Store};

/// A room: (owning agency code, site, name, floor, capacity, equipment).
type RoomSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [&'static str],
);

const ROOMS: [RoomSpec; 6] = [
    (
        "nas",
        "국회 본관",
        "제1회의실",
        "3층",
        40,
        &["영상회의", "프로젝터", "마이크"],
    ),
    ("nas", "국회 본관", "소회의실 A", "2층", 12, &["디스플레이"]),
    (
        "nas",
        "국회 의원회관",
        "제2세미나실",
        "1층",
        60,
        &["영상회의", "프로젝터", "녹화"],
    ),
    (
        "mois",
        "정부세종청사 6동",
        "대회의실",
        "4층",
        50,
        &["영상회의", "프로젝터"],
    ),
    (
        "mois",
        "정부세종청사 6동",
        "소회의실 601",
        "6층",
        8,
        &["디스플레이"],
    ),
    (
        "mois",
        "정부세종청사 중앙동",
        "국무회의실",
        "2층",
        30,
        &["영상회의", "마이크", "녹화"],
    ),
];

/// One joint project: lead agency, other agencies, names, members (login, role), tasks.
pub(super) struct ProjectSpec {
    lead: &'static str,
    others: &'static [&'static str],
    pub(super) ko: &'static str,
    en: &'static str,
    description: &'static str,
    members: &'static [(&'static str, ProjectRole)],
    /// (column key, title, assignee login, priority).
    tasks: &'static [(&'static str, &'static str, &'static str, Priority)],
}

pub(super) const PROJECTS: [ProjectSpec; 2] = [
    ProjectSpec {
        lead: "mois",
        others: &["nas"],
        ko: "국회-세종 영상회의 연계 시범사업",
        en: "Assembly-Sejong video conferencing pilot",
        description: "국회와 정부세종청사 회의실을 영상회의로 잇는 시범사업",
        members: &[
            ("mois.admin", ProjectRole::Lead),
            ("nas.admin", ProjectRole::Member),
            ("mois.user", ProjectRole::Member),
            ("nas.user", ProjectRole::Member),
        ],
        tasks: &[
            (
                "todo",
                "회의실별 영상장비 현황 조사",
                "nas.user",
                Priority::Normal,
            ),
            ("doing", "연계 망 구성안 작성", "mois.user", Priority::High),
            (
                "review",
                "시범 운영 일정 협의",
                "nas.admin",
                Priority::Normal,
            ),
            ("done", "사업 착수 보고", "mois.admin", Priority::Low),
        ],
    },
    ProjectSpec {
        lead: "me",
        others: &["motie", "moef"],
        ko: "탄소중립 공동 대응",
        en: "Joint response to carbon neutrality",
        description: "환경부·산업통상자원부·기획재정부의 탄소중립 정책 공동 대응",
        members: &[
            ("me.admin", ProjectRole::Lead),
            ("mois.admin", ProjectRole::Member),
            ("msit.user", ProjectRole::Viewer),
        ],
        tasks: &[
            ("todo", "부문별 감축 목표 취합", "me.admin", Priority::High),
            ("doing", "재정 지원 방안 검토", "me.admin", Priority::Urgent),
            (
                "done",
                "공동 대응 협의체 구성",
                "mois.admin",
                Priority::Normal,
            ),
        ],
    },
];

/// Step 3: conference rooms of the Assembly and the Sejong complex.
pub async fn rooms(store: &Store, report: &mut Report) -> Result<(), SeedError> {
    for (code, site, name, floor, capacity, equipment) in ROOMS {
        let Some(agency) = find_agency(store, code).await? else {
            continue;
        };
        if room_exists(store, agency, name).await? {
            continue;
        }
        let new = NewConferenceRoom {
            agency_id: agency,
            site: site.into(),
            name: name.into(),
            floor: floor.into(),
            capacity,
            equipment: equipment.iter().map(|e| (*e).into()).collect(),
        };
        store.create_room(&Actor::System, &new).await?;
        report.rooms += 1;
    }
    Ok(())
}

async fn room_exists(store: &Store, agency: AgencyId, name: &str) -> Result<bool, SeedError> {
    let filter = RoomFilter {
        agency: Some(agency),
        ..RoomFilter::default()
    };
    // A demo agency owns a handful of rooms; one page holds them all.
    let rooms = store.list_rooms(&filter, None, 1000).await?;
    Ok(rooms.iter().any(|r| r.name == name))
}

/// Step 4: joint projects with the demo accounts as members and tasks on their boards.
pub async fn projects(store: &Store, report: &mut Report) -> Result<(), SeedError> {
    let existing = store
        .list_projects(&Actor::System, ProjectFilter::default(), None, 1000)
        .await?;
    for spec in &PROJECTS {
        if existing.iter().any(|p| p.name_ko == spec.ko) {
            continue;
        }
        let Some(lead) = find_agency(store, spec.lead).await? else {
            continue;
        };
        let mut agency_ids = Vec::new();
        for code in spec.others {
            agency_ids.extend(find_agency(store, code).await?);
        }
        let new = NewProject {
            name_ko: spec.ko.into(),
            name_en: spec.en.into(),
            description: spec.description.into(),
            lead_agency_id: Some(lead),
            agency_ids,
            public: false,
        };
        let project = store.create_project(&Actor::System, lead, &new).await?;
        report.projects += 1;
        for (login, role) in spec.members {
            let Some(account_id) = account_by_login(store, login).await? else {
                continue;
            };
            let member = NewMember {
                account_id,
                role: *role,
            };
            store
                .add_member(&Actor::System, project.id, &member)
                .await?;
            report.project_members += 1;
        }
        for (column, title, login, priority) in spec.tasks {
            let assignees = account_by_login(store, login).await?.into_iter().collect();
            let task = NewTask {
                title: (*title).into(),
                description: String::new(),
                column: Some((*column).into()),
                assignees,
                start_date: None,
                due_date: None,
                priority: *priority,
                labels: Vec::new(),
            };
            store.create_task(&Actor::System, project.id, &task).await?;
            report.tasks += 1;
        }
    }
    Ok(())
}

pub(super) async fn account_by_login(
    store: &Store,
    login: &str,
) -> Result<Option<AccountId>, SeedError> {
    let filter = AccountFilter {
        agency: None,
        q: Some(login.into()),
    };
    let hits = store.list_accounts(&filter, None, 100).await?;
    Ok(hits.into_iter().find(|a| a.login == login).map(|a| a.id))
}

/// The demo account `login` as a principal the seed acts for; `None` when it is missing.
pub(super) async fn as_login(store: &Store, login: &str) -> Result<Option<Principal>, SeedError> {
    match account_by_login(store, login).await? {
        Some(id) => Ok(Some(store.principal_for(id).await?)),
        None => Ok(None),
    }
}

/// The demo project with this Korean name, if it exists.
pub(super) async fn project_by_name(
    store: &Store,
    name_ko: &str,
) -> Result<Option<ProjectId>, SeedError> {
    let all = store
        .list_projects(&Actor::System, ProjectFilter::default(), None, 1000)
        .await?;
    Ok(all.into_iter().find(|p| p.name_ko == name_ko).map(|p| p.id))
}
