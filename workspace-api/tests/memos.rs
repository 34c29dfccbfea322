//! e-Memos on both backends: sanitised bodies, privacy by default, sharing with people,
//! units, agencies and projects, reader/editor/author rights, If-Match, events, audit, and
//! every bad input as a typed problem that changes nothing.

mod common;

use axum::http::Method;
use common::{Resp, TestApp};
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Principal, Scope};
use workspace_api::store::Presented;

/// A signed-in person: their account id, an app sending their token, their principal.
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

async fn person(app: &TestApp, login: &str, agency: Option<i64>, employee: Option<i64>) -> Person {
    person_as(app, login, "member", agency, employee, &Scope::ALL).await
}

async fn person_as(
    app: &TestApp,
    login: &str,
    role: &str,
    agency: Option<i64>,
    employee: Option<i64>,
    scopes: &[Scope],
) -> Person {
    let body = json!({"login": login, "password": "member-password-1", "role": role,
        "agency_id": agency, "employee_id": employee});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = common::issue_token(&app.store, AccountId(id), scopes, i64::MAX / 2).await;
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

/// A project made with raw SQL (projects have their own engineer), with members.
async fn project(app: &TestApp, id: i64, lead_agency: i64, public: bool, members: &[(i64, &str)]) {
    app.raw(&format!(
        "INSERT INTO projects (id, name_ko, lead_agency_id, public, created_ms) \
         VALUES ({id}, '공동과제 {id}', {lead_agency}, {}, 1)",
        i64::from(public)
    ))
    .await;
    for (account, role) in members {
        app.raw(&format!(
            "INSERT INTO project_members (project_id, account_id, role, added_ms) \
             VALUES ({id}, {account}, '{role}', 1)"
        ))
        .await;
    }
}

async fn new_memo(p: &Person, title: &str, body: &str) -> Value {
    let r = p
        .app
        .post("/api/v1/memos", json!({"title": title, "body": body}))
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    r.body
}

async fn put_shares(p: &Person, memo: i64, etag: Option<&str>, shares: Value) -> Resp {
    let mut h = vec![("content-type", "application/json")];
    if let Some(e) = etag {
        h.push(("if-match", e));
    }
    let body = json!({"shares": shares}).to_string().into_bytes();
    p.app
        .send(
            Method::PUT,
            &format!("/api/v1/memos/{memo}/shares"),
            &h,
            Some(body),
        )
        .await
}

async fn etag_of(p: &Person, memo: i64) -> String {
    p.app.get(&format!("/api/v1/memos/{memo}")).await.etag()
}

async fn delete(p: &Person, uri: &str, etag: &str) -> Resp {
    p.app
        .send(Method::DELETE, uri, &[("if-match", etag)], None)
        .await
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

async fn event_kinds(app: &TestApp, who: &Principal) -> Vec<(String, i64)> {
    let events = app.store.events_for(who, 0, 1000).await.unwrap();
    events.into_iter().map(|e| (e.kind, e.entity_id)).collect()
}

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
    memos_are_written_sanitised_and_audited,
    memos_are_private_until_shared,
    units_and_projects_share_with_their_people,
    events_tell_new_audiences_and_readers,
    if_match_guards_memos_and_shares,
    bad_memo_input_is_refused,
    lists_page_and_search_titles,
    tokens_need_workspace_scopes,
    concurrent_writers_of_one_version_get_one_success,
);
