//! Guest links on both backends: only the organiser makes, lists and revokes them; a guest
//! with a live link's secret joins under a name of their choosing; an unknown, expired or
//! revoked link, or a cancelled meeting, lets no one in.

mod common;

use common::TestApp;
use common::meeting_world::*;
use serde_json::{Value, json};

/// A meeting organised by `org` with `att` attending, `stranger` outside it, and the URI of
/// its guest links.
struct Hearing {
    org: Person,
    att: Person,
    stranger: Person,
    m: Value,
    links: String,
}

async fn hearing(app: &TestApp) -> Hearing {
    let a = agency(app, "mois").await;
    let org = person(app, "org", Some(a)).await;
    let att = person(app, "att", Some(a)).await;
    let stranger = person(app, "stranger", None).await;
    let m = org
        .app
        .create("/api/v1/meetings", meeting("공청회", base(), &[att.id]))
        .await;
    let links = format!("/api/v1/meetings/{}/guest-links", m["id"]);
    Hearing {
        org,
        att,
        stranger,
        m,
        links,
    }
}

async fn guest_links_let_people_without_accounts_in(app: TestApp) {
    let Hearing {
        org,
        att,
        stranger,
        m,
        links,
    } = hearing(&app).await;
    att.app
        .post(&links, json!({}))
        .await
        .assert_problem(403, "forbidden");
    stranger
        .app
        .post(&links, json!({}))
        .await
        .assert_problem(404, "meeting_not_found");
    org.app
        .post(&links, json!({"expires_in_hours": 0}))
        .await
        .assert_problem(422, "validation_failed");
    let link = org.app.post(&links, json!({"expires_in_hours": 2})).await;
    assert_eq!(link.status, 201, "{:#}", link.body);
    let secret = link.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 40);
    let expires = link.body["expires_ms"].as_i64().unwrap();
    assert!(expires > now() + HOUR && expires <= now() + 2 * HOUR);

    let guest = with_tokens(&app).anonymous();
    let before = app.audit_count().await;
    guest
        .post(
            "/api/v1/guest/join",
            json!({"secret": "nope", "name": "홍길동"}),
        )
        .await
        .assert_problem(404, "guest_link_not_found");
    guest
        .post(
            "/api/v1/guest/join",
            json!({"secret": secret, "name": "  "}),
        )
        .await
        .assert_problem(422, "validation_failed");
    guest
        .post(
            "/api/v1/guest/join",
            json!({"secret": "x".repeat(5000), "name": "a"}),
        )
        .await
        .assert_problem(404, "guest_link_not_found");
    assert_eq!(app.audit_count().await, before);
    let ticket = guest
        .post(
            "/api/v1/guest/join",
            json!({"secret": secret, "name": "홍길동"}),
        )
        .await;
    assert_eq!(ticket.status, 200, "{:#}", ticket.body);
    let id = link.body["id"].as_i64().unwrap();
    assert_eq!(
        ticket.body["token"],
        format!(
            "{}|guest:{id}|홍길동|600",
            m["video_room"].as_str().unwrap()
        )
    );
    assert_eq!(
        app.audit_log().await.last().unwrap().actor,
        format!("guest:{id}")
    );
    app.anonymous()
        .post("/api/v1/guest/join", json!({"secret": secret, "name": "a"}))
        .await
        .assert_problem(503, "room_tokens_unavailable");

    app.raw(&format!(
        "UPDATE meeting_guest_links SET expires_ms = 1 WHERE id = {id}"
    ))
    .await;
    guest
        .post(
            "/api/v1/guest/join",
            json!({"secret": secret, "name": "홍길동"}),
        )
        .await
        .assert_problem(410, "guest_link_expired");
    let fresh = org.app.post(&links, json!({})).await.body["secret"].clone();
    delete(
        &org.app,
        &format!("/api/v1/meetings/{}", m["id"]),
        Some("\"v1\""),
    )
    .await;
    guest
        .post(
            "/api/v1/guest/join",
            json!({"secret": fresh, "name": "홍길동"}),
        )
        .await
        .assert_problem(409, "meeting_cancelled");
    org.app
        .post(&links, json!({}))
        .await
        .assert_problem(409, "meeting_cancelled");
}

async fn organisers_list_and_revoke_guest_links(app: TestApp) {
    let Hearing {
        org,
        att,
        stranger,
        m: _,
        links,
    } = hearing(&app).await;
    let first = org.app.create(&links, json!({})).await;
    let second = org.app.create(&links, json!({"expires_in_hours": 3})).await;
    let (first_id, second_id) = (
        first["id"].as_i64().unwrap(),
        second["id"].as_i64().unwrap(),
    );

    // Listed for the organiser only, oldest first, in pages, never with the secret.
    let page = org.app.get(&format!("{links}?limit=1")).await;
    assert_eq!(page.status, 200, "{:#}", page.body);
    assert_eq!(ids(&page.body), [first_id]);
    assert!(
        page.body["items"][0].get("secret").is_none(),
        "{:#}",
        page.body
    );
    assert_eq!(page.body["items"][0]["created_by"], org.id);
    assert_eq!(page.body["items"][0]["revoked_ms"], json!(null));
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = org
        .app
        .get(&format!("{links}?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(ids(&rest.body), [second_id]);
    assert_eq!(rest.body["next_cursor"], json!(null));
    att.app.get(&links).await.assert_problem(403, "forbidden");
    stranger
        .app
        .get(&links)
        .await
        .assert_problem(404, "meeting_not_found");

    // Revoking: organiser only, audited once; the link then lets no one in.
    let guest = with_tokens(&app).anonymous();
    let join = json!({"secret": first["secret"], "name": "홍길동"});
    assert_eq!(
        guest.post("/api/v1/guest/join", join.clone()).await.status,
        200
    );
    let one = format!("{links}/{first_id}");
    delete(&att.app, &one, None)
        .await
        .assert_problem(403, "forbidden");
    delete(&stranger.app, &one, None)
        .await
        .assert_problem(404, "meeting_not_found");
    delete(&org.app, &format!("{links}/999999"), None)
        .await
        .assert_problem(404, "guest_link_not_found");
    let other = org
        .app
        .create("/api/v1/meetings", meeting("다른 회의", base(), &[]))
        .await;
    let elsewhere = format!("/api/v1/meetings/{}/guest-links/{first_id}", other["id"]);
    delete(&org.app, &elsewhere, None)
        .await
        .assert_problem(404, "guest_link_not_found");
    let before = app.audit_count().await;
    for _ in 0..2 {
        assert_eq!(delete(&org.app, &one, None).await.status, 204);
    }
    let log = app.audit_log().await;
    assert_eq!(log.len(), before + 1);
    let row = log.last().unwrap();
    assert_eq!(
        (row.action.as_str(), row.entity.as_str()),
        ("revoke", "guest_link")
    );
    assert_eq!(row.entity_id, first_id);
    guest
        .post("/api/v1/guest/join", join)
        .await
        .assert_problem(410, "guest_link_revoked");
    let listed = org.app.get(&links).await.body;
    assert!(listed["items"][0]["revoked_ms"].is_i64(), "{listed:#}");
    assert_eq!(listed["items"][1]["revoked_ms"], json!(null));
    // The other link still works.
    let join = json!({"secret": second["secret"], "name": "홍길동"});
    assert_eq!(guest.post("/api/v1/guest/join", join).await.status, 200);
}

both_backends!(
    guest_links_let_people_without_accounts_in,
    organisers_list_and_revoke_guest_links,
);
