//! `GET /audit` on both backends: newest or oldest first, filtered by actor, entity, action
//! and time, in cursor pages that neither repeat nor skip, within the caller's reach; bad
//! filters and cursors of another view are refused.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Scope};

const PASSWORD: &str = "member-password-1";

async fn agency(app: &TestApp, code: &str) -> i64 {
    app.create("/api/v1/agencies", json!({"code": code, "name_ko": code}))
        .await["id"]
        .as_i64()
        .unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    let items = page["items"].as_array().unwrap();
    items.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

/// Every id of a view, following its cursors `limit` at a time.
async fn all_pages(app: &TestApp, query: &str, limit: usize) -> Vec<i64> {
    let mut out = Vec::new();
    let mut uri = format!("/api/v1/audit?{query}&limit={limit}");
    loop {
        let r = app.get(&uri).await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        let page = ids(&r.body);
        assert!(page.len() <= limit);
        out.extend(page);
        match r.body["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/audit?{query}&limit={limit}&cursor={c}"),
            None => return out,
        }
    }
}

async fn newest_first_filtered_and_paged(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let mut units = Vec::new();
    for name in ["운영지원과", "기획조정실", "정책과"] {
        let body = json!({"name_ko": name});
        let made = app
            .create(&format!("/api/v1/agencies/{a}/units"), body)
            .await;
        units.push(made["id"].as_i64().unwrap());
    }
    app.create(
        &format!("/api/v1/agencies/{b}/units"),
        json!({"name_ko": "기후정책과"}),
    )
    .await;

    // Both directions hold every row once; newest first is oldest first reversed.
    let oldest = all_pages(&app, "order=oldest", 100).await;
    assert_eq!(
        all_pages(&app, "", 100).await,
        oldest,
        "oldest first by default"
    );
    let newest = all_pages(&app, "order=newest", 2).await;
    let mut reversed = oldest.clone();
    reversed.reverse();
    assert_eq!(newest, reversed);
    assert!(oldest.len() >= 7, "{oldest:?}");

    // Filters combine: entity, entity id, action, actor, time.
    let unit_rows = all_pages(&app, "order=newest&entity=unit", 2).await;
    assert_eq!(unit_rows.len(), 4);
    let one = app
        .get(&format!("/api/v1/audit?entity=unit&entity_id={}", units[1]))
        .await;
    assert_eq!(
        one.body["items"].as_array().unwrap().len(),
        1,
        "{:#}",
        one.body
    );
    assert_eq!(one.body["items"][0]["action"], "create");
    let creates = all_pages(&app, "action=create&entity=agency", 1).await;
    assert_eq!(creates.len(), 2);
    let by_admin = all_pages(&app, "actor=account:1&entity=unit", 10).await;
    assert_eq!(
        by_admin,
        unit_rows.iter().rev().copied().collect::<Vec<_>>()
    );
    assert!(
        all_pages(&app, "actor=system&entity=unit", 10)
            .await
            .is_empty()
    );
    let row = &one.body["items"][0];
    let at = row["at_ms"].as_i64().unwrap();
    let window = format!("entity=unit&from_ms={at}&to_ms={}", at + 1);
    assert!(
        all_pages(&app, &window, 10)
            .await
            .contains(&row["id"].as_i64().unwrap())
    );
    let before = format!("entity=unit&to_ms={at}");
    let earlier = all_pages(&app, &before, 10).await;
    assert!(
        !earlier.contains(&row["id"].as_i64().unwrap()),
        "to_ms is exclusive"
    );

    // An agency admin reads only its agency's rows, filtered the same way.
    let body = json!({"login": "admin-me", "password": PASSWORD, "role": "agency_admin",
        "agency_id": b});
    let admin = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = common::issue_token(&app.store, AccountId(admin), &Scope::ALL, i64::MAX / 2).await;
    let admin_b = app.as_bearer(&token);
    let theirs = admin_b.get("/api/v1/audit?order=newest&entity=unit").await;
    let items = theirs.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{:#}", theirs.body);
    assert_eq!(items[0]["agency_id"], b);
}

async fn bad_audit_queries_are_refused(app: TestApp) {
    agency(&app, "a1").await;
    agency(&app, "a2").await;
    for bad in [
        "order=sideways",
        "entity_id=x",
        "from_ms=soon",
        "colour=red",
        "limit=0",
    ] {
        app.get(&format!("/api/v1/audit?{bad}"))
            .await
            .assert_problem(400, "invalid_query");
    }
    let long = "a".repeat(101);
    for field in ["actor", "entity", "action"] {
        app.get(&format!("/api/v1/audit?{field}={long}"))
            .await
            .assert_problem(400, "invalid_query");
        app.get(&format!("/api/v1/audit?{field}=%01"))
            .await
            .assert_problem(400, "invalid_query");
    }
    // A cursor continues only the view it came from.
    let first = app.get("/api/v1/audit?order=newest&limit=1").await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    for other in ["order=oldest", "order=newest&entity=agency", ""] {
        app.get(&format!("/api/v1/audit?{other}&limit=1&cursor={cursor}"))
            .await
            .assert_problem(400, "invalid_cursor");
    }
    let next = app
        .get(&format!(
            "/api/v1/audit?order=newest&limit=1&cursor={cursor}"
        ))
        .await;
    assert!(ids(&next.body)[0] < ids(&first.body)[0]);
}

both_backends!(
    newest_first_filtered_and_paged,
    bad_audit_queries_are_refused
);
