//! Joint projects on both backends: creation with a lead and the default board, visibility
//! (private projects are 404 to outsiders), lead-only changes with If-Match, participating
//! agencies, members and the last-lead rule, with their audit rows and events.

mod common;
mod project_world;

use axum::http::Method;
use common::TestApp;
use project_world::{add_member, agency, ids, person, send, world};
use serde_json::json;

async fn projects_start_with_a_lead_and_the_default_board(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let kim = person(&app, "kim@mois", Some(a)).await;
    let r = kim
        .app
        .post(
            "/api/v1/projects",
            json!({"name_ko": " 공동 과제 ", "agency_ids": [b, b], "description": "줄1\n줄2"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.headers["location"], format!("/api/v1/projects/{id}"));
    assert_eq!(r.etag(), "\"v1\"");
    assert_eq!(r.body["name_ko"], "공동 과제");
    assert_eq!(r.body["lead_agency_id"], a);
    assert_eq!(r.body["agency_ids"], json!([a, b]));
    assert_eq!(r.body["my_role"], "lead");
    assert_eq!(r.body["public"], false);
    assert_eq!(r.body["archived"], false);
    let cols = kim.app.get(&format!("/api/v1/projects/{id}/columns")).await;
    let keys: Vec<_> = cols.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_owned(),
                c["name"].as_str().unwrap().to_owned(),
                c["done"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("todo".into(), "할 일".into(), false),
            ("doing".into(), "진행 중".into(), false),
            ("review".into(), "검토".into(), false),
            ("done".into(), "완료".into(), true),
        ]
    );
    let members = kim.app.get(&format!("/api/v1/projects/{id}/members")).await;
    assert_eq!(members.body["items"][0]["account_id"], kim.id);
    assert_eq!(members.body["items"][0]["role"], "lead");
    let log = app.audit_log().await;
    let last = log.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.entity.as_str(), last.entity_id),
        ("create", "project", id)
    );
    assert_eq!(last.agency_id.map(|a| a.0), Some(a));
    assert!(
        kim.event_kinds()
            .await
            .contains(&"project.created".to_owned())
    );
}

async fn bad_project_input_is_refused(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let kim = person(&app, "kim@mois", Some(a)).await;
    let nobody = person(&app, "nobody", None).await;
    let before = app.audit_count().await;
    let p = |who: &TestApp, body| {
        let who = who.clone();
        async move { who.post("/api/v1/projects", body).await }
    };
    p(&kim.app, json!({"name_ko": "x", "lead_agency_id": b}))
        .await
        .assert_problem(403, "forbidden");
    p(&nobody.app, json!({"name_ko": "x"}))
        .await
        .assert_problem(403, "forbidden");
    p(&app, json!({"name_ko": "x"}))
        .await
        .assert_problem(422, "validation_failed");
    p(&kim.app, json!({"name_ko": "x", "agency_ids": [999]}))
        .await
        .assert_problem(422, "unknown_agency");
    p(&app, json!({"name_ko": "x", "lead_agency_id": 999}))
        .await
        .assert_problem(422, "unknown_agency");
    p(&kim.app, json!({"name_ko": "x", "color": "red"}))
        .await
        .assert_problem(422, "invalid_body");
    p(&kim.app, json!({"name_ko": "x", "public": "yes"}))
        .await
        .assert_problem(422, "invalid_body");
    p(&kim.app, json!({"name_ko": "  "}))
        .await
        .assert_problem(422, "validation_failed");
    p(&kim.app, json!({"name_ko": "x", "description": "a\u{0}b"}))
        .await
        .assert_problem(422, "validation_failed");
    let r = app
        .send(
            Method::POST,
            "/api/v1/projects",
            &[("content-type", "application/json")],
            Some(b"{".to_vec()),
        )
        .await;
    r.assert_problem(400, "invalid_json");
    assert_eq!(app.audit_count().await, before);
    // A system administrator may create a project for any agency.
    let r = p(&app, json!({"name_ko": "x", "lead_agency_id": b})).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
}

async fn private_projects_are_invisible_to_outsiders(app: TestApp) {
    let w = world(app.clone()).await;
    let uri = format!("/api/v1/projects/{}", w.project);
    w.outsider
        .app
        .get(&uri)
        .await
        .assert_problem(404, "project_not_found");
    w.outsider
        .app
        .get(&format!("{uri}/members"))
        .await
        .assert_problem(404, "project_not_found");
    w.outsider
        .app
        .get(&format!("{uri}/board"))
        .await
        .assert_problem(404, "project_not_found");
    w.outsider
        .app
        .get("/api/v1/projects/999999")
        .await
        .assert_problem(404, "project_not_found");
    assert_eq!(
        ids(&w.outsider.app.get("/api/v1/projects").await.body),
        Vec::<i64>::new()
    );
    assert_eq!(w.member.app.get(&uri).await.body["my_role"], "member");
    assert_eq!(w.viewer.app.get(&uri).await.body["my_role"], "viewer");
    let admin = app.get(&uri).await;
    assert_eq!(admin.status, 200);
    assert_eq!(admin.body["my_role"], serde_json::Value::Null);
    // Public projects are readable by everyone signed in, as non-members.
    let public = w
        .outsider
        .app
        .create(
            "/api/v1/projects",
            json!({"name_ko": "공개", "public": true}),
        )
        .await;
    let pid = public["id"].as_i64().unwrap();
    let seen = w.viewer.app.get(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["my_role"], serde_json::Value::Null);
    assert_eq!(
        ids(&w.viewer.app.get("/api/v1/projects").await.body),
        [pid, w.project]
    );
    assert_eq!(
        ids(&w.viewer.app.get("/api/v1/projects?mine=true").await.body),
        [w.project]
    );
    assert_eq!(
        ids(&app
            .get(&format!("/api/v1/projects?agency={}", w.a))
            .await
            .body),
        [w.project]
    );
    assert_eq!(
        ids(&app
            .get(&format!("/api/v1/projects?agency={}", w.b))
            .await
            .body),
        [pid, w.project]
    );
    app.get("/api/v1/projects?agency=999")
        .await
        .assert_problem(404, "agency_not_found");
    app.get("/api/v1/projects?mine=maybe")
        .await
        .assert_problem(400, "invalid_query");
    app.get("/api/v1/projects?limit=0")
        .await
        .assert_problem(400, "invalid_query");
    // Cursor pages, and cursors belong to their query.
    let first = app.get("/api/v1/projects?limit=1").await;
    assert_eq!(ids(&first.body), [pid]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .get(&format!("/api/v1/projects?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(ids(&second.body), [w.project]);
    assert!(second.body["next_cursor"].is_null());
    app.get(&format!("/api/v1/projects?mine=true&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid_cursor");
}

async fn only_leads_change_projects(app: TestApp) {
    let w = world(app.clone()).await;
    let uri = format!("/api/v1/projects/{}", w.project);
    let tag = w.lead.app.get(&uri).await.etag();
    let before = app.audit_count().await;
    let change = json!({"name_ko": "새 이름", "public": true});
    w.member
        .app
        .patch(&uri, Some(&tag), change.clone())
        .await
        .assert_problem(403, "forbidden");
    w.viewer
        .app
        .patch(&uri, Some(&tag), change.clone())
        .await
        .assert_problem(403, "forbidden");
    w.outsider
        .app
        .patch(&uri, Some(&tag), change.clone())
        .await
        .assert_problem(404, "project_not_found");
    w.lead
        .app
        .patch(&uri, None, change.clone())
        .await
        .assert_problem(428, "precondition_required");
    w.lead
        .app
        .patch(&uri, Some("\"v9\""), change.clone())
        .await
        .assert_problem(412, "precondition_failed");
    w.lead
        .app
        .patch(&uri, Some(&tag), json!({"lead_agency_id": 1}))
        .await
        .assert_problem(422, "invalid_body");
    w.lead
        .app
        .patch(&uri, Some(&tag), json!({"name_ko": ""}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(app.audit_count().await, before);
    let ok = w.lead.app.patch(&uri, Some(&tag), change).await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(ok.body["name_ko"], "새 이름");
    assert_eq!(ok.body["public"], true);
    let archived = w
        .lead
        .app
        .patch(&uri, Some(&ok.etag()), json!({"archived": true}))
        .await;
    assert_eq!(archived.body["archived"], true);
    assert!(archived.body["archived_ms"].is_i64());
    // Public now: the outsider reads it, and still may not change it.
    w.outsider
        .app
        .patch(&uri, Some(&archived.etag()), json!({"archived": false}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.audit_count().await, before + 2);
    assert!(
        w.member
            .event_kinds()
            .await
            .contains(&"project.updated".to_owned())
    );
    assert!(
        !w.outsider
            .event_kinds()
            .await
            .contains(&"project.updated".to_owned())
    );
}

async fn leads_manage_participating_agencies(app: TestApp) {
    let w = world(app.clone()).await;
    let c = agency(&app, "moef").await;
    let uri = format!("/api/v1/projects/{}/agencies", w.project);
    w.member
        .app
        .post(&uri, json!({"agency_id": c}))
        .await
        .assert_problem(403, "forbidden");
    w.lead
        .app
        .post(&uri, json!({"agency_id": 999}))
        .await
        .assert_problem(422, "unknown_agency");
    w.lead
        .app
        .post(&uri, json!({"agency_id": w.b}))
        .await
        .assert_problem(409, "duplicate");
    let added = w.lead.app.post(&uri, json!({"agency_id": c})).await;
    assert_eq!(added.status, 200, "{:#}", added.body);
    assert_eq!(added.body["agency_ids"], json!([w.a, w.b, c]));
    let tag = added.etag();
    let del = |agency: i64, etag: Option<String>| {
        let app = w.lead.app.clone();
        let uri = format!("{uri}/{agency}");
        async move { send(&app, Method::DELETE, &uri, etag.as_deref(), None).await }
    };
    del(c, None)
        .await
        .assert_problem(428, "precondition_required");
    del(c, Some("\"v1\"".into()))
        .await
        .assert_problem(412, "precondition_failed");
    del(w.a, Some(tag.clone()))
        .await
        .assert_problem(409, "lead_agency_required");
    del(999, Some(tag.clone()))
        .await
        .assert_problem(404, "agency_not_found");
    assert_eq!(del(c, Some(tag)).await.status, 204);
    let now = app.get(&format!("/api/v1/projects/{}", w.project)).await;
    assert_eq!(now.body["agency_ids"], json!([w.a, w.b]));
}

async fn members_keep_at_least_one_lead(app: TestApp) {
    let w = world(app.clone()).await;
    let p = w.project;
    let newcomer = person(&app, "new@me", Some(w.b)).await;
    add_member(&w.member.app, p, newcomer.id, "member")
        .await
        .assert_problem(403, "forbidden");
    add_member(&w.outsider.app, p, newcomer.id, "member")
        .await
        .assert_problem(404, "project_not_found");
    add_member(&w.lead.app, p, 99999, "member")
        .await
        .assert_problem(422, "unknown_account");
    add_member(&w.lead.app, p, newcomer.id, "owner")
        .await
        .assert_problem(422, "invalid_body");
    add_member(&w.lead.app, p, w.member.id, "viewer")
        .await
        .assert_problem(409, "duplicate");
    let added = add_member(&w.lead.app, p, newcomer.id, "member").await;
    assert_eq!(added.status, 201, "{:#}", added.body);
    assert_eq!(added.body["agency_id"], w.b);
    assert!(
        newcomer
            .event_kinds()
            .await
            .contains(&"project.member_added".to_owned())
    );
    let list = w
        .viewer
        .app
        .get(&format!("/api/v1/projects/{p}/members?limit=2"))
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    assert!(list.body["next_cursor"].is_string());

    let m = |id: i64| format!("/api/v1/projects/{p}/members/{id}");
    let lead_tag = "\"v1\"";
    let r = w
        .lead
        .app
        .patch(&m(w.lead.id), Some(lead_tag), json!({"role": "member"}))
        .await;
    r.assert_problem(409, "last_lead");
    send(
        &w.lead.app,
        Method::DELETE,
        &m(w.lead.id),
        Some(lead_tag),
        None,
    )
    .await
    .assert_problem(409, "last_lead");
    w.member
        .app
        .patch(&m(newcomer.id), Some("\"v1\""), json!({"role": "lead"}))
        .await
        .assert_problem(403, "forbidden");
    w.lead
        .app
        .patch(&m(newcomer.id), Some("\"v7\""), json!({"role": "lead"}))
        .await
        .assert_problem(412, "precondition_failed");
    w.lead
        .app
        .patch(&m(99999), Some("\"v1\""), json!({"role": "lead"}))
        .await
        .assert_problem(404, "account_not_found");
    let promoted = w
        .lead
        .app
        .patch(&m(newcomer.id), Some("\"v1\""), json!({"role": "lead"}))
        .await;
    assert_eq!(promoted.body["role"], "lead", "{:#}", promoted.body);
    // Now the first lead may step down; the viewer may not remove anyone but themselves.
    let r = send(
        &w.lead.app,
        Method::DELETE,
        &m(w.lead.id),
        Some(lead_tag),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{:#}", r.body);
    send(
        &w.viewer.app,
        Method::DELETE,
        &m(w.member.id),
        Some("\"v1\""),
        None,
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(
        send(
            &w.viewer.app,
            Method::DELETE,
            &m(w.viewer.id),
            Some("\"v1\""),
            None
        )
        .await
        .status,
        204
    );
    w.viewer
        .app
        .get(&format!("/api/v1/projects/{p}"))
        .await
        .assert_problem(404, "project_not_found");
    let actions: Vec<_> = app
        .audit_log()
        .await
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.contains("member"))
        .collect();
    assert_eq!(
        actions,
        [
            "add_member",
            "add_member",
            "add_member",
            "update_member",
            "remove_member",
            "remove_member"
        ]
    );
}

both_backends!(
    projects_start_with_a_lead_and_the_default_board,
    bad_project_input_is_refused,
    private_projects_are_invisible_to_outsiders,
    only_leads_change_projects,
    leads_manage_participating_agencies,
    members_keep_at_least_one_lead,
);
