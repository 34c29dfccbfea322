//! e-Memos on both backends, the conventions: If-Match on memos and share lists, list
//! paging and title search, token scopes, concurrent writers, and every bad input as a typed
//! problem that changes nothing.

mod common;

use axum::http::Method;
use common::TestApp;
use common::memo_world::*;
use serde_json::{Value, json};
use workspace_api::auth::Scope;

async fn if_match_guards_memos_and_shares(app: TestApp) {
    let a = agency(&app, "mois").await;
    let kim = person(&app, "kim", Some(a), None).await;
    let id = new_memo(&kim, "메모", "<p>본문</p>").await["id"]
        .as_i64()
        .unwrap();
    let uri = format!("/api/v1/memos/{id}");
    let before = app.audit_count().await;
    kim.app
        .patch(&uri, None, json!({"title": "x"}))
        .await
        .assert_problem(428, "precondition_required");
    kim.app
        .patch(&uri, Some("\"v9\""), json!({"title": "x"}))
        .await
        .assert_problem(412, "precondition_failed");
    put_shares(&kim, id, None, json!([]))
        .await
        .assert_problem(428, "precondition_required");
    put_shares(&kim, id, Some("\"v9\""), json!([]))
        .await
        .assert_problem(412, "precondition_failed");
    kim.app
        .send(Method::DELETE, &uri, &[], None)
        .await
        .assert_problem(428, "precondition_required");
    delete(&kim, &uri, "\"v9\"")
        .await
        .assert_problem(412, "precondition_failed");
    assert_eq!(app.audit_count().await, before);
    assert_eq!(etag_of(&kim, id).await, "\"v1\"");
}

async fn bad_memo_input_is_refused(app: TestApp) {
    let a = agency(&app, "mois").await;
    let kim = person(&app, "kim", Some(a), None).await;
    let other = person(&app, "lee", Some(a), None).await;
    project(&app, 3, a, false, &[(other.id, "lead")]).await;
    let id = new_memo(&kim, "메모", "<p>본문</p>").await["id"]
        .as_i64()
        .unwrap();
    let before = app.audit_count().await;
    let post = |body: Value| kim.app.post("/api/v1/memos", body);
    post(json!({"title": "x", "colour": "red"}))
        .await
        .assert_problem(422, "invalid_body");
    post(json!({"title": "x", "classification": "secret"}))
        .await
        .assert_problem(422, "invalid_body");
    post(json!({"body": "<p>x</p>"}))
        .await
        .assert_problem(422, "invalid_body");
    let r = post(json!({"title": " ", "body": "a".repeat(20_001)})).await;
    r.assert_problem(422, "validation_failed");
    let fields: Vec<_> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(fields, [json!("title"), json!("body")]);
    post(json!({"title": "x", "body": "가".repeat(30_000)}))
        .await
        .assert_problem(413, "payload_too_large");
    post(json!({"title": "x", "body": "a\u{0}b"}))
        .await
        .assert_problem(422, "validation_failed");
    let uri = format!("/api/v1/memos/{id}");
    kim.app
        .patch(&uri, Some("\"v1\""), json!({"classification": "top"}))
        .await
        .assert_problem(422, "invalid_body");
    kim.app
        .patch(&uri, Some("\"v1\""), json!({"title": ""}))
        .await
        .assert_problem(422, "validation_failed");
    let share = |kind: &str, target: i64| json!([{"target": {"kind": kind, "id": target}, "permission": "reader"}]);
    for (kind, target, code) in [
        ("account", 999, "unknown_account"),
        ("unit", 999, "unknown_unit"),
        ("agency", 999, "unknown_agency"),
        ("project", 999, "unknown_project"),
        // A private project Kim is not in is reported as unknown, not as existing.
        ("project", 3, "unknown_project"),
    ] {
        put_shares(&kim, id, Some("\"v1\""), share(kind, target))
            .await
            .assert_problem(422, code);
    }
    put_shares(&kim, id, Some("\"v1\""), share("team", 1))
        .await
        .assert_problem(422, "invalid_body");
    put_shares(
        &kim,
        id,
        Some("\"v1\""),
        json!([{"target": {"kind": "agency", "id": a}, "permission": "owner"}]),
    )
    .await
    .assert_problem(422, "invalid_body");
    let twice = json!([{"target": {"kind": "agency", "id": a}, "permission": "reader"},
                       {"target": {"kind": "agency", "id": a}, "permission": "editor"}]);
    put_shares(&kim, id, Some("\"v1\""), twice)
        .await
        .assert_problem(422, "validation_failed");
    put_shares(&kim, id, Some("\"v1\""), share("account", kim.id))
        .await
        .assert_problem(422, "validation_failed");
    let many: Vec<Value> = (1..=101)
        .map(|n| json!({"target": {"kind": "account", "id": n}, "permission": "reader"}))
        .collect();
    put_shares(&kim, id, Some("\"v1\""), json!(many))
        .await
        .assert_problem(422, "validation_failed");
    kim.app
        .get("/api/v1/memos?cursor=zzz")
        .await
        .assert_problem(400, "invalid_cursor");
    kim.app
        .get("/api/v1/memos?limit=0")
        .await
        .assert_problem(400, "invalid_query");
    kim.app
        .get("/api/v1/memos?sort=x")
        .await
        .assert_problem(400, "invalid_query");
    let long = format!("/api/v1/memos?q={}", "a".repeat(101));
    kim.app
        .get(&long)
        .await
        .assert_problem(400, "invalid_query");
    kim.app
        .get("/api/v1/memos/abc")
        .await
        .assert_problem(400, "invalid_path");
    assert_eq!(app.audit_count().await, before);
    let now = kim.app.get(&uri).await;
    assert_eq!(
        (now.etag().as_str(), now.body["title"].as_str()),
        ("\"v1\"", Some("메모"))
    );
    let shares = kim.app.get(&format!("{uri}/shares")).await;
    assert_eq!(shares.body["items"], json!([]));
}

async fn lists_page_and_search_titles(app: TestApp) {
    let a = agency(&app, "mois").await;
    let kim = person(&app, "kim", Some(a), None).await;
    let lee = person(&app, "lee", Some(a), None).await;
    let mut made = Vec::new();
    for title in [
        "주간 회의록",
        "Budget Review",
        "월간 회의 안건",
        "출장 보고",
        "budget 2차",
    ] {
        made.push(new_memo(&kim, title, "").await["id"].as_i64().unwrap());
    }
    // Lee shares one with Kim: it is in Kim's list too.
    let lees = new_memo(&lee, "협조 회의", "").await["id"]
        .as_i64()
        .unwrap();
    let share = json!([{"target": {"kind": "account", "id": kim.id}, "permission": "reader"}]);
    assert_eq!(
        put_shares(&lee, lees, Some("\"v1\""), share).await.status,
        200
    );
    let mut seen = Vec::new();
    let mut uri = "/api/v1/memos?limit=2".to_owned();
    loop {
        let page = kim.app.get(&uri).await;
        assert_eq!(page.status, 200, "{:#}", page.body);
        assert!(page.body["items"][0].get("body").is_none());
        seen.extend(ids(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/memos?limit=2&cursor={c}"),
            None => break,
        }
    }
    let mut expected = made.clone();
    expected.push(lees);
    expected.sort_unstable_by(|x, y| y.cmp(x));
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    assert_eq!(sorted, expected);
    assert_eq!(seen.len(), 6);
    let q = |s: &str| {
        let app = kim.app.clone();
        let uri = format!("/api/v1/memos?q={s}");
        async move { ids(&app.get(&uri).await.body) }
    };
    let mut hits = q("%ED%9A%8C%EC%9D%98").await; // 회의
    hits.sort_unstable();
    assert_eq!(hits, [made[0], made[2], lees]);
    let mut hits = q("BUDGET").await;
    hits.sort_unstable();
    assert_eq!(hits, [made[1], made[4]]);
    assert_eq!(q("%25").await, Vec::<i64>::new());
    // A cursor of one search is refused for another.
    let first = kim.app.get("/api/v1/memos?q=budget&limit=1").await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    kim.app
        .get(&format!("/api/v1/memos?limit=1&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid_cursor");
}

async fn tokens_need_workspace_scopes(app: TestApp) {
    let a = agency(&app, "mois").await;
    let reader = person_as(&app, "ro", "member", Some(a), None, &[Scope::WorkspaceRead]).await;
    let dir = person_as(
        &app,
        "dir",
        "member",
        Some(a),
        None,
        &[Scope::DirectoryRead],
    )
    .await;
    dir.app
        .get("/api/v1/memos")
        .await
        .assert_problem(403, "insufficient_scope");
    assert_eq!(reader.app.get("/api/v1/memos").await.status, 200);
    reader
        .app
        .post("/api/v1/memos", json!({"title": "x"}))
        .await
        .assert_problem(403, "insufficient_scope");
    app.anonymous()
        .get("/api/v1/memos")
        .await
        .assert_problem(401, "unauthenticated");
}

async fn concurrent_writers_of_one_version_get_one_success(app: TestApp) {
    let a = agency(&app, "mois").await;
    let kim = person(&app, "kim", Some(a), None).await;
    let lee = person(&app, "lee", Some(a), None).await;
    let id = new_memo(&kim, "메모", "").await["id"].as_i64().unwrap();
    let share = json!([{"target": {"kind": "account", "id": lee.id}, "permission": "reader"}]);
    let before = app.audit_count().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let app = kim.app.clone();
        let body = json!({"shares": share}).to_string().into_bytes();
        tasks.push(tokio::spawn(async move {
            let h = [("content-type", "application/json"), ("if-match", "\"v1\"")];
            let uri = format!("/api/v1/memos/{id}/shares");
            app.send(Method::PUT, &uri, &h, Some(body)).await
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().status.as_u16());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412, 412, 412]);
    assert_eq!(app.audit_count().await, before + 1);
    assert_eq!(etag_of(&kim, id).await, "\"v2\"");
}

both_backends!(
    if_match_guards_memos_and_shares,
    bad_memo_input_is_refused,
    lists_page_and_search_titles,
    tokens_need_workspace_scopes,
    concurrent_writers_of_one_version_get_one_success,
);
