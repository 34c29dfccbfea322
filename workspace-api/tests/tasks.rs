//! Tasks on both backends: creation on the board, every bad input with its problem code,
//! who may read and write, comments, columns, my open tasks, and the audit rows and events
//! they leave. Moves are in `task_moves.rs`.

mod common;
mod project_world;

use axum::http::Method;
use common::TestApp;
use project_world::{column, ids, mv, send, task, world};
use serde_json::{Value, json};

async fn tasks_land_on_the_board(app: TestApp) {
    let w = world(app.clone()).await;
    let t = task(
        &w.member.app,
        w.project,
        json!({
        "title": " 예산안 검토 ", "assignees": [w.member.id, w.lead.id, w.member.id],
        "start_date": "2025-03-01", "due_date": "2025-03-31", "priority": "high",
        "labels": ["예산", " 예산 ", "긴급"], "description": "첫 줄\n둘째 줄"}),
    )
    .await;
    assert_eq!(t["title"], "예산안 검토");
    assert_eq!(t["column"], "todo");
    assert_eq!(t["assignees"], json!([w.lead.id, w.member.id]));
    assert_eq!(t["labels"], json!(["예산", "긴급"]));
    assert_eq!(t["priority"], "high");
    assert_eq!(t["created_by"], w.member.id);
    let second = task(
        &w.lead.app,
        w.project,
        json!({"title": "둘째", "column": "doing"}),
    )
    .await;
    let third = task(&w.lead.app, w.project, json!({"title": "셋째"})).await;
    assert_eq!(second["priority"], "normal");
    let board = w
        .viewer
        .app
        .get(&format!("/api/v1/projects/{}/board", w.project))
        .await;
    assert_eq!(board.status, 200, "{:#}", board.body);
    let cols = board.body["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 4);
    assert_eq!(cols[0]["key"], "todo");
    let todo: Vec<_> = cols[0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(todo, [t["id"].clone(), third["id"].clone()]);
    assert_eq!(cols[1]["tasks"][0]["id"], second["id"]);
    let paged = w
        .viewer
        .app
        .get(&format!("/api/v1/projects/{}/board?limit=1", w.project))
        .await;
    let cursor = paged.body["columns"][0]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let rest = w
        .viewer
        .app
        .get(&format!(
            "/api/v1/projects/{}/tasks?column=todo&limit=1&cursor={cursor}",
            w.project
        ))
        .await;
    assert_eq!(ids(&rest.body), [third["id"].as_i64().unwrap()]);
    w.viewer
        .app
        .get(&format!("/api/v1/projects/{}/tasks?column=nope", w.project))
        .await
        .assert_problem(404, "column_not_found");
    let got = w
        .viewer
        .app
        .get(&format!("/api/v1/tasks/{}", t["id"]))
        .await;
    assert_eq!(got.etag(), "\"v1\"");
    assert_eq!(got.body, t);
    let log = app.audit_log().await;
    assert_eq!(
        log.iter()
            .filter(|e| e.entity == "task" && e.action == "create")
            .count(),
        3
    );
    assert!(
        w.member
            .event_kinds()
            .await
            .contains(&"task.created".to_owned())
    );
    assert!(
        !w.outsider
            .event_kinds()
            .await
            .contains(&"task.created".to_owned())
    );
}

async fn bad_task_input_is_refused(app: TestApp) {
    let w = world(app.clone()).await;
    let uri = format!("/api/v1/projects/{}/tasks", w.project);
    let t = task(
        &w.lead.app,
        w.project,
        json!({"title": "기준", "start_date": "2025-05-10"}),
    )
    .await;
    let before = app.audit_count().await;
    let post = |body: Value| w.lead.app.post(&uri, body);
    let field = |r: &common::Resp| r.body["errors"][0]["field"].as_str().unwrap().to_owned();
    let r = post(json!({"title": "x", "due_date": "2025-02-30"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(field(&r), "due_date");
    post(json!({"title": "x", "start_date": "2025/01/01"}))
        .await
        .assert_problem(422, "validation_failed");
    let r = post(json!({"title": "x", "start_date": "2025-03-02", "due_date": "2025-03-01"})).await;
    r.assert_problem(422, "due_before_start");
    assert_eq!(field(&r), "due_date");
    let r = post(json!({"title": "x", "column": "blocked"})).await;
    r.assert_problem(422, "unknown_column");
    assert_eq!(field(&r), "column");
    post(json!({"title": "x", "assignees": [w.outsider.id]}))
        .await
        .assert_problem(422, "assignee_not_member");
    post(json!({"title": "x", "assignees": [987654]}))
        .await
        .assert_problem(422, "assignee_not_member");
    post(json!({"title": "x", "status": "open"}))
        .await
        .assert_problem(422, "invalid_body");
    post(json!({"title": "x", "priority": "asap"}))
        .await
        .assert_problem(422, "invalid_body");
    post(json!({"title": "x", "due_date": 20250101}))
        .await
        .assert_problem(422, "invalid_body");
    post(json!({"title": "x", "labels": ["a".repeat(33)]}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"title": "x", "labels": (0..21).map(|i| i.to_string()).collect::<Vec<_>>()}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"title": ""}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"title": "a\u{7}"}))
        .await
        .assert_problem(422, "validation_failed");
    w.lead
        .app
        .post("/api/v1/projects/999999/tasks", json!({"title": "x"}))
        .await
        .assert_problem(404, "project_not_found");
    // A change is checked against the stored dates too.
    let turi = format!("/api/v1/tasks/{}", t["id"]);
    let r = w
        .lead
        .app
        .patch(&turi, Some("\"v1\""), json!({"due_date": "2025-05-01"}))
        .await;
    r.assert_problem(422, "due_before_start");
    w.lead
        .app
        .patch(&turi, Some("\"v1\""), json!({"column": "done"}))
        .await
        .assert_problem(422, "invalid_body");
    w.lead
        .app
        .patch(&turi, Some("\"v1\""), json!({"assignees": [w.outsider.id]}))
        .await
        .assert_problem(422, "assignee_not_member");
    w.lead
        .app
        .patch(&turi, None, json!({"title": "y"}))
        .await
        .assert_problem(428, "precondition_required");
    w.lead
        .app
        .patch(&turi, Some("\"v2\""), json!({"title": "y"}))
        .await
        .assert_problem(412, "precondition_failed");
    w.lead
        .app
        .get("/api/v1/tasks/abc")
        .await
        .assert_problem(400, "invalid_path");
    assert_eq!(app.audit_count().await, before);
    assert_eq!(column(&w, "todo").await, [t["id"].as_i64().unwrap()]);
    // Clearing the start date makes the earlier due date fine.
    let ok = w
        .lead
        .app
        .patch(
            &turi,
            Some("\"v1\""),
            json!({"start_date": null, "due_date": "2025-05-01", "labels": []}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(ok.body["start_date"], Value::Null);
    assert_eq!(ok.body["due_date"], "2025-05-01");
}

/// Every write on one task: method, path, `If-Match` and body.
fn task_writes(uri: &str) -> [(Method, String, Option<&'static str>, Option<Value>); 4] {
    [
        (
            Method::PATCH,
            uri.to_owned(),
            Some("\"v1\""),
            Some(json!({"title": "x"})),
        ),
        (
            Method::POST,
            format!("{uri}/move"),
            Some("\"v1\""),
            Some(json!({"column": "done"})),
        ),
        (
            Method::POST,
            format!("{uri}/comments"),
            None,
            Some(json!({"body": "x"})),
        ),
        (Method::DELETE, uri.to_owned(), Some("\"v1\""), None),
    ]
}

async fn viewers_read_and_outsiders_see_nothing(app: TestApp) {
    let w = world(app.clone()).await;
    let t = task(&w.member.app, w.project, json!({"title": "공유 과제"})).await;
    let id = t["id"].as_i64().unwrap();
    let uri = format!("/api/v1/tasks/{id}");
    let before = app.audit_count().await;
    assert_eq!(w.viewer.app.get(&uri).await.status, 200);
    w.viewer
        .app
        .post(
            &format!("/api/v1/projects/{}/tasks", w.project),
            json!({"title": "x"}),
        )
        .await
        .assert_problem(403, "forbidden");
    // A viewer sees the task but may not write; an outsider does not even see it.
    for (who, status, code) in [
        (&w.viewer, 403, "forbidden"),
        (&w.outsider, 404, "task_not_found"),
    ] {
        for (method, path, etag, body) in task_writes(&uri) {
            send(&who.app, method.clone(), &path, etag, body)
                .await
                .assert_problem(status, code);
        }
    }
    for path in [
        uri.clone(),
        format!("{uri}/history"),
        format!("{uri}/comments"),
    ] {
        w.outsider
            .app
            .get(&path)
            .await
            .assert_problem(404, "task_not_found");
    }
    w.outsider
        .app
        .get(&format!("/api/v1/projects/{}/tasks?column=todo", w.project))
        .await
        .assert_problem(404, "project_not_found");
    assert_eq!(app.audit_count().await, before);
    // A public project's board is readable by outsiders, not writable.
    let tag = w
        .lead
        .app
        .get(&format!("/api/v1/projects/{}", w.project))
        .await
        .etag();
    w.lead
        .app
        .patch(
            &format!("/api/v1/projects/{}", w.project),
            Some(&tag),
            json!({"public": true}),
        )
        .await;
    assert_eq!(w.outsider.app.get(&uri).await.status, 200);
    w.outsider
        .app
        .patch(&uri, Some("\"v1\""), json!({"title": "x"}))
        .await
        .assert_problem(403, "forbidden");
    // Members delete tasks.
    assert_eq!(
        send(&w.member.app, Method::DELETE, &uri, Some("\"v1\""), None)
            .await
            .status,
        204
    );
    w.member
        .app
        .get(&uri)
        .await
        .assert_problem(404, "task_not_found");
}

async fn comments_are_edited_and_deleted_by_their_authors(app: TestApp) {
    let w = world(app.clone()).await;
    let t = task(&w.lead.app, w.project, json!({"title": "논의"})).await;
    let curi = format!("/api/v1/tasks/{}/comments", t["id"]);
    w.member
        .app
        .post(&curi, json!({"body": "  "}))
        .await
        .assert_problem(422, "validation_failed");
    w.member
        .app
        .post(&curi, json!({"text": "x"}))
        .await
        .assert_problem(422, "invalid_body");
    let c = w
        .member
        .app
        .create(&curi, json!({"body": "의견입니다.\n둘째 줄"}))
        .await;
    assert_eq!(c["author_id"], w.member.id);
    assert_eq!(c["edited_ms"], Value::Null);
    let second = w.lead.app.create(&curi, json!({"body": "확인"})).await;
    assert_eq!(
        ids(&w.viewer.app.get(&curi).await.body),
        [c["id"].as_i64().unwrap(), second["id"].as_i64().unwrap()]
    );
    let uri = format!("/api/v1/comments/{}", c["id"]);
    let before = app.audit_count().await;
    w.lead
        .app
        .patch(&uri, Some("\"v1\""), json!({"body": "고침"}))
        .await
        .assert_problem(403, "forbidden");
    w.outsider
        .app
        .patch(&uri, Some("\"v1\""), json!({"body": "고침"}))
        .await
        .assert_problem(404, "comment_not_found");
    w.member
        .app
        .patch(&uri, Some("\"v3\""), json!({"body": "고침"}))
        .await
        .assert_problem(412, "precondition_failed");
    send(&w.lead.app, Method::DELETE, &uri, Some("\"v1\""), None)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.audit_count().await, before);
    let edited = w
        .member
        .app
        .patch(&uri, Some("\"v1\""), json!({"body": "고침"}))
        .await;
    assert_eq!(edited.status, 200, "{:#}", edited.body);
    assert_eq!(edited.body["body"], "고침");
    assert!(edited.body["edited_ms"].is_i64());
    assert_eq!(
        send(
            &w.member.app,
            Method::DELETE,
            &uri,
            Some(&edited.etag()),
            None
        )
        .await
        .status,
        204
    );
    w.member
        .app
        .get(&uri)
        .await
        .assert_problem(404, "comment_not_found");
    assert!(
        w.viewer
            .event_kinds()
            .await
            .contains(&"task.commented".to_owned())
    );
    let kinds: Vec<_> = app
        .audit_log()
        .await
        .into_iter()
        .filter(|e| e.entity == "comment")
        .map(|e| e.action)
        .collect();
    assert_eq!(kinds, ["create", "create", "update", "delete"]);
}

async fn leads_manage_columns(app: TestApp) {
    let w = world(app.clone()).await;
    let uri = format!("/api/v1/projects/{}/columns", w.project);
    w.member
        .app
        .post(&uri, json!({"key": "blocked", "name": "보류"}))
        .await
        .assert_problem(403, "forbidden");
    w.lead
        .app
        .post(&uri, json!({"key": "Blocked!", "name": "보류"}))
        .await
        .assert_problem(422, "validation_failed");
    w.lead
        .app
        .post(&uri, json!({"key": "todo", "name": "또"}))
        .await
        .assert_problem(409, "duplicate");
    let c = w
        .lead
        .app
        .create(&uri, json!({"key": "blocked", "name": "보류"}))
        .await;
    assert_eq!(c["position"], 4);
    let col = format!("{uri}/blocked");
    w.lead
        .app
        .patch(&col, Some("\"v1\""), json!({"position": 9}))
        .await
        .assert_problem(422, "column_position");
    w.lead
        .app
        .patch(&col, Some("\"v2\""), json!({"position": 0}))
        .await
        .assert_problem(412, "precondition_failed");
    w.lead
        .app
        .patch(&format!("{uri}/nope"), Some("\"v1\""), json!({"name": "x"}))
        .await
        .assert_problem(404, "column_not_found");
    w.member
        .app
        .patch(&col, Some("\"v1\""), json!({"name": "x"}))
        .await
        .assert_problem(403, "forbidden");
    let r = w
        .lead
        .app
        .patch(
            &col,
            Some("\"v1\""),
            json!({"position": 1, "name": "보류 중"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let keys: Vec<_> = w.viewer.app.get(&uri).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["todo", "blocked", "doing", "review", "done"]);
    assert_eq!(
        task(
            &w.member.app,
            w.project,
            json!({"title": "x", "column": "blocked"})
        )
        .await["column"],
        "blocked"
    );
}

async fn my_open_tasks_come_by_due_date(app: TestApp) {
    let w = world(app.clone()).await;
    let me = w.member.id;
    let mk = |title: &str, due: Value| json!({"title": title, "due_date": due, "assignees": [me]});
    let late = task(&w.lead.app, w.project, mk("늦게", json!("2025-09-01"))).await;
    let undated = task(&w.lead.app, w.project, mk("언젠가", Value::Null)).await;
    let soon = task(&w.lead.app, w.project, mk("곧", json!("2025-01-15"))).await;
    let finished = task(&w.lead.app, w.project, mk("끝", json!("2025-01-01"))).await;
    task(
        &w.lead.app,
        w.project,
        json!({"title": "남의 일", "due_date": "2025-01-02"}),
    )
    .await;
    assert_eq!(
        mv(
            &w.lead.app,
            finished["id"].as_i64().unwrap(),
            json!({"column": "done"})
        )
        .await
        .status,
        200
    );
    let other = w
        .lead
        .app
        .create("/api/v1/projects", json!({"name_ko": "보관될 과제"}))
        .await;
    let oid = other["id"].as_i64().unwrap();
    project_world::add_member(&w.lead.app, oid, me, "member").await;
    task(&w.lead.app, oid, mk("보관됨", json!("2025-01-01"))).await;
    w.lead
        .app
        .patch(
            &format!("/api/v1/projects/{oid}"),
            Some("\"v1\""),
            json!({"archived": true}),
        )
        .await;
    let id = |v: &Value| v["id"].as_i64().unwrap();
    let all = w.member.app.get("/api/v1/me/tasks").await;
    assert_eq!(
        ids(&all.body),
        [id(&soon), id(&late), id(&undated)],
        "{:#}",
        all.body
    );
    let first = w.member.app.get("/api/v1/me/tasks?limit=2").await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = w
        .member
        .app
        .get(&format!("/api/v1/me/tasks?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(ids(&rest.body), [id(&undated)]);
    // A forged cursor whose date is not a date (NUL would make PostgreSQL fail) is refused.
    let forged = workspace_api::paging::encode_cursor("me/tasks", &("2025\u{0}", 1));
    w.member
        .app
        .get(&format!("/api/v1/me/tasks?cursor={forged}"))
        .await
        .assert_problem(400, "invalid_cursor");
    w.member
        .app
        .get("/api/v1/me/tasks?cursor=bogus")
        .await
        .assert_problem(400, "invalid_cursor");
    // The archived project's board is frozen.
    w.lead
        .app
        .post(
            &format!("/api/v1/projects/{oid}/tasks"),
            json!({"title": "x"}),
        )
        .await
        .assert_problem(409, "project_archived");
    // Leaving a project takes the person off its tasks.
    let m = format!("/api/v1/projects/{}/members/{me}", w.project);
    assert_eq!(
        send(&w.lead.app, Method::DELETE, &m, Some("\"v1\""), None)
            .await
            .status,
        204
    );
    assert_eq!(
        w.lead
            .app
            .get(&format!("/api/v1/tasks/{}", id(&soon)))
            .await
            .body["assignees"],
        json!([])
    );
    assert_eq!(
        ids(&w.member.app.get("/api/v1/me/tasks").await.body),
        Vec::<i64>::new()
    );
}

async fn odd_column_names_and_narrow_tokens_are_refused(app: TestApp) {
    let w = world(app.clone()).await;
    let p = w.project;
    let t = task(&w.lead.app, p, json!({"title": "x"})).await["id"]
        .as_i64()
        .unwrap();
    let before = app.audit_count().await;
    for key in ["%00", "T%C3%84", "a", "%E2%80%8B"] {
        w.lead
            .app
            .get(&format!("/api/v1/projects/{p}/tasks?column={key}"))
            .await
            .assert_problem(404, "column_not_found");
        let uri = format!("/api/v1/projects/{p}/columns/{key}");
        w.lead
            .app
            .patch(&uri, Some("\"v1\""), json!({"name": "x"}))
            .await
            .assert_problem(404, "column_not_found");
    }
    for key in ["\u{0}", "할 일", "", "x".repeat(40).as_str()] {
        mv(&w.lead.app, t, json!({"column": key}))
            .await
            .assert_problem(422, "unknown_column");
        let body = json!({"title": "x", "column": key});
        w.lead
            .app
            .post(&format!("/api/v1/projects/{p}/tasks"), body)
            .await
            .assert_problem(422, "unknown_column");
    }
    assert_eq!(app.audit_count().await, before);
    // A token with only `workspace:read` reads and may not write.
    let token = common::issue_token(
        &app.store,
        workspace_api::auth::AccountId(w.lead.id),
        &[workspace_api::auth::Scope::WorkspaceRead],
        i64::MAX / 2,
    )
    .await;
    let reader = app.as_bearer(&token);
    assert_eq!(reader.get(&format!("/api/v1/tasks/{t}")).await.status, 200);
    reader
        .post(
            &format!("/api/v1/projects/{p}/tasks"),
            json!({"title": "x"}),
        )
        .await
        .assert_problem(403, "insufficient_scope");
    let token = common::issue_token(
        &app.store,
        workspace_api::auth::AccountId(w.lead.id),
        &[workspace_api::auth::Scope::DirectoryRead],
        i64::MAX / 2,
    )
    .await;
    app.as_bearer(&token)
        .get("/api/v1/me/tasks")
        .await
        .assert_problem(403, "insufficient_scope");
    app.anonymous()
        .get("/api/v1/projects")
        .await
        .assert_problem(401, "unauthenticated");
}

both_backends!(
    tasks_land_on_the_board,
    bad_task_input_is_refused,
    viewers_read_and_outsiders_see_nothing,
    comments_are_edited_and_deleted_by_their_authors,
    leads_manage_columns,
    my_open_tasks_come_by_due_date,
    odd_column_names_and_narrow_tokens_are_refused,
);
