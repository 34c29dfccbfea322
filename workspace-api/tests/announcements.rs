//! The bulletin board on both backends: posting rights per scope, who sees what, pinned
//! first, expiry, read acknowledgements, If-Match, events, audit, and bad input.

mod common;

use axum::http::Method;
use common::memo_world::project;
use common::{Resp, TestApp};
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Principal, Scope};
use workspace_api::store::Presented;

struct Person {
    id: i64,
    app: TestApp,
    who: Principal,
}

async fn agency(app: &TestApp, code: &str) -> i64 {
    let body = json!({"code": code, "name_ko": format!("{code} 기관")});
    app.create("/api/v1/agencies", body).await["id"]
        .as_i64()
        .unwrap()
}

async fn person(app: &TestApp, login: &str, role: &str, agency: Option<i64>) -> Person {
    let body = json!({"login": login, "password": "member-password-1", "role": role,
        "agency_id": agency});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = common::issue_token(&app.store, AccountId(id), &Scope::ALL, i64::MAX / 2).await;
    let who = app
        .store
        .authenticate(Presented::BearerToken(&token))
        .await
        .unwrap();
    Person {
        id,
        app: app.as_bearer(&token),
        who,
    }
}

async fn post(app: &TestApp, body: Value) -> Resp {
    app.post("/api/v1/announcements", body).await
}

async fn posted(app: &TestApp, body: Value) -> i64 {
    let r = post(app, body).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    r.body["id"].as_i64().unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

async fn list(app: &TestApp, query: &str) -> Vec<i64> {
    let r = app.get(&format!("/api/v1/announcements{query}")).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    ids(&r.body)
}

async fn posted_events(app: &TestApp, who: &Principal) -> Vec<i64> {
    let events = app.store.events_for(who, 0, 1000).await.unwrap();
    events
        .into_iter()
        .filter(|e| e.kind == "announcement.posted")
        .map(|e| e.entity_id)
        .collect()
}

/// Two agencies, their admins and members, and a private project led from agency A.
struct World {
    a: i64,
    b: i64,
    admin_a: Person,
    member_a: Person,
    member_b: Person,
    lead: Person,
    project_member: Person,
}

async fn world(app: &TestApp) -> World {
    let a = agency(app, "mois").await;
    let b = agency(app, "me").await;
    let lead = person(app, "lead", "member", Some(b)).await;
    let project_member = person(app, "pm", "member", Some(b)).await;
    project(
        app,
        5,
        a,
        false,
        &[(lead.id, "lead"), (project_member.id, "member")],
    )
    .await;
    World {
        a,
        b,
        admin_a: person(app, "admin-a", "agency_admin", Some(a)).await,
        member_a: person(app, "kim", "member", Some(a)).await,
        member_b: person(app, "park", "member", Some(b)).await,
        lead,
        project_member,
    }
}

async fn posting_rights_follow_the_scope(app: TestApp) {
    let w = world(&app).await;
    let everyone = json!({"scope": "everyone", "title": "시스템 점검 안내"});
    let to_a = json!({"scope": "agency", "agency_id": w.a, "title": "행안부 공지"});
    let to_b = json!({"scope": "agency", "agency_id": w.b, "title": "환경부 공지"});
    let to_p = json!({"scope": "project", "project_id": 5, "title": "과제 공지"});
    let before = app.audit_count().await;
    for (who, body) in [
        (&w.admin_a, &everyone),
        (&w.admin_a, &to_b),
        (&w.member_a, &to_a),
        (&w.member_a, &everyone),
        (&w.project_member, &to_p),
    ] {
        post(&who.app, body.clone())
            .await
            .assert_problem(403, "forbidden");
    }
    // The project is private: a non-member learns nothing about it.
    post(&w.member_b.app, to_p.clone())
        .await
        .assert_problem(422, "unknown_project");
    let ghost = json!({"scope": "agency", "agency_id": 999, "title": "x"});
    post(&w.admin_a.app, ghost)
        .await
        .assert_problem(422, "unknown_agency");
    assert_eq!(app.audit_count().await, before);
    let e = posted(&app, everyone).await;
    let ea = posted(&w.admin_a.app, to_a).await;
    let eb = posted(&app, to_b).await;
    let ep = posted(&w.lead.app, to_p).await;
    let log = app.audit_log().await;
    let rows: Vec<_> = log[before..]
        .iter()
        .map(|r| {
            (
                r.action.as_str(),
                r.entity.as_str(),
                r.entity_id,
                r.agency_id.map(|g| g.0),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("create", "announcement", e, None),
            ("create", "announcement", ea, Some(w.a)),
            ("create", "announcement", eb, Some(w.b)),
            ("create", "announcement", ep, Some(w.a)),
        ]
    );
    // announcement.posted reaches exactly the scope's audience.
    assert_eq!(posted_events(&app, &w.member_a.who).await, [e, ea]);
    assert_eq!(posted_events(&app, &w.member_b.who).await, [e, eb]);
    assert_eq!(
        posted_events(&app, &w.project_member.who).await,
        [e, eb, ep]
    );
}

async fn each_sees_their_scopes_pinned_first(app: TestApp) {
    let w = world(&app).await;
    let e = posted(&app, json!({"scope": "everyone", "title": "전체"})).await;
    let pinned = posted(
        &app,
        json!({"scope": "everyone", "title": "고정", "pinned": true}),
    )
    .await;
    let ea = posted(
        &w.admin_a.app,
        json!({"scope": "agency", "agency_id": w.a, "title": "A"}),
    )
    .await;
    let ep = posted(
        &w.lead.app,
        json!({"scope": "project", "project_id": 5, "title": "P"}),
    )
    .await;
    assert_eq!(list(&w.member_a.app, "").await, [pinned, ea, e]);
    assert_eq!(list(&w.member_b.app, "").await, [pinned, e]);
    assert_eq!(list(&w.project_member.app, "").await, [pinned, ep, e]);
    assert_eq!(list(&app, "").await, [pinned, ep, ea, e]);
    for (who, id) in [(&w.member_b, ea), (&w.member_a, ep)] {
        let uri = format!("/api/v1/announcements/{id}");
        who.app
            .get(&uri)
            .await
            .assert_problem(404, "announcement_not_found");
        who.app
            .post(&format!("{uri}/ack"), json!({}))
            .await
            .assert_problem(404, "announcement_not_found");
    }
    // Pages keep the order across the pinned boundary.
    let first = w.member_a.app.get("/api/v1/announcements?limit=1").await;
    assert_eq!(ids(&first.body), [pinned]);
    let c = first.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        list(&w.member_a.app, &format!("?limit=1&cursor={c}")).await,
        [ea]
    );
    // Once the project is public, its announcements are readable by anyone who sees it.
    app.raw("UPDATE projects SET public = 1 WHERE id = 5").await;
    assert_eq!(list(&w.member_a.app, "").await, [pinned, ep, ea, e]);
}

async fn expired_ones_leave_the_default_list(app: TestApp) {
    let w = world(&app).await;
    let body = json!({"scope": "agency", "agency_id": w.a, "title": "곧 만료",
        "expires_ms": 4_000_000_000_000_i64});
    let id = posted(&w.admin_a.app, body).await;
    let live = posted(
        &w.admin_a.app,
        json!({"scope": "agency", "agency_id": w.a, "title": "상시"}),
    )
    .await;
    app.raw(&format!(
        "UPDATE announcements SET expires_ms = 1000 WHERE id = {id}"
    ))
    .await;
    assert_eq!(list(&w.member_a.app, "").await, [live]);
    assert_eq!(list(&w.member_a.app, "?include_expired=true").await, [live]);
    assert_eq!(list(&w.admin_a.app, "").await, [live]);
    assert_eq!(
        list(&w.admin_a.app, "?include_expired=true").await,
        [live, id]
    );
    assert_eq!(list(&app, "?include_expired=true").await, [live, id]);
    // A direct link still opens it.
    let r = w
        .member_a
        .app
        .get(&format!("/api/v1/announcements/{id}"))
        .await;
    assert_eq!(r.status, 200);
    w.member_a
        .app
        .get("/api/v1/announcements?include_expired=maybe")
        .await
        .assert_problem(400, "invalid_query");
}

async fn acknowledgements_are_idempotent_and_listed(app: TestApp) {
    let w = world(&app).await;
    let id = posted(
        &w.admin_a.app,
        json!({"scope": "agency", "agency_id": w.a, "title": "필독"}),
    )
    .await;
    let uri = format!("/api/v1/announcements/{id}");
    let before = app.audit_count().await;
    for _ in 0..2 {
        let r = w.member_a.app.post(&format!("{uri}/ack"), json!({})).await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        assert_eq!(
            (
                r.body["acked_by_me"].as_bool(),
                r.body["ack_count"].as_i64()
            ),
            (Some(true), Some(1))
        );
    }
    let acks: Vec<_> = app.audit_log().await[before..]
        .iter()
        .map(|e| e.action.clone())
        .collect();
    assert_eq!(acks, ["ack"]);
    // The first acknowledgement is told live to those who manage the notice (its poster,
    // system admins), once; not to the reader who acknowledged, nor to anyone else.
    let acked = |events: Vec<workspace_api::store::Event>| -> Vec<Value> {
        events
            .into_iter()
            .filter(|e| e.kind == "announcement.acked")
            .map(|e| e.data)
            .collect()
    };
    let told = acked(app.store.events_for(&w.admin_a.who, 0, 1000).await.unwrap());
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["account_id"], w.member_a.id);
    assert_eq!(told[0]["ack_count"], 1);
    for quiet in [&w.member_a, &w.member_b, &w.lead] {
        let events = app.store.events_for(&quiet.who, 0, 1000).await.unwrap();
        assert!(acked(events).is_empty(), "{}", quiet.id);
    }
    let mine = w.member_a.app.get("/api/v1/announcements").await;
    assert_eq!(mine.body["items"][0]["acked_by_me"], true);
    let theirs = w.admin_a.app.get("/api/v1/announcements").await;
    assert_eq!(theirs.body["items"][0]["acked_by_me"], false);
    assert_eq!(theirs.body["items"][0]["ack_count"], 1);
    let listed = w.admin_a.app.get(&format!("{uri}/acks")).await;
    assert_eq!(listed.status, 200, "{:#}", listed.body);
    assert_eq!(listed.body["items"][0]["account_id"], w.member_a.id);
    assert_eq!(listed.body["items"][0]["login"], "kim");
    assert_eq!(app.get(&format!("{uri}/acks")).await.status, 200);
    w.member_a
        .app
        .get(&format!("{uri}/acks"))
        .await
        .assert_problem(403, "forbidden");
    w.member_b
        .app
        .get(&format!("{uri}/acks"))
        .await
        .assert_problem(404, "announcement_not_found");
    w.admin_a
        .app
        .get(&format!("{uri}/acks?cursor=nope"))
        .await
        .assert_problem(400, "invalid_cursor");
}

async fn managers_edit_and_delete_with_if_match(app: TestApp) {
    let w = world(&app).await;
    let id = posted(
        &w.lead.app,
        json!({"scope": "project", "project_id": 5, "title": "회의 일정"}),
    )
    .await;
    let uri = format!("/api/v1/announcements/{id}");
    let before = app.audit_count().await;
    w.lead
        .app
        .patch(&uri, None, json!({"pinned": true}))
        .await
        .assert_problem(428, "precondition_required");
    w.lead
        .app
        .patch(&uri, Some("\"v7\""), json!({"pinned": true}))
        .await
        .assert_problem(412, "precondition_failed");
    w.project_member
        .app
        .patch(&uri, Some("\"v1\""), json!({"pinned": true}))
        .await
        .assert_problem(403, "forbidden");
    w.member_a
        .app
        .patch(&uri, Some("\"v1\""), json!({"pinned": true}))
        .await
        .assert_problem(404, "announcement_not_found");
    w.lead
        .app
        .patch(&uri, Some("\"v1\""), json!({"scope": "everyone"}))
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(app.audit_count().await, before);
    let r = w
        .lead
        .app
        .patch(&uri, Some("\"v1\""), json!({"pinned": true, "body": "<p onclick=x>변경</p>", "expires_ms": 4_000_000_000_000_i64}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(
        (r.body["pinned"].as_bool(), r.body["body"].as_str()),
        (Some(true), Some("<p>변경</p>"))
    );
    assert_eq!(r.etag(), "\"v2\"");
    let r = w
        .lead
        .app
        .patch(&uri, Some("\"v2\""), json!({"expires_ms": null}))
        .await;
    assert_eq!(r.body["expires_ms"], Value::Null);
    let events = app
        .store
        .events_for(&w.project_member.who, 0, 100)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "announcement.updated" && e.entity_id == id)
    );
    let del = |who: &Person, etag: &'static str| {
        let app = who.app.clone();
        let uri = uri.clone();
        async move {
            app.send(Method::DELETE, &uri, &[("if-match", etag)], None)
                .await
        }
    };
    del(&w.project_member, "\"v3\"")
        .await
        .assert_problem(403, "forbidden");
    del(&w.lead, "\"v2\"")
        .await
        .assert_problem(412, "precondition_failed");
    assert_eq!(del(&w.lead, "\"v3\"").await.status, 204);
    app.get(&uri)
        .await
        .assert_problem(404, "announcement_not_found");
    let actions: Vec<_> = app.audit_log().await[before..]
        .iter()
        .map(|e| e.action.clone())
        .collect();
    assert_eq!(actions, ["update", "update", "delete"]);
}

async fn bad_announcements_are_refused(app: TestApp) {
    let w = world(&app).await;
    let before = app.audit_count().await;
    let bad = |body: Value, status: u16, code: &'static str| {
        let app = app.clone();
        async move { post(&app, body).await.assert_problem(status, code) }
    };
    bad(
        json!({"scope": "agency", "title": "x"}),
        422,
        "validation_failed",
    )
    .await;
    bad(
        json!({"scope": "everyone", "agency_id": w.a, "title": "x"}),
        422,
        "validation_failed",
    )
    .await;
    bad(
        json!({"scope": "project", "agency_id": w.a, "title": "x"}),
        422,
        "validation_failed",
    )
    .await;
    bad(
        json!({"scope": "everyone", "title": "x", "expires_ms": 1000}),
        422,
        "validation_failed",
    )
    .await;
    bad(
        json!({"scope": "everyone", "title": " "}),
        422,
        "validation_failed",
    )
    .await;
    bad(
        json!({"scope": "everyone", "title": "x", "body": "a".repeat(20_001)}),
        422,
        "validation_failed",
    )
    .await;
    bad(json!({"scope": "world", "title": "x"}), 422, "invalid_body").await;
    bad(
        json!({"scope": "everyone", "title": "x", "urgent": true}),
        422,
        "invalid_body",
    )
    .await;
    bad(
        json!({"scope": "everyone", "title": "x", "pinned": "yes"}),
        422,
        "invalid_body",
    )
    .await;
    app.get("/api/v1/announcements/1")
        .await
        .assert_problem(404, "announcement_not_found");
    app.get("/api/v1/announcements?limit=500")
        .await
        .assert_problem(400, "invalid_query");
    assert_eq!(app.audit_count().await, before);
    let id = posted(&app, json!({"scope": "everyone", "title": "x", "body": "<svg onload=alert(1)>안녕</svg><img src=x onerror=alert(1)>"})).await;
    let r = app.get(&format!("/api/v1/announcements/{id}")).await;
    assert_eq!(
        (r.body["body"].as_str(), r.body["excerpt"].as_str()),
        (Some(""), Some(""))
    );
}

both_backends!(
    posting_rights_follow_the_scope,
    each_sees_their_scopes_pinned_first,
    expired_ones_leave_the_default_list,
    acknowledgements_are_idempotent_and_listed,
    managers_edit_and_delete_with_if_match,
    bad_announcements_are_refused,
);
