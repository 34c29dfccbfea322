//! The demo seed on an in-memory store: what it makes, that a second run adds nothing, that
//! it refuses a foreign hub, and that its people are found by 초성; plus the bulk import.

use workspace_api::seed::{SeedError, bench, demo};
use workspace_api::store::SearchQuery;
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
