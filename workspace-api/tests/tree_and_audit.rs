//! Unit trees (cycle prevention, also under concurrent moves) and the audit log (one row per
//! write, in the same transaction as the change), on both backends.

mod common;

use axum::http::Method;
use common::TestApp;
use serde_json::json;
use workspace_api::Backend;

async fn agency(app: &TestApp, code: &str) -> i64 {
    app.create(
        "/api/v1/agencies",
        json!({"code": code, "name_ko": format!("{code} 기관")}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

async fn unit_moves_cannot_make_cycles(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let units = format!("/api/v1/agencies/{a}/units");
    let root = app.create(&units, json!({"name_ko": "기획조정실"})).await["id"]
        .as_i64()
        .unwrap();
    let mid = app
        .create(
            &units,
            json!({"name_ko": "기획재정담당관", "parent_id": root}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let leaf = app
        .create(&units, json!({"name_ko": "예산팀", "parent_id": mid}))
        .await["id"]
        .as_i64()
        .unwrap();
    let other = app
        .create(
            &format!("/api/v1/agencies/{b}/units"),
            json!({"name_ko": "기후탄소정책실"}),
        )
        .await["id"]
        .clone();
    let uri = format!("/api/v1/units/{root}");
    let tag = app.get(&uri).await.etag();
    let before = app.audit_count().await;
    for parent in [json!(leaf), json!(mid), json!(root)] {
        app.patch(&uri, Some(&tag), json!({"parent_id": parent}))
            .await
            .assert_problem(409, "unit_cycle");
    }
    app.patch(&uri, Some(&tag), json!({"parent_id": other}))
        .await
        .assert_problem(422, "validation_failed");
    app.patch(&uri, Some(&tag), json!({"parent_id": 999}))
        .await
        .assert_problem(422, "unknown_unit");
    assert_eq!(app.audit_count().await, before);
    // Legal moves: the leaf up to the root, then to the top level.
    let leaf_uri = format!("/api/v1/units/{leaf}");
    let moved = app
        .patch(
            &leaf_uri,
            Some(&app.get(&leaf_uri).await.etag()),
            json!({"parent_id": root}),
        )
        .await;
    assert_eq!(moved.body["parent_id"], root, "{:#}", moved.body);
    let top = app
        .patch(&leaf_uri, Some(&moved.etag()), json!({"parent_id": null}))
        .await;
    assert_eq!(
        top.body["parent_id"],
        serde_json::Value::Null,
        "{:#}",
        top.body
    );
    let tree = app.get(&units).await;
    assert_eq!(tree.body["items"].as_array().unwrap().len(), 3);
    let audit = app.audit_log().await;
    assert_eq!(audit.iter().filter(|e| e.action == "move").count(), 2);
}

/// Two opposite moves racing: one wins, the other sees the result and is refused.
async fn concurrent_moves_cannot_make_cycles(app: TestApp) {
    let a = agency(&app, "mois").await;
    let units = format!("/api/v1/agencies/{a}/units");
    for round in 0..10 {
        let x = app
            .create(&units, json!({"name_ko": format!("가{round}")}))
            .await["id"]
            .as_i64()
            .unwrap();
        let y = app
            .create(&units, json!({"name_ko": format!("나{round}")}))
            .await["id"]
            .as_i64()
            .unwrap();
        let (ux, uy) = (format!("/api/v1/units/{x}"), format!("/api/v1/units/{y}"));
        let (tx, ty) = (app.get(&ux).await.etag(), app.get(&uy).await.etag());
        let (rx, ry) = tokio::join!(
            app.patch(&ux, Some(&tx), json!({"parent_id": y})),
            app.patch(&uy, Some(&ty), json!({"parent_id": x})),
        );
        let mut statuses = [rx.status.as_u16(), ry.status.as_u16()];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {:#} {:#}",
            rx.body,
            ry.body
        );
    }
}

async fn every_write_is_audited_once(app: TestApp) {
    let a = agency(&app, "mois").await;
    let e = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "김민수"}),
        )
        .await;
    let uri = format!("/api/v1/employees/{}", e["id"]);
    let r = app
        .patch(
            &uri,
            Some(&app.get(&uri).await.etag()),
            json!({"title": "사무관"}),
        )
        .await;
    app.send(Method::DELETE, &uri, &[("if-match", &r.etag())], None)
        .await;
    let log = app.audit_log().await;
    let summary: Vec<_> = log
        .iter()
        .map(|e| (e.action.as_str(), e.entity.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("create", "agency", "account:1"),
            ("create", "employee", "account:1"),
            ("update", "employee", "account:1"),
            ("delete", "employee", "account:1")
        ]
    );
    assert_eq!(log[1].entity_id, e["id"].as_i64().unwrap());
    assert!(
        log.iter()
            .all(|e| e.agency_id == Some(workspace_api::model::AgencyId(a)))
    );
    assert_eq!(log[2].detail, json!({"title": "사무관"}));
}

/// If the audit row cannot be written, the change it records must not happen either.
async fn failed_audit_undoes_the_change(app: TestApp) {
    let a = agency(&app, "mois").await;
    let inject = match app.backend() {
        Backend::Sqlite => {
            "CREATE TRIGGER audit_fault BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'injected'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END; $$; \
             CREATE TRIGGER audit_fault BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_fault();"
        }
    };
    app.raw(inject).await;
    let r = app
        .post(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "유령", "email": "ghost@mois.go.kr"}),
        )
        .await;
    r.assert_problem(500, "internal");
    let uri = format!("/api/v1/agencies/{a}");
    let tag = app.get(&uri).await.etag();
    app.patch(&uri, Some(&tag), json!({"name_ko": "바뀌면 안 됨"}))
        .await
        .assert_problem(500, "internal");
    let list = app.get("/api/v1/employees?q=유령").await;
    assert_eq!(list.body["items"], json!([]));
    assert_eq!(app.get(&uri).await.body["name_ko"], "mois 기관");
    assert_eq!(app.get(&uri).await.etag(), tag);
    assert_eq!(app.audit_count().await, 1);
}

both_backends!(
    unit_moves_cannot_make_cycles,
    concurrent_moves_cannot_make_cycles,
    every_write_is_audited_once,
    failed_audit_undoes_the_change,
);
