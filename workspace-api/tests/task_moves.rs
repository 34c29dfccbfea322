//! Task moves on both backends: order inside and across columns (with renumbering when a
//! gap is used up), every bad move with its problem code, the status history, and moves
//! that race.

mod common;
mod project_world;

use axum::http::Method;
use common::TestApp;
use project_world::{column, mv, send, task, world};
use serde_json::{Value, json};

async fn moves_keep_order_and_history(app: TestApp) {
    let w = world(app.clone()).await;
    let mut t = Vec::new();
    for n in 0..3 {
        t.push(
            task(&w.member.app, w.project, json!({"title": format!("t{n}")})).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let m = &w.member.app;
    assert_eq!(
        mv(m, t[2], json!({"column": "todo", "before": t[0]}))
            .await
            .status,
        200
    );
    assert_eq!(column(&w, "todo").await, [t[2], t[0], t[1]]);
    assert_eq!(
        mv(m, t[2], json!({"column": "todo", "after": t[1]}))
            .await
            .status,
        200
    );
    assert_eq!(column(&w, "todo").await, [t[0], t[1], t[2]]);
    let moved = mv(m, t[0], json!({"column": "doing"})).await;
    assert_eq!(moved.body["column"], "doing", "{:#}", moved.body);
    assert_eq!(
        mv(m, t[1], json!({"column": "doing", "before": t[0]}))
            .await
            .status,
        200
    );
    assert_eq!(column(&w, "doing").await, [t[1], t[0]]);
    assert_eq!(column(&w, "todo").await, [t[2]]);
    // Many moves into the same gap force a renumbering; the order stays right.
    for _ in 0..20 {
        assert_eq!(
            mv(m, t[2], json!({"column": "doing", "after": t[1]}))
                .await
                .status,
            200
        );
        assert_eq!(
            mv(m, t[0], json!({"column": "doing", "after": t[1]}))
                .await
                .status,
            200
        );
    }
    assert_eq!(column(&w, "doing").await, [t[1], t[0], t[2]]);
    let before = app.audit_count().await;
    let uri = format!("/api/v1/tasks/{}/move", t[0]);
    let tag = m.get(&format!("/api/v1/tasks/{}", t[0])).await.etag();
    let go = |etag: Option<&str>, body: Value| {
        let etag = etag.map(str::to_owned);
        let (m, uri) = (m.clone(), uri.clone());
        async move { send(&m, Method::POST, &uri, etag.as_deref(), Some(body)).await }
    };
    go(None, json!({"column": "done"}))
        .await
        .assert_problem(428, "precondition_required");
    go(Some("\"v1\""), json!({"column": "done"}))
        .await
        .assert_problem(412, "precondition_failed");
    go(Some(&tag), json!({"column": "blocked"}))
        .await
        .assert_problem(422, "unknown_column");
    go(Some(&tag), json!({"column": "todo", "before": t[1]}))
        .await
        .assert_problem(422, "unknown_task");
    go(Some(&tag), json!({"column": "doing", "after": 999999}))
        .await
        .assert_problem(422, "unknown_task");
    go(
        Some(&tag),
        json!({"column": "doing", "before": t[1], "after": t[2]}),
    )
    .await
    .assert_problem(422, "validation_failed");
    go(Some(&tag), json!({"column": "doing", "before": t[0]}))
        .await
        .assert_problem(422, "validation_failed");
    go(Some(&tag), json!({"column": "doing", "first": true}))
        .await
        .assert_problem(422, "invalid_body");
    assert_eq!(app.audit_count().await, before);
    let h = w
        .viewer
        .app
        .get(&format!("/api/v1/tasks/{}/history", t[1]))
        .await;
    let steps: Vec<_> = h.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from_column"].clone(),
                e["to_column"].clone(),
                e["actor_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (Value::Null, json!("todo"), json!(w.member.id)),
            (json!("todo"), json!("doing"), json!(w.member.id))
        ]
    );
    let moves = app
        .audit_log()
        .await
        .into_iter()
        .filter(|e| e.action == "move")
        .count();
    assert_eq!(moves, 44);
    assert!(
        w.viewer
            .event_kinds()
            .await
            .contains(&"task.moved".to_owned())
    );
}

async fn concurrent_moves_apply_one_after_another(app: TestApp) {
    let w = world(app.clone()).await;
    let mut t = Vec::new();
    for n in 0..6 {
        t.push(
            task(&w.member.app, w.project, json!({"title": format!("t{n}")})).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    // Everyone moves a different task to the end of `doing` at once.
    let mut handles = Vec::new();
    for id in t.clone() {
        let app = w.member.app.clone();
        handles.push(tokio::spawn(async move {
            let r = mv(&app, id, json!({"column": "doing"})).await;
            assert_eq!(r.status, 200, "{:#}", r.body);
            r.body["position"].as_i64().unwrap()
        }));
    }
    let mut positions = Vec::new();
    for h in handles {
        positions.push(h.await.unwrap());
    }
    positions.sort();
    positions.dedup();
    assert_eq!(positions.len(), 6, "every task got its own place");
    let doing = column(&w, "doing").await;
    assert_eq!(doing.len(), 6);
    // The same task moved twice with the same ETag: one wins, the other is stale.
    let uri = format!("/api/v1/tasks/{}/move", t[0]);
    let tag = w
        .member
        .app
        .get(&format!("/api/v1/tasks/{}", t[0]))
        .await
        .etag();
    let (a, b) = tokio::join!(
        send(
            &w.member.app,
            Method::POST,
            &uri,
            Some(&tag),
            Some(json!({"column": "review"}))
        ),
        send(
            &w.lead.app,
            Method::POST,
            &uri,
            Some(&tag),
            Some(json!({"column": "done"}))
        ),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "{:#} {:#}", a.body, b.body);
}

both_backends!(
    moves_keep_order_and_history,
    concurrent_moves_apply_one_after_another,
);
