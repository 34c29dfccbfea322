//! The demo's bulletin board and e-Memos: announcements to everyone (pinned, by the first
//! system administrator), to an agency and to a project; memos shared with people, a unit,
//! an agency and a project. Each is written for its demo author through the Store API (the
//! author's [`Principal`] from [`Store::principal_for`], audited as [`Actor::System`]) and
//! skipped by natural key (author + title) so a second run adds nothing.

use super::collab::{account_by_login, as_login, project_by_name};
use super::{Report, SeedError, find_agency};
use crate::auth::{Principal, Role};
use crate::extract::Actor;
use crate::model::{
    AnnouncementScope, Classification, MemoShare, NewAnnouncement, NewMemo, SharePermission,
    ShareTarget,
};
use crate::store::{AccountFilter, AnnouncementQuery, MemoQuery, Store};

/// Who posts an announcement: a demo login, or the hub's first system administrator.
#[derive(Clone, Copy)]
enum Poster {
    SystemAdmin,
    Login(&'static str),
}

/// Where an announcement goes: everyone, an agency (code), a project (Korean name).
#[derive(Clone, Copy)]
enum Scope {
    Everyone,
    Agency(&'static str),
    Project(&'static str),
}

struct AnnouncementSpec {
    poster: Poster,
    scope: Scope,
    title: &'static str,
    body: &'static str,
    pinned: bool,
}

const PILOT: &str = "국회-세종 영상회의 연계 시범사업";
const CARBON: &str = "탄소중립 공동 대응";

const ANNOUNCEMENTS: [AnnouncementSpec; 3] = [
    AnnouncementSpec {
        poster: Poster::SystemAdmin,
        scope: Scope::Everyone,
        title: "govhub 영상회의 서비스 개통 안내",
        body: "<p>국회와 정부세종청사를 잇는 <strong>govhub</strong> 영상회의 서비스를 \
               개통했습니다. 회의 일정에서 <em>입장</em>을 누르면 바로 참여할 수 있습니다.</p>",
        pinned: true,
    },
    AnnouncementSpec {
        poster: Poster::Login("mois.admin"),
        scope: Scope::Agency("mois"),
        title: "세종청사 6동 회의실 예약 방법 변경",
        body: "<p>다음 주부터 6동 회의실은 govhub에서만 예약합니다.</p>",
        pinned: false,
    },
    AnnouncementSpec {
        poster: Poster::Login("mois.admin"),
        scope: Scope::Project(PILOT),
        title: "시범사업 1차 점검 결과 공유",
        body: "<p>1차 점검 결과를 공유합니다. 회의실별 장비 현황을 <u>이번 주</u> 안에 \
               올려 주세요.</p>",
        pinned: false,
    },
];

/// Who a memo is shared with: a demo login, that login's unit, an agency, a project.
#[derive(Clone, Copy)]
enum ShareTo {
    Login(&'static str),
    UnitOf(&'static str),
    Agency(&'static str),
    Project(&'static str),
}

struct MemoSpec {
    author: &'static str,
    title: &'static str,
    body: &'static str,
    classification: Classification,
    shares: &'static [(ShareTo, SharePermission)],
}

const MEMOS: [MemoSpec; 3] = [
    MemoSpec {
        author: "mois.user",
        title: "회의실 영상장비 점검 메모",
        body: "<ul><li>6동 대회의실: 카메라 교체 필요</li><li>국회 본관 제1회의실: 정상</li></ul>",
        classification: Classification::Partial,
        shares: &[
            (ShareTo::Login("nas.user"), SharePermission::Editor),
            (ShareTo::Login("mois.admin"), SharePermission::Reader),
        ],
    },
    MemoSpec {
        author: "mois.admin",
        title: "주간 업무 보고 초안",
        body: "<p>이번 주 주요 업무와 다음 주 계획입니다.</p>",
        classification: Classification::Restricted,
        shares: &[
            (ShareTo::UnitOf("mois.user"), SharePermission::Reader),
            (ShareTo::Agency("mois"), SharePermission::Reader),
        ],
    },
    MemoSpec {
        author: "me.admin",
        title: "탄소중립 협의체 회의 자료",
        body: "<p>부문별 감축 목표 취합 양식과 일정입니다.</p>",
        classification: Classification::Public,
        shares: &[(ShareTo::Project(CARBON), SharePermission::Editor)],
    },
];

/// Step 5: the announcements, each once.
pub async fn announcements(store: &Store, report: &mut Report) -> Result<(), SeedError> {
    for spec in &ANNOUNCEMENTS {
        let Some(who) = poster(store, spec.poster).await? else {
            continue;
        };
        let (scope, agency_id, project_id) = match spec.scope {
            Scope::Everyone => (AnnouncementScope::Everyone, None, None),
            Scope::Agency(code) => match find_agency(store, code).await? {
                Some(a) => (AnnouncementScope::Agency, Some(a), None),
                None => continue,
            },
            Scope::Project(name) => match project_by_name(store, name).await? {
                Some(p) => (AnnouncementScope::Project, None, Some(p)),
                None => continue,
            },
        };
        let query = AnnouncementQuery {
            include_expired: true,
            after: None,
            limit: 1000,
        };
        let posted = store.list_announcements(&who, &query).await?;
        if posted
            .iter()
            .any(|a| a.author_id == who.account && a.title == spec.title)
        {
            continue;
        }
        let new = NewAnnouncement {
            scope,
            agency_id,
            project_id,
            title: spec.title.into(),
            body: spec.body.into(),
            pinned: spec.pinned,
            expires_ms: None,
        };
        store
            .create_announcement(&Actor::System, &who, &new)
            .await?;
        report.announcements += 1;
    }
    Ok(())
}

async fn poster(store: &Store, poster: Poster) -> Result<Option<Principal>, SeedError> {
    match poster {
        Poster::Login(login) => as_login(store, login).await,
        Poster::SystemAdmin => {
            // Administrators are few; the first page holds the first one.
            let accounts = store
                .list_accounts(&AccountFilter::default(), None, 1000)
                .await?;
            let first = accounts
                .into_iter()
                .find(|a| a.role == Role::SystemAdmin && a.disabled_ms.is_none());
            match first {
                Some(a) => Ok(Some(store.principal_for(a.id).await?)),
                None => Ok(None),
            }
        }
    }
}

/// Step 6: memos, each shared as its spec says; skipped when its author has one so titled.
pub async fn memos(store: &Store, report: &mut Report) -> Result<(), SeedError> {
    for spec in &MEMOS {
        let Some(who) = as_login(store, spec.author).await? else {
            continue;
        };
        let query = MemoQuery {
            q: String::new(),
            after: None,
            limit: 1000,
        };
        let mine = store.list_memos(&who, &query).await?;
        if mine
            .iter()
            .any(|m| m.author_id == who.account && m.title == spec.title)
        {
            continue;
        }
        let new = NewMemo {
            title: spec.title.into(),
            body: spec.body.into(),
            classification: spec.classification,
        };
        let memo = store.create_memo(&Actor::System, &who, &new).await?;
        report.memos += 1;
        let mut shares = Vec::new();
        for (to, permission) in spec.shares {
            if let Some(target) = share_target(store, *to).await? {
                let permission = *permission;
                shares.push(MemoShare { target, permission });
            }
        }
        if !shares.is_empty() {
            store
                .replace_memo_shares(&Actor::System, &who, memo.id, memo.version, &shares)
                .await?;
            report.memo_shares += shares.len();
        }
    }
    Ok(())
}

async fn share_target(store: &Store, to: ShareTo) -> Result<Option<ShareTarget>, SeedError> {
    Ok(match to {
        ShareTo::Login(login) => account_by_login(store, login)
            .await?
            .map(ShareTarget::Account),
        ShareTo::UnitOf(login) => {
            let employee = match as_login(store, login).await? {
                Some(p) => p.employee,
                None => None,
            };
            match employee {
                Some(e) => store.get_employee(e).await?.unit_id.map(ShareTarget::Unit),
                None => None,
            }
        }
        ShareTo::Agency(code) => find_agency(store, code).await?.map(ShareTarget::Agency),
        ShareTo::Project(name) => project_by_name(store, name)
            .await?
            .map(ShareTarget::Project),
    })
}
