//! Meetings on both backends: scheduling with attendees, a project and a room booking in one
//! transaction, who sees what (404 for outsiders), organiser-only changes with If-Match,
//! cancellation, live events, room tokens through a [`RoomTokenIssuer`], and every bad
//! input as a typed problem that changes nothing. Guest links are in `guest_links.rs`.

mod common;

use axum::http::Method;
use common::TestApp;
use common::meeting_world::*;
use serde_json::{Value, json};

async fn meetings_are_seen_by_their_people_only(app: TestApp) {
    let (a, b) = (agency(&app, "mois").await, agency(&app, "me").await);
    let org = person(&app, "org", Some(a)).await;
    let guest = person(&app, "att", Some(b)).await;
    let stranger = person(&app, "stranger", Some(a)).await;
    let t = base();
    let made = org
        .app
        .post(
            "/api/v1/meetings",
            meeting("부처 합동 회의", t, &[guest.id, org.id, guest.id]),
        )
        .await;
    assert_eq!(made.status, 201, "{:#}", made.body);
    assert_eq!(made.etag(), "\"v1\"");
    let m = made.body;
    assert_eq!(m["attendees"], json!([guest.id]));
    assert_eq!(m["organiser_id"], org.id);
    let room = m["video_room"].as_str().unwrap();
    assert!(room.len() >= 40 && room.starts_with("m-"), "{room}");
    let uri = format!("/api/v1/meetings/{}", m["id"]);
    assert_eq!(guest.app.get(&uri).await.status, 200);
    stranger
        .app
        .get(&uri)
        .await
        .assert_problem(404, "meeting_not_found");
    assert_eq!(app.get(&uri).await.status, 200, "system admins may read");

    let window = format!("/api/v1/meetings?from={}&to={}", t - HOUR, t + 2 * HOUR);
    assert_eq!(
        ids(&guest.app.get(&window).await.body),
        [m["id"].as_i64().unwrap()]
    );
    assert!(ids(&stranger.app.get(&window).await.body).is_empty());
    let later = format!("/api/v1/meetings?from={}", t + HOUR);
    assert!(
        ids(&org.app.get(&later).await.body).is_empty(),
        "ends when the next hour starts"
    );
    org.app
        .get(&format!("/api/v1/meetings?from={t}&to={t}"))
        .await
        .assert_problem(400, "invalid_query");

    let before = app.audit_count().await;
    let patch = json!({"title": "부처 합동 회의 (변경)", "attendees": [stranger.id]});
    guest
        .app
        .patch(&uri, Some("\"v1\""), patch.clone())
        .await
        .assert_problem(403, "forbidden");
    stranger
        .app
        .patch(&uri, Some("\"v1\""), patch.clone())
        .await
        .assert_problem(404, "meeting_not_found");
    org.app
        .patch(&uri, None, patch.clone())
        .await
        .assert_problem(428, "precondition_required");
    org.app
        .patch(&uri, Some("\"v9\""), patch.clone())
        .await
        .assert_problem(412, "precondition_failed");
    assert_eq!(app.audit_count().await, before);
    let changed = org.app.patch(&uri, Some("\"v1\""), patch).await;
    assert_eq!(changed.status, 200, "{:#}", changed.body);
    assert_eq!(changed.etag(), "\"v2\"");
    assert_eq!(changed.body["attendees"], json!([stranger.id]));
    guest
        .app
        .get(&uri)
        .await
        .assert_problem(404, "meeting_not_found");
    assert_eq!(stranger.app.get(&uri).await.status, 200);

    guest
        .app
        .send(Method::DELETE, &uri, &[("if-match", "\"v2\"")], None)
        .await
        .assert_problem(404, "meeting_not_found");
    delete(&org.app, &uri, Some("\"v1\""))
        .await
        .assert_problem(412, "precondition_failed");
    assert_eq!(delete(&org.app, &uri, Some("\"v2\"")).await.status, 204);
    let gone = org.app.get(&uri).await;
    assert!(gone.body["cancelled_ms"].is_i64(), "{:#}", gone.body);
    assert!(
        ids(&org.app.get(&window).await.body).is_empty(),
        "cancelled ones are not listed"
    );
    org.app
        .patch(&uri, Some(&gone.etag()), json!({"title": "x"}))
        .await
        .assert_problem(409, "meeting_cancelled");

    assert_eq!(
        guest.events().await,
        ["meeting.scheduled", "meeting.updated"]
    );
    let all = ["meeting.scheduled", "meeting.updated", "meeting.cancelled"];
    assert_eq!(org.events().await, all);
    assert_eq!(
        stranger.events().await,
        ["meeting.updated", "meeting.cancelled"]
    );
    let actions: Vec<_> = app
        .audit_log()
        .await
        .into_iter()
        .filter(|e| e.entity == "meeting")
        .map(|e| (e.action, e.actor, e.agency_id.map(|x| x.0)))
        .collect();
    let actor = format!("account:{}", org.id);
    assert_eq!(
        actions,
        [
            ("create".to_owned(), actor.clone(), Some(a)),
            ("update".to_owned(), actor.clone(), Some(a)),
            ("delete".to_owned(), actor, Some(a)),
        ]
    );
}

async fn bad_meetings_change_nothing(app: TestApp) {
    let a = agency(&app, "mois").await;
    let org = person(&app, "org", Some(a)).await;
    let t = base();
    let before = app.audit_count().await;
    let post = |body: Value| {
        let app = org.app.clone();
        async move { app.post("/api/v1/meetings", body).await }
    };
    let r = post(json!({"title": "x", "start_ms": t, "end_ms": t})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "end_ms");
    post(json!({"title": " ", "start_ms": t, "end_ms": t + 1}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"title": "x", "description": "a\u{7}", "start_ms": t, "end_ms": t + 1}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"title": "x", "start_ms": -5, "end_ms": t}))
        .await
        .assert_problem(422, "validation_failed");
    post(meeting("x", t, &[4242]))
        .await
        .assert_problem(422, "unknown_account");
    post(json!({"title": "x", "start_ms": t, "end_ms": t + 1, "project_id": 77}))
        .await
        .assert_problem(422, "unknown_project");
    post(json!({"title": "x", "start_ms": t, "end_ms": t + 1, "room_id": 77}))
        .await
        .assert_problem(422, "unknown_room");
    post(json!({"title": "x", "start_ms": t, "end_ms": t + 1, "colour": "red"}))
        .await
        .assert_problem(422, "invalid_body");
    post(json!({"title": "x", "start_ms": "soon", "end_ms": t + 1}))
        .await
        .assert_problem(422, "invalid_body");
    org.app
        .get("/api/v1/me/meetings?tz_offset_min=9999")
        .await
        .assert_problem(400, "invalid_query");
    org.app
        .get("/api/v1/meetings/abc")
        .await
        .assert_problem(400, "invalid_path");
    org.app
        .get("/api/v1/meetings/999")
        .await
        .assert_problem(404, "meeting_not_found");
    assert_eq!(app.audit_count().await, before);

    let m = org
        .app
        .create("/api/v1/meetings", meeting("x", t, &[]))
        .await;
    let uri = format!("/api/v1/meetings/{}", m["id"]);
    let before = app.audit_count().await;
    for (patch, code) in [
        (json!({"end_ms": t - HOUR}), "validation_failed"),
        (json!({"start_ms": t + 2 * HOUR}), "validation_failed"),
        (json!({"end_ms": t + 30 * 24 * HOUR}), "validation_failed"),
        (json!({"attendees": [4242]}), "unknown_account"),
        (json!({"project_id": 77}), "unknown_project"),
        (json!({"room_id": 77}), "unknown_room"),
        (json!({"title": ""}), "validation_failed"),
    ] {
        org.app
            .patch(&uri, Some("\"v1\""), patch)
            .await
            .assert_problem(422, code);
    }
    assert_eq!(app.audit_count().await, before);
    assert_eq!(org.app.get(&uri).await.etag(), "\"v1\"");
}

async fn a_meeting_books_its_room_in_the_same_transaction(app: TestApp) {
    let a = agency(&app, "mois").await;
    let org = person(&app, "org", Some(a)).await;
    let other = person(&app, "other", Some(a)).await;
    let r = room(&app, a, "601호").await;
    let t = base();
    let mut body = meeting("예산 협의", t, &[]);
    body["room_id"] = json!(r);
    let m = org.app.create("/api/v1/meetings", body.clone()).await;
    let booking = m["booking"].clone();
    assert_eq!(
        (booking["room_id"].as_i64(), booking["start_ms"].as_i64()),
        (Some(r), Some(t))
    );
    assert_eq!(booking["meeting_id"], m["id"]);
    assert_eq!(
        booking["title"], "",
        "a meeting's title stays with its people"
    );

    let before = app.audit_count().await;
    body["start_ms"] = json!(t + HOUR / 2);
    body["end_ms"] = json!(t + 2 * HOUR);
    let clash = other.app.post("/api/v1/meetings", body.clone()).await;
    clash.assert_problem(409, "booking_overlap");
    assert_eq!(clash.body["booking_id"], booking["id"]);
    assert_eq!(app.audit_count().await, before);
    let window = format!("/api/v1/meetings?from={}&to={}", t, t + 3 * HOUR);
    assert!(
        ids(&other.app.get(&window).await.body).is_empty(),
        "no meeting was made"
    );
    let mut past = meeting("지난 회의", now() - 2 * HOUR, &[]);
    past["room_id"] = json!(r);
    other
        .app
        .post("/api/v1/meetings", past)
        .await
        .assert_problem(422, "validation_failed");

    let uri = format!("/api/v1/meetings/{}", m["id"]);
    let booking_uri = format!("/api/v1/bookings/{}", booking["id"]);
    delete(&org.app, &booking_uri, Some("\"v1\""))
        .await
        .assert_problem(409, "booking_of_meeting");
    // Moving the meeting moves its booking; the old slot is then free.
    let moved = org
        .app
        .patch(
            &uri,
            Some("\"v1\""),
            json!({"start_ms": t + 4 * HOUR, "end_ms": t + 5 * HOUR}),
        )
        .await;
    assert_eq!(moved.status, 200, "{:#}", moved.body);
    assert_eq!(moved.body["booking"]["id"], booking["id"]);
    assert_eq!(moved.body["booking"]["start_ms"], t + 4 * HOUR);
    let theirs = other.app.create("/api/v1/meetings", body).await;
    let their_booking = theirs["booking"]["id"].clone();
    let clash = org
        .app
        .patch(
            &uri,
            Some("\"v2\""),
            json!({"start_ms": t + HOUR, "end_ms": t + 2 * HOUR}),
        )
        .await;
    clash.assert_problem(409, "booking_overlap");
    assert_eq!(clash.body["booking_id"], their_booking);
    let unbooked = org
        .app
        .patch(&uri, Some("\"v2\""), json!({"room_id": null}))
        .await;
    assert_eq!(unbooked.status, 200, "{:#}", unbooked.body);
    assert!(unbooked.body["booking"].is_null());
    let rebooked = org
        .app
        .patch(&uri, Some("\"v3\""), json!({"room_id": r}))
        .await;
    assert_eq!(rebooked.status, 200, "{:#}", rebooked.body);
    assert_eq!(rebooked.body["booking"]["start_ms"], t + 4 * HOUR);
    // Cancelling the meeting releases its room.
    assert_eq!(delete(&org.app, &uri, Some("\"v4\"")).await.status, 204);
    let avail = app
        .get(&format!(
            "/api/v1/rooms/{r}/bookings?from={t}&to={}",
            t + 6 * HOUR
        ))
        .await;
    assert_eq!(avail.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(avail.body["items"][0]["id"], their_booking);
}

async fn project_members_see_the_projects_meetings(app: TestApp) {
    let (a, b) = (agency(&app, "mois").await, agency(&app, "me").await);
    let org = person(&app, "org", Some(a)).await;
    let member = person(&app, "member", Some(b)).await;
    let outsider = person(&app, "outsider", Some(b)).await;
    project(&app, 500, a, false, &[org.id, member.id]).await;
    project(&app, 501, b, false, &[member.id]).await;
    project(&app, 502, b, true, &[member.id]).await;
    let t = base();
    let mut body = meeting("프로젝트 착수 회의", t, &[]);
    body["project_id"] = json!(501);
    org.app
        .post("/api/v1/meetings", body.clone())
        .await
        .assert_problem(422, "unknown_project");
    body["project_id"] = json!(502);
    assert_eq!(
        org.app.post("/api/v1/meetings", body.clone()).await.status,
        201,
        "public"
    );
    body["project_id"] = json!(500);
    let m = org.app.create("/api/v1/meetings", body).await;
    let uri = format!("/api/v1/meetings/{}", m["id"]);
    let seen = member.app.get(&uri).await;
    assert_eq!(seen.status, 200);
    // A member who may not read accounts still sees who organises and who is invited, by name.
    assert_eq!(seen.body["organiser_name"], "org 님");
    assert_eq!(seen.body["attendee_names"], json!([]));
    let patch = json!({"attendees": [member.id]});
    let changed = org.app.patch(&uri, Some("\"v1\""), patch).await;
    assert_eq!(changed.status, 200, "{:#}", changed.body);
    let names = json!([{"id": member.id, "display_name": "member 님"}]);
    assert_eq!(changed.body["attendee_names"], names);
    assert_eq!(member.app.get(&uri).await.body["attendee_names"], names);
    let window = format!("/api/v1/meetings?from={t}&to={}", t + HOUR);
    let listed = member.app.get(&window).await.body;
    let mine = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == m["id"])
        .unwrap();
    assert_eq!(mine["attendee_names"], names);
    outsider
        .app
        .get(&uri)
        .await
        .assert_problem(404, "meeting_not_found");
    assert_eq!(ids(&member.app.get(&window).await.body).len(), 2);
    assert!(
        member
            .events()
            .await
            .contains(&"meeting.scheduled".to_owned())
    );
    assert!(outsider.events().await.is_empty());
    let tokens = with_tokens(&member.app);
    assert_eq!(
        tokens.post(&format!("{uri}/join"), json!({})).await.status,
        200
    );
}

async fn home_screen_lists_today_and_upcoming(app: TestApp) {
    let org = person(&app, "org", None).await;
    // UTC+0 so that "today" is the UTC day; its first minutes are always today.
    let day = now() / (24 * HOUR) * (24 * HOUR);
    let today = org
        .app
        .create(
            "/api/v1/meetings",
            json!({"title": "오늘", "start_ms": day + 1, "end_ms": day + 2}),
        )
        .await;
    let soon = org
        .app
        .create(
            "/api/v1/meetings",
            meeting("다음 주", day + 7 * 24 * HOUR, &[]),
        )
        .await;
    org.app
        .create("/api/v1/meetings", meeting("어제", day - 24 * HOUR, &[]))
        .await;
    let mine = org.app.get("/api/v1/me/meetings?tz_offset_min=0").await;
    assert_eq!(mine.status, 200, "{:#}", mine.body);
    assert_eq!(mine.body["today"][0]["id"], today["id"]);
    assert_eq!(mine.body["today"].as_array().unwrap().len(), 1);
    assert_eq!(
        ids(&json!({"items": mine.body["upcoming"]})),
        [soon["id"].as_i64().unwrap()]
    );
    assert_eq!(org.app.get("/api/v1/me/meetings").await.status, 200);
}

async fn room_tokens_go_to_the_meetings_people(app: TestApp) {
    let a = agency(&app, "mois").await;
    let org = person(&app, "org", Some(a)).await;
    let att = person(&app, "att", Some(a)).await;
    let stranger = person(&app, "stranger", Some(a)).await;
    let t = base();
    let m = org
        .app
        .create("/api/v1/meetings", meeting("화상 회의", t, &[att.id]))
        .await;
    let join = format!("/api/v1/meetings/{}/join", m["id"]);
    org.app
        .post(&join, json!({}))
        .await
        .assert_problem(503, "room_tokens_unavailable");
    let before = app.audit_count().await;
    let ticket = with_tokens(&att.app).post(&join, json!({})).await;
    assert_eq!(ticket.status, 200, "{:#}", ticket.body);
    let room = m["video_room"].as_str().unwrap();
    assert_eq!(ticket.body["room"], room);
    let token = ticket.body["token"].as_str().unwrap();
    assert_eq!(token, format!("{room}|account:{}|att 님|600", att.id));
    assert!(ticket.body["expires_ms"].as_i64().unwrap() > now());
    assert!(
        ticket.body["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/m/{room}?token="))
    );
    let log = app.audit_log().await;
    assert_eq!(log.len(), before + 1);
    let row = log.last().unwrap();
    assert_eq!(
        (row.action.as_str(), row.entity.as_str()),
        ("join", "meeting")
    );
    assert_eq!(row.actor, format!("account:{}", att.id));
    assert_eq!(
        with_tokens(&org.app).post(&join, json!({})).await.status,
        200
    );
    with_tokens(&stranger.app)
        .post(&join, json!({}))
        .await
        .assert_problem(404, "meeting_not_found");
    with_tokens(&app)
        .post(&join, json!({}))
        .await
        .assert_problem(403, "forbidden");

    let past = org
        .app
        .create(
            "/api/v1/meetings",
            meeting("지난 회의", now() - 2 * HOUR, &[att.id]),
        )
        .await;
    with_tokens(&att.app)
        .post(&format!("/api/v1/meetings/{}/join", past["id"]), json!({}))
        .await
        .assert_problem(409, "meeting_ended");
    delete(
        &org.app,
        &format!("/api/v1/meetings/{}", m["id"]),
        Some("\"v1\""),
    )
    .await;
    with_tokens(&att.app)
        .post(&join, json!({}))
        .await
        .assert_problem(409, "meeting_cancelled");
}

both_backends!(
    meetings_are_seen_by_their_people_only,
    bad_meetings_change_nothing,
    a_meeting_books_its_room_in_the_same_transaction,
    project_members_see_the_projects_meetings,
    home_screen_lists_today_and_upcoming,
    room_tokens_go_to_the_meetings_people,
);
