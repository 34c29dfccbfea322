//! The live-update stream over HTTP on both backends: what a user may see, resuming with
//! `Last-Event-ID`, events committed after the stream opened, and the errors. Most events are
//! written with SQL here, as another hub on the same database would; one case follows real
//! task writes from the API to the stream, and the resource tests check their own events.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::Method;
use axum::http::{Request, StatusCode};
use common::TestApp;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use workspace_api::auth::Scope;

/// A guard against a hung stream, not a speed requirement.
const PATIENCE: Duration = Duration::from_secs(20);

async fn add_event(app: &TestApp, id: i64, kind: &str, audience: &str, target: i64) {
    app.raw(&format!(
        "INSERT INTO events (id, at_ms, kind, entity, entity_id, data) \
         VALUES ({id}, 1, '{kind}', 'task', 7, '{{\"n\": {id}}}')"
    ))
    .await;
    app.raw(&format!(
        "INSERT INTO event_audience (event_id, kind, target_id) VALUES ({id}, '{audience}', {target})"
    ))
    .await;
}

struct Stream {
    body: Body,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp, last_event_id: Option<&str>) -> Stream {
        let mut req = Request::get("/api/v1/events").header(
            "authorization",
            format!("Bearer {}", app.bearer.as_deref().unwrap()),
        );
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let res = app
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        Stream {
            body: res.into_body(),
            buffer: String::new(),
        }
    }

    /// The next event (skipping keep-alive comments) as (id, kind, data).
    async fn next(&mut self) -> (i64, String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim().to_owned())
                };
                if let (Some(id), Some(kind), Some(data)) =
                    (field("id:"), field("event:"), field("data:"))
                {
                    return (
                        id.parse().unwrap(),
                        kind,
                        serde_json::from_str(&data).unwrap(),
                    );
                }
                continue;
            }
            let frame = tokio::time::timeout(PATIENCE, self.body.frame())
                .await
                .expect("an event within the patience")
                .expect("stream open")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }
}

async fn my_account(app: &TestApp) -> i64 {
    app.get("/api/v1/auth/me").await.body["account"]["id"]
        .as_i64()
        .unwrap()
}

async fn streams_what_the_user_may_see_and_resumes(app: TestApp) {
    let me = my_account(&app).await;
    add_event(&app, 1, "task.created", "everyone", 0).await;
    add_event(&app, 2, "memo.shared", "account", me).await;
    add_event(&app, 3, "task.moved", "agency", 999).await;

    let mut s = Stream::open(&app, Some("0")).await;
    let (id, kind, data) = s.next().await;
    assert_eq!((id, kind.as_str()), (1, "task.created"));
    assert_eq!(data["entity"], "task");
    assert_eq!(data["data"]["n"], 1);
    assert_eq!(s.next().await.0, 2);
    // Committed after the stream opened (by "another hub": found by polling).
    add_event(&app, 4, "announcement.posted", "everyone", 0).await;
    let (id, kind, _) = s.next().await;
    assert_eq!((id, kind.as_str()), (4, "announcement.posted"));

    // A reconnect after id 2 gets 4 and never the other agency's 3.
    let mut again = Stream::open(&app, Some("2")).await;
    assert_eq!(again.next().await.0, 4);
}

async fn without_resume_point_only_new_events_arrive(app: TestApp) {
    add_event(&app, 1, "old", "everyone", 0).await;
    let mut s = Stream::open(&app, None).await;
    add_event(&app, 2, "new", "everyone", 0).await;
    assert_eq!(s.next().await.1, "new");
}

async fn bad_requests_are_problems(app: TestApp) {
    let get = |h: &'static [(&'static str, &'static str)]| {
        let app = app.clone();
        async move { app.send(Method::GET, "/api/v1/events", h, None).await }
    };
    get(&[("last-event-id", "abc")])
        .await
        .assert_problem(400, "invalid_last_event_id");
    get(&[("last-event-id", "-5")])
        .await
        .assert_problem(400, "invalid_last_event_id");
    app.get("/api/v1/events?last_event_id=x")
        .await
        .assert_problem(400, "invalid_query");
    app.anonymous()
        .get("/api/v1/events")
        .await
        .assert_problem(401, "unauthenticated");
    let me = workspace_api::auth::AccountId(my_account(&app).await);
    let narrow = common::issue_token(&app.store, me, &[Scope::DirectoryRead], i64::MAX / 2).await;
    app.as_bearer(&narrow)
        .get("/api/v1/events")
        .await
        .assert_problem(403, "insufficient_scope");
}

/// Real writes: a task created and then moved by the API reach the project member's stream
/// live, in order, with ids that a reconnect resumes after.
async fn task_writes_arrive_live(app: TestApp) {
    let agency = app
        .create(
            "/api/v1/agencies",
            json!({"code": "mois", "name_ko": "행정안전부"}),
        )
        .await["id"]
        .clone();
    let project = app
        .create(
            "/api/v1/projects",
            json!({"name_ko": "공동 사업", "lead_agency_id": agency}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let mut s = Stream::open(&app, None).await;
    let task = app
        .create(
            &format!("/api/v1/projects/{project}/tasks"),
            json!({"title": "보고서 작성"}),
        )
        .await;
    let (created_id, kind, data) = s.next().await;
    assert_eq!(kind, "task.created");
    assert_eq!(data["entity_id"], task["id"]);
    let etag = format!("\"v{}\"", task["version"]);
    let moved = app
        .send(
            Method::POST,
            &format!("/api/v1/tasks/{}/move", task["id"]),
            &[("content-type", "application/json"), ("if-match", &etag)],
            Some(json!({"column": "doing"}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let (moved_id, kind, data) = s.next().await;
    assert_eq!(kind, "task.moved");
    assert_eq!(data["entity_id"], task["id"]);
    assert!(moved_id > created_id);
    let mut again = Stream::open(&app, Some(&created_id.to_string())).await;
    assert_eq!(again.next().await.0, moved_id);
}

both_backends!(
    task_writes_arrive_live,
    streams_what_the_user_may_see_and_resumes,
    without_resume_point_only_new_events_arrive,
    bad_requests_are_problems,
);
