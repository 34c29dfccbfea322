//! The demo seed on an in-memory store: what it makes, that a second run adds nothing, that
//! it refuses a foreign hub, and that its people are found by 초성; plus the bulk import.
//! On both backends: the workspace half (board, memos, meetings) as its people see it.

mod common;

use common::TestApp;
use serde_json::Value;
use workspace_api::auth::Scope;
use workspace_api::seed::{SeedError, bench, demo};
use workspace_api::store::{AccountFilter, SearchQuery};
use workspace_api::{ApiConfig, PasswordStrength, Store, hangul};

async fn memory() -> Store {
    let mut config = ApiConfig::in_memory();
    config.password_strength = PasswordStrength::InsecureFastForTests;
    workspace_api::connect(&config).await.unwrap()
}

fn query(q: Option<&str>, limit: i64) -> SearchQuery {
    SearchQuery {
        q: q.map(hangul::normalize),
        agency: None,
        unit: None,
        after: None,
        limit,
    }
}

#[tokio::test]
async fn demo_seeds_once_and_its_people_are_found() {
    let store = memory().await;
    let r = demo::run(&store, false).await.unwrap();
    assert_eq!(r.agencies_created, 10);
    assert!((200..=600).contains(&r.employees), "{r:?}");
    assert_eq!(r.accounts_created.len(), demo::DEMO_ACCOUNTS.len());
    assert_eq!(r.extra_fields, 2);
    let collab = (r.rooms, r.projects, r.project_members, r.tasks);
    assert_eq!(collab, (6, 2, 7, 7), "the collaboration half");
    // Without a system administrator the hub-wide announcement has no one to post it.
    let board = (r.announcements, r.memos, r.memo_shares, r.meetings);
    assert_eq!(board, (2, 3, 5, 3), "board, memos and meetings");
    assert_eq!(store.employee_count().await.unwrap(), r.employees as i64);
    let audit = store.audit_entries(0, 1_000_000).await.unwrap().len();
    assert!(audit > r.employees, "every write is audited");

    let again = demo::run(&store, false).await.unwrap();
    assert_eq!((again.agencies_created, again.agencies_existing), (0, 10));
    assert_eq!((again.employees, again.accounts_created.len()), (0, 0));
    assert_eq!(again.accounts_existing, demo::DEMO_ACCOUNTS.len());
    let collab = (
        again.rooms,
        again.projects,
        again.project_members,
        again.tasks,
    );
    assert_eq!(
        collab,
        (0, 0, 0, 0),
        "a second run adds no rooms, projects or tasks"
    );
    let board = (again.announcements, again.memos, again.meetings);
    assert_eq!(board, (0, 0, 0), "nor announcements, memos or meetings");
    assert_eq!(store.employee_count().await.unwrap(), r.employees as i64);
    assert_eq!(
        store.audit_entries(0, 1_000_000).await.unwrap().len(),
        audit
    );

    // Someone of the demo, found by the 초성 of their name.
    let someone = store.search_employees(&query(None, 1)).await.unwrap()[0]
        .employee
        .clone();
    let initials = hangul::chosung(&someone.name_ko);
    let hits = store
        .search_employees(&query(Some(&initials), 100))
        .await
        .unwrap();
    assert!(
        hits.iter().any(|h| h.employee.id == someone.id),
        "{initials}"
    );
    assert!(
        someone
            .email
            .as_deref()
            .unwrap()
            .ends_with(".example.go.kr")
    );
    assert!(someone.position_id.is_some());
    // The demo accounts sign in with the documented password.
    store
        .login("mois.admin", demo::DEMO_PASSWORD, 60_000)
        .await
        .unwrap();
}

#[tokio::test]
async fn demo_refuses_a_foreign_hub_unless_forced() {
    let store = memory().await;
    let new = workspace_api::model::NewAgency {
        code: "real".into(),
        name_ko: "실제 기관".into(),
        name_en: String::new(),
    };
    store
        .create_agency(&workspace_api::extract::Actor::System, &new)
        .await
        .unwrap();
    let err = demo::run(&store, false).await.unwrap_err();
    assert!(
        matches!(&err, SeedError::NotDemoHub(codes) if codes == &["real"]),
        "{err}"
    );
    assert_eq!(store.employee_count().await.unwrap(), 0);
    let r = demo::run(&store, true).await.unwrap();
    assert_eq!(r.agencies_created, 10);
}

#[tokio::test]
async fn bench_import_adds_searchable_people_in_batches() {
    let store = memory().await;
    let mut batches = Vec::new();
    let n = bench::BATCH + 500;
    let r = bench::employees(&store, n, |done| batches.push(done))
        .await
        .unwrap();
    assert_eq!(r.inserted, n);
    assert_eq!(batches, [bench::BATCH, n]);
    let demo_people = store.employee_count().await.unwrap() as usize - n;
    assert!(demo_people > 200, "the demo directory comes first");
    // A second run adds more, with fresh addresses.
    bench::employees(&store, 10, |_| {}).await.unwrap();
    assert_eq!(
        store.employee_count().await.unwrap() as usize,
        demo_people + n + 10
    );
    let last = store
        .get_employee(workspace_api::model::EmployeeId(
            store.max_employee_id().await.unwrap(),
        ))
        .await
        .unwrap();
    let hits = store
        .search_employees(&query(Some(&hangul::chosung(&last.name_ko)), 100))
        .await
        .unwrap();
    assert!(!hits.is_empty());
    let phone = hangul::digits(last.office_phone.as_deref().unwrap());
    let hits = store
        .search_employees(&query(Some(&phone), 100))
        .await
        .unwrap();
    assert!(hits.iter().any(|h| h.employee.id == last.id), "{phone}");
}

both_backends!(demo_workspace_as_its_people_see_it);

/// The demo account `login`, signed in with an all-scope token.
async fn as_demo(app: &TestApp, login: &str) -> TestApp {
    let filter = AccountFilter {
        agency: None,
        q: Some(login.into()),
    };
    let accounts = app.store.list_accounts(&filter, None, 10).await.unwrap();
    let id = accounts.iter().find(|a| a.login == login).unwrap().id;
    let token = common::issue_token(&app.store, id, &Scope::ALL, i64::MAX / 2).await;
    app.as_bearer(&token)
}

fn titles(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x["title"].as_str().unwrap())
        .collect()
}

async fn demo_workspace_as_its_people_see_it(app: TestApp) {
    let r = demo::run(&app.store, false).await.unwrap();
    let board = (r.announcements, r.memos, r.memo_shares);
    assert_eq!(board, (3, 3, 5), "{r:?}");
    assert_eq!((r.meetings, r.meeting_bookings), (3, 1), "{r:?}");

    // A member of the Assembly: the pinned hub-wide notice first and the pilot project's,
    // not the ministry's own; the memo shared with them; today's meeting is not theirs.
    let nas = as_demo(&app, "nas.user").await;
    let board = nas.get("/api/v1/announcements").await.body;
    let seen = titles(&board["items"]);
    assert_eq!(seen[0], "govhub 영상회의 서비스 개통 안내", "{seen:?}");
    assert_eq!(board["items"][0]["pinned"], true);
    assert!(seen.contains(&"시범사업 1차 점검 결과 공유"), "{seen:?}");
    assert!(
        !seen.contains(&"세종청사 6동 회의실 예약 방법 변경"),
        "{seen:?}"
    );
    let memos = nas.get("/api/v1/memos").await.body;
    assert_eq!(titles(&memos["items"]), ["회의실 영상장비 점검 메모"]);
    let upcoming = nas.get("/api/v1/me/meetings").await.body;
    assert!(titles(&upcoming["today"]).is_empty(), "{upcoming:#}");
    let next = &upcoming["upcoming"][0];
    assert_eq!(next["title"], "시범사업 회의실 연결 점검");
    assert!(next["booking"]["room_id"].is_i64(), "{next:#}");
    assert!(next["project_id"].is_i64(), "{next:#}");

    // The ministry's member: the agency notice, the memo shared with their unit and
    // agency, and the meeting going on now, which they may join.
    let mois = as_demo(&app, "mois.user").await;
    let seen = titles(&mois.get("/api/v1/announcements").await.body["items"]).len();
    assert_eq!(seen, 3);
    let memos = mois.get("/api/v1/memos").await.body;
    let mut got = titles(&memos["items"]);
    got.sort_unstable();
    assert_eq!(got, ["주간 업무 보고 초안", "회의실 영상장비 점검 메모"]);
    let mine = mois.get("/api/v1/me/meetings").await.body;
    assert_eq!(titles(&mine["today"]), ["부처 합동 주간 회의"], "{mine:#}");
    let now = &mine["today"][0];
    assert_eq!(now["attendees"].as_array().unwrap().len(), 3);

    // Written by the system for their authors: the author owns it, the audit says system.
    let me = as_demo(&app, "me.admin").await;
    let memo = &me.get("/api/v1/memos").await.body["items"][0];
    assert_eq!(memo["title"], "탄소중립 협의체 회의 자료");
    let log = app.audit_log().await;
    let row = log
        .iter()
        .find(|e| e.entity == "memo" && e.action == "create")
        .unwrap();
    assert_eq!(row.actor, "system");

    let audit = app.audit_count().await;
    let again = demo::run(&app.store, false).await.unwrap();
    let more = (again.announcements, again.memos, again.meetings);
    assert_eq!(more, (0, 0, 0), "a second run adds nothing");
    assert_eq!(app.audit_count().await, audit);
}
