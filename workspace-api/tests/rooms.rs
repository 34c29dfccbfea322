//! Conference rooms and bookings on both backends: CRUD by the owning agency's admins,
//! filters, bookings that never overlap (also under concurrent requests), cancellation, the
//! availability query, and every bad input as a typed problem that changes nothing.

mod common;

use axum::http::Method;
use common::{Resp, TestApp};
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Scope};

const HOUR: i64 = 3600 * 1000;

/// A whole hour ten days from now: far enough that no booking is "in the past".
fn base() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    (now / HOUR + 240) * HOUR
}

async fn agency(app: &TestApp, code: &str) -> i64 {
    app.create("/api/v1/agencies", json!({"code": code, "name_ko": code}))
        .await["id"]
        .as_i64()
        .unwrap()
}

/// An account of `role` in `agency`, and a client signed in as it.
async fn person(app: &TestApp, login: &str, role: &str, agency: Option<i64>) -> (i64, TestApp) {
    let body =
        json!({"login": login, "password": "member-password-1", "role": role, "agency_id": agency});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = common::issue_token(&app.store, AccountId(id), &Scope::ALL, i64::MAX / 2).await;
    (id, app.as_bearer(&token))
}

fn room_body(agency: i64, site: &str, name: &str, capacity: i64) -> Value {
    json!({"agency_id": agency, "site": site, "name": name, "floor": "3층", "capacity": capacity,
           "equipment": ["영상회의 코덱", "디스플레이", "마이크"]})
}

async fn delete(app: &TestApp, uri: &str, etag: Option<&str>) -> Resp {
    let h: Vec<(&str, &str)> = etag.map(|e| vec![("if-match", e)]).unwrap_or_default();
    app.send(Method::DELETE, uri, &h, None).await
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

async fn rooms_are_managed_by_their_agency(app: TestApp) {
    let a = agency(&app, "nasm").await;
    let b = agency(&app, "mois").await;
    let (_, admin_a) = person(&app, "admin-a", "agency_admin", Some(a)).await;
    let (_, member) = person(&app, "member-a", "member", Some(a)).await;
    let before = app.audit_count().await;
    admin_a
        .post(
            "/api/v1/rooms",
            room_body(b, "정부세종청사 6동", "601호", 10),
        )
        .await
        .assert_problem(403, "forbidden");
    member
        .post("/api/v1/rooms", room_body(a, "국회 본관", "제1회의실", 10))
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/rooms", room_body(999, "국회 본관", "x", 10))
        .await
        .assert_problem(422, "unknown_agency");
    let bad = json!({"agency_id": a, "site": " ", "name": "", "capacity": 0, "equipment": [""]});
    let r = app.post("/api/v1/rooms", bad).await;
    r.assert_problem(422, "validation_failed");
    let fields: Vec<_> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["site", "name", "capacity", "equipment"]);
    app.post(
        "/api/v1/rooms",
        json!({"agency_id": a, "site": "s", "name": "n", "capacity": 5, "wifi": true}),
    )
    .await
    .assert_problem(422, "invalid_body");
    assert_eq!(app.audit_count().await, before);

    let made = admin_a
        .post("/api/v1/rooms", room_body(a, "국회 본관", "제1회의실", 40))
        .await;
    assert_eq!(made.status, 201, "{:#}", made.body);
    assert_eq!(made.etag(), "\"v1\"");
    assert_eq!(made.body["equipment"][0], "영상회의 코덱");
    let id = made.body["id"].as_i64().unwrap();
    admin_a
        .post("/api/v1/rooms", room_body(a, "국회 본관", "제1회의실", 8))
        .await
        .assert_problem(409, "duplicate");
    app.create("/api/v1/rooms", room_body(a, "국회 본관", "소회의실", 8))
        .await;
    app.create(
        "/api/v1/rooms",
        room_body(b, "정부세종청사 6동", "601호", 20),
    )
    .await;

    let all = member.get("/api/v1/rooms").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 3);
    let big = member.get("/api/v1/rooms?min_capacity=20").await;
    assert_eq!(big.body["items"].as_array().unwrap().len(), 2);
    let site = "/api/v1/rooms?site=%EA%B5%AD%ED%9A%8C%20%EB%B3%B8%EA%B4%80&limit=1";
    let first = member.get(site).await;
    assert_eq!(first.body["items"][0]["name"], "소회의실");
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = member.get(&format!("{site}&cursor={cursor}")).await;
    assert_eq!(ids(&second.body), [id]);
    assert!(second.body["next_cursor"].is_null());
    member
        .get(&format!("/api/v1/rooms?min_capacity=1&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid_cursor");
    member
        .get("/api/v1/rooms?capacity=3")
        .await
        .assert_problem(400, "invalid_query");

    let uri = format!("/api/v1/rooms/{id}");
    let patch = json!({"capacity": 45, "equipment": ["코덱"]});
    member
        .patch(&uri, Some("\"v1\""), patch.clone())
        .await
        .assert_problem(403, "forbidden");
    admin_a
        .patch(&uri, None, patch.clone())
        .await
        .assert_problem(428, "precondition_required");
    admin_a
        .patch(&uri, Some("\"v7\""), patch.clone())
        .await
        .assert_problem(412, "precondition_failed");
    admin_a
        .patch(&uri, Some("\"v1\""), json!({"capacity": -1}))
        .await
        .assert_problem(422, "validation_failed");
    let changed = admin_a.patch(&uri, Some("\"v1\""), patch).await;
    assert_eq!(changed.status, 200, "{:#}", changed.body);
    assert_eq!(
        (changed.body["capacity"].as_i64(), changed.etag().as_str()),
        (Some(45), "\"v2\"")
    );
    delete(&admin_a, &uri, Some("\"v1\""))
        .await
        .assert_problem(412, "precondition_failed");
    assert_eq!(delete(&admin_a, &uri, Some("\"v2\"")).await.status, 204);
    member.get(&uri).await.assert_problem(404, "room_not_found");
    let log = app.audit_log().await;
    let rooms: Vec<_> = log
        .iter()
        .filter(|e| e.entity == "conference_room")
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(rooms, ["create", "create", "create", "update", "delete"]);
    assert!(
        log.iter()
            .all(|e| e.entity != "conference_room" || e.agency_id.is_some())
    );
}

async fn book(app: &TestApp, room: i64, start: i64, end: i64) -> Resp {
    let body = json!({"start_ms": start, "end_ms": end, "title": "주간 회의"});
    app.post(&format!("/api/v1/rooms/{room}/bookings"), body)
        .await
}

async fn bookings_never_overlap(app: TestApp) {
    let a = agency(&app, "nasm").await;
    let room = app
        .create("/api/v1/rooms", room_body(a, "국회 본관", "제2회의실", 12))
        .await["id"]
        .as_i64()
        .unwrap();
    let (_, kim) = person(&app, "kim", "member", Some(a)).await;
    let (_, lee) = person(&app, "lee", "member", None).await;
    let t = base();
    let first = book(&kim, room, t, t + HOUR).await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    let first_id = first.body["id"].as_i64().unwrap();
    let before = app.audit_count().await;
    for (s, e) in [
        (t + HOUR / 2, t + 2 * HOUR),
        (t - HOUR / 2, t + HOUR / 2),
        (t - HOUR, t + 2 * HOUR),
    ] {
        let r = book(&lee, room, s, e).await;
        r.assert_problem(409, "booking_overlap");
        assert_eq!(r.body["booking_id"], first_id);
    }
    let r = book(&lee, room, t + HOUR, t + HOUR).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "end_ms");
    book(&lee, room, t + HOUR, t)
        .await
        .assert_problem(422, "validation_failed");
    book(&lee, room, 1_000, 2_000)
        .await
        .assert_problem(422, "validation_failed");
    book(&lee, room, t, t + 8 * 24 * HOUR)
        .await
        .assert_problem(422, "validation_failed");
    book(&lee, 9999, t, t + HOUR)
        .await
        .assert_problem(404, "room_not_found");
    assert_eq!(app.audit_count().await, before);

    // Half-open ranges: the next booking may start when this one ends.
    let next = book(&lee, room, t + HOUR, t + 2 * HOUR).await;
    assert_eq!(next.status, 201, "{:#}", next.body);
    let next_id = next.body["id"].as_i64().unwrap();
    let avail = |from: i64, to: i64| {
        let app = app.clone();
        async move {
            app.get(&format!(
                "/api/v1/rooms/{room}/bookings?from={from}&to={to}"
            ))
            .await
        }
    };
    assert_eq!(ids(&avail(t, t + 3 * HOUR).await.body), [first_id, next_id]);
    assert_eq!(ids(&avail(t + HOUR, t + 3 * HOUR).await.body), [next_id]);
    assert!(ids(&avail(t + 2 * HOUR, t + 3 * HOUR).await.body).is_empty());
    avail(t, t).await.assert_problem(400, "invalid_query");
    app.get(&format!("/api/v1/rooms/{room}/bookings?from={t}"))
        .await
        .assert_problem(400, "invalid_query");
    app.get(&format!("/api/v1/rooms/9999/bookings?from=0&to={t}"))
        .await
        .assert_problem(404, "room_not_found");

    let uri = format!("/api/v1/bookings/{first_id}");
    delete(&lee, &uri, Some("\"v1\""))
        .await
        .assert_problem(403, "forbidden");
    delete(&kim, &uri, None)
        .await
        .assert_problem(428, "precondition_required");
    delete(&kim, &uri, Some("\"v2\""))
        .await
        .assert_problem(412, "precondition_failed");
    delete(&app, &format!("/api/v1/rooms/{room}"), Some("\"v1\""))
        .await
        .assert_problem(409, "room_in_use");
    assert_eq!(delete(&kim, &uri, Some("\"v1\"")).await.status, 204);
    let cancelled = kim.get(&uri).await;
    assert!(cancelled.body["cancelled_ms"].is_i64());
    assert_eq!(cancelled.etag(), "\"v2\"");
    delete(&kim, &uri, Some("\"v2\""))
        .await
        .assert_problem(409, "booking_cancelled");
    assert_eq!(ids(&avail(t, t + 3 * HOUR).await.body), [next_id]);
    // The freed slot can be booked again.
    assert_eq!(book(&lee, room, t, t + HOUR).await.status, 201);
    app.get("/api/v1/bookings/9999")
        .await
        .assert_problem(404, "booking_not_found");
    let log = app.audit_log().await;
    let bookings: Vec<_> = log
        .iter()
        .filter(|e| e.entity == "booking")
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(bookings, ["create", "create", "delete", "create"]);
}

/// Many requests for one slot at once: the lock-then-check makes exactly one win.
async fn concurrent_bookings_one_wins(app: TestApp) {
    let a = agency(&app, "nasm").await;
    let room = app
        .create(
            "/api/v1/rooms",
            room_body(a, "국회 의원회관", "대회의실", 200),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let t = base();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move { book(&app, room, t + i * 60_000, t + HOUR).await })
        })
        .collect();
    let mut won = Vec::new();
    for task in tasks {
        let r = task.await.unwrap();
        match r.status.as_u16() {
            201 => won.push(r.body["id"].as_i64().unwrap()),
            _ => r.assert_problem(409, "booking_overlap"),
        }
    }
    assert_eq!(won.len(), 1, "{won:?}");
    let page = app
        .get(&format!(
            "/api/v1/rooms/{room}/bookings?from=0&to={}",
            t + 2 * HOUR
        ))
        .await;
    assert_eq!(ids(&page.body), won);
}

async fn reads_and_writes_need_their_scopes(app: TestApp) {
    let a = agency(&app, "nasm").await;
    let body = json!({"login": "ro", "password": "member-password-1", "role": "agency_admin", "agency_id": a});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = common::issue_token(
        &app.store,
        AccountId(id),
        &[Scope::DirectoryRead],
        i64::MAX / 2,
    )
    .await;
    let client = app.as_bearer(&token);
    client
        .get("/api/v1/rooms")
        .await
        .assert_problem(403, "insufficient_scope");
    client
        .post("/api/v1/rooms", room_body(a, "s", "n", 3))
        .await
        .assert_problem(403, "insufficient_scope");
    app.anonymous()
        .get("/api/v1/rooms")
        .await
        .assert_problem(401, "unauthenticated");
}

both_backends!(
    rooms_are_managed_by_their_agency,
    bookings_never_overlap,
    concurrent_bookings_one_wins,
    reads_and_writes_need_their_scopes,
);
