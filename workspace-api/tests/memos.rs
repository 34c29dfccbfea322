//! e-Memos on both backends: sanitised bodies, privacy by default, sharing with people,
//! units, agencies and projects, reader/editor/author rights, events and audit. If-Match,
//! paging, scopes and bad input are in `memo_rules.rs`.

mod common;

use axum::http::Method;
use common::TestApp;
use common::memo_world::*;
use serde_json::json;
use workspace_api::auth::Principal;

async fn memos_are_written_sanitised_and_audited(app: TestApp) {
    let a = agency(&app, "mois").await;
    let kim = person(&app, "kim", Some(a), None).await;
    let before = app.audit_count().await;
    let body = "<h2>회의 결과</h2><p onclick=\"x()\">예산 <b>확정</b></p>\
                <script>alert(1)</script><a href=\"javascript:alert(1)\">링크</a>";
    let r = kim
        .app
        .post(
            "/api/v1/memos",
            json!({"title": "  주간 회의  ", "body": body}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        r.headers["location"],
        format!("/api/v1/memos/{id}").as_str()
    );
    assert_eq!(r.etag(), "\"v1\"");
    assert_eq!(r.body["title"], "주간 회의");
    assert_eq!(
        r.body["body"],
        "<h2>회의 결과</h2><p>예산 <b>확정</b></p><a rel=\"noopener noreferrer\">링크</a>"
    );
    assert_eq!(r.body["excerpt"], "회의 결과 예산 확정 링크");
    assert_eq!(r.body["classification"], "restricted");
    assert_eq!(r.body["access"], "owner");
    assert_eq!(r.body["author_id"], kim.id);
    let uri = format!("/api/v1/memos/{id}");
    let got = kim.app.get(&uri).await;
    assert_eq!(got.body, r.body);
    let patched = kim
        .app
        .patch(
            &uri,
            Some("\"v1\""),
            json!({"body": "<p style=\"x\">새 본문</p>", "classification": "partial"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:#}", patched.body);
    assert_eq!(patched.body["body"], "<p>새 본문</p>");
    assert_eq!(patched.body["excerpt"], "새 본문");
    assert_eq!(patched.body["classification"], "partial");
    assert_eq!(patched.body["title"], "주간 회의");
    assert_eq!(patched.etag(), "\"v2\"");
    assert_eq!(delete(&kim, &uri, "\"v2\"").await.status, 204);
    kim.app
        .get(&uri)
        .await
        .assert_problem(404, "memo_not_found");
    let log = app.audit_log().await;
    let memo_rows: Vec<_> = log[before..]
        .iter()
        .filter(|e| e.entity == "memo")
        .map(|e| {
            (
                e.action.as_str(),
                e.entity_id,
                e.actor.clone(),
                e.agency_id.map(|g| g.0),
            )
        })
        .collect();
    let actor = format!("account:{}", kim.id);
    assert_eq!(
        memo_rows,
        [
            ("create", id, actor.clone(), Some(a)),
            ("update", id, actor.clone(), Some(a)),
            ("delete", id, actor, Some(a)),
        ]
    );
}

async fn memos_are_private_until_shared(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let kim = person(&app, "kim", Some(a), None).await;
    let lee = person(&app, "lee", Some(a), None).await;
    let park = person(&app, "park", Some(b), None).await;
    let memo = new_memo(&kim, "인사 계획", "<p>비공개</p>").await;
    let id = memo["id"].as_i64().unwrap();
    let uri = format!("/api/v1/memos/{id}");
    // Nobody else sees it, not even the system administrator (the default bearer).
    for other in [&lee.app, &park.app, &app] {
        other.get(&uri).await.assert_problem(404, "memo_not_found");
        other
            .get(&format!("{uri}/shares"))
            .await
            .assert_problem(404, "memo_not_found");
        other
            .patch(&uri, Some("\"v1\""), json!({"title": "x"}))
            .await
            .assert_problem(404, "memo_not_found");
        other
            .send(Method::DELETE, &uri, &[("if-match", "\"v1\"")], None)
            .await
            .assert_problem(404, "memo_not_found");
        assert_eq!(
            ids(&other.get("/api/v1/memos").await.body),
            Vec::<i64>::new()
        );
    }
    let shares = json!([{"target": {"kind": "agency", "id": a}, "permission": "reader"},
                        {"target": {"kind": "account", "id": park.id}, "permission": "editor"}]);
    let r = put_shares(&kim, id, Some("\"v1\""), shares).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.etag(), "\"v2\"");
    // Lee (same agency) reads; Park (named, another agency) edits.
    let seen = lee.app.get(&uri).await;
    assert_eq!(seen.body["access"], "reader");
    assert_eq!(ids(&lee.app.get("/api/v1/memos").await.body), [id]);
    lee.app
        .patch(&uri, Some("\"v2\""), json!({"title": "x"}))
        .await
        .assert_problem(403, "forbidden");
    delete(&lee, &uri, "\"v2\"")
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(park.app.get(&uri).await.body["access"], "editor");
    let edited = park
        .app
        .patch(&uri, Some("\"v2\""), json!({"title": "인사 계획(안)"}))
        .await;
    assert_eq!(edited.status, 200, "{:#}", edited.body);
    assert_eq!(edited.body["access"], "editor");
    // Only the author deletes or manages shares.
    delete(&park, &uri, "\"v3\"")
        .await
        .assert_problem(403, "forbidden");
    put_shares(&park, id, Some("\"v3\""), json!([]))
        .await
        .assert_problem(403, "forbidden");
    put_shares(&lee, id, Some("\"v3\""), json!([]))
        .await
        .assert_problem(403, "forbidden");
    // Both may read the share list.
    let list = park.app.get(&format!("{uri}/shares")).await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    assert_eq!(list.etag(), "\"v3\"");
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    // Taking the shares away hides it again.
    assert_eq!(
        put_shares(&kim, id, Some("\"v3\""), json!([])).await.status,
        200
    );
    lee.app
        .get(&uri)
        .await
        .assert_problem(404, "memo_not_found");
    park.app
        .get(&uri)
        .await
        .assert_problem(404, "memo_not_found");
}

async fn units_and_projects_share_with_their_people(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let unit = app
        .create(
            &format!("/api/v1/agencies/{b}/units"),
            json!({"name_ko": "기후정책과"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let other_unit = app
        .create(
            &format!("/api/v1/agencies/{b}/units"),
            json!({"name_ko": "총무과"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let emp = |name: &str, unit: i64| {
        let app = app.clone();
        let body = json!({"agency_id": b, "unit_id": unit, "name_ko": name});
        async move {
            app.create("/api/v1/employees", body).await["id"]
                .as_i64()
                .unwrap()
        }
    };
    let in_unit = person(&app, "choi", Some(b), Some(emp("최민수", unit).await)).await;
    let elsewhere = person(&app, "jung", Some(b), Some(emp("정하나", other_unit).await)).await;
    let kim = person(&app, "kim", Some(a), None).await;
    let member = person(&app, "han", Some(b), None).await;
    let outsider = person(&app, "yoon", Some(a), None).await;
    project(
        &app,
        7,
        a,
        false,
        &[(kim.id, "lead"), (member.id, "member")],
    )
    .await;
    let memo = new_memo(&kim, "공동 보고서", "").await;
    let id = memo["id"].as_i64().unwrap();
    let shares = json!([{"target": {"kind": "unit", "id": unit}, "permission": "reader"},
                        {"target": {"kind": "project", "id": 7}, "permission": "editor"}]);
    assert_eq!(
        put_shares(&kim, id, Some("\"v1\""), shares).await.status,
        200
    );
    let uri = format!("/api/v1/memos/{id}");
    assert_eq!(in_unit.app.get(&uri).await.body["access"], "reader");
    assert_eq!(member.app.get(&uri).await.body["access"], "editor");
    for p in [&elsewhere, &outsider] {
        p.app.get(&uri).await.assert_problem(404, "memo_not_found");
    }
    // memo.shared reached the unit and the project, and not the others.
    assert!(
        event_kinds(&app, &in_unit.who)
            .await
            .contains(&("memo.shared".into(), id))
    );
    assert!(
        event_kinds(&app, &member.who)
            .await
            .contains(&("memo.shared".into(), id))
    );
    assert!(event_kinds(&app, &elsewhere.who).await.is_empty());
    assert!(event_kinds(&app, &outsider.who).await.is_empty());
}

async fn events_tell_new_audiences_and_readers(app: TestApp) {
    let a = agency(&app, "mois").await;
    let kim = person(&app, "kim", Some(a), None).await;
    let lee = person(&app, "lee", Some(a), None).await;
    let park = person(&app, "park", Some(a), None).await;
    let id = new_memo(&kim, "메모", "").await["id"].as_i64().unwrap();
    let reader =
        |who: i64| json!({"target": {"kind": "account", "id": who}, "permission": "reader"});
    assert_eq!(
        put_shares(&kim, id, Some("\"v1\""), json!([reader(lee.id)]))
            .await
            .status,
        200
    );
    // Adding Park tells Park only; Lee already had it.
    let r = put_shares(
        &kim,
        id,
        Some("\"v2\""),
        json!([reader(lee.id), reader(park.id)]),
    )
    .await;
    assert_eq!(r.status, 200);
    let shared = |who: &Principal| {
        let app = app.clone();
        let who = who.clone();
        async move {
            event_kinds(&app, &who)
                .await
                .into_iter()
                .filter(|(k, _)| k == "memo.shared")
                .count()
        }
    };
    assert_eq!(shared(&lee.who).await, 1);
    assert_eq!(shared(&park.who).await, 1);
    assert_eq!(shared(&kim.who).await, 0);
    let uri = format!("/api/v1/memos/{id}");
    assert_eq!(
        kim.app
            .patch(&uri, Some("\"v3\""), json!({"title": "메모 2"}))
            .await
            .status,
        200
    );
    for who in [&kim.who, &lee.who, &park.who] {
        assert!(
            event_kinds(&app, who)
                .await
                .contains(&("memo.updated".into(), id))
        );
    }
    let events = app.store.events_for(&lee.who, 0, 100).await.unwrap();
    let updated = events.iter().find(|e| e.kind == "memo.updated").unwrap();
    assert_eq!(updated.data["title"], "메모 2");
    let log = app.audit_log().await;
    assert_eq!(log.iter().filter(|e| e.action == "share").count(), 2);
}

both_backends!(
    memos_are_written_sanitised_and_audited,
    memos_are_private_until_shared,
    units_and_projects_share_with_their_people,
    events_tell_new_audiences_and_readers,
);
