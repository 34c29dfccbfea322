//! `Idempotency-Key` on POST, on both backends: a retried create answers the first response
//! and creates nothing new; the key cannot be reused for another request; failures release
//! it; bad keys, concurrent first requests and abandoned claims are handled.

mod common;

use axum::http::Method;
use common::{Resp, TestApp};
use serde_json::{Value, json};

async fn post_with_key(app: &TestApp, key: &str, body: Value) -> Resp {
    app.send(
        Method::POST,
        "/api/v1/agencies",
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Some(body.to_string().into_bytes()),
    )
    .await
}

async fn agency_count(app: &TestApp) -> usize {
    app.get("/api/v1/agencies?limit=100").await.body["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn a_retry_replays_the_first_answer(app: TestApp) {
    let body = json!({"code": "mois", "name_ko": "행정안전부"});
    let first = post_with_key(&app, "k-1", body.clone()).await;
    assert_eq!(first.status, 201);
    assert!(first.headers.get("idempotency-replayed").is_none());
    let audit = app.audit_count().await;
    let again = post_with_key(&app, "k-1", body.clone()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.headers["idempotency-replayed"], "true");
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers["location"], first.headers["location"]);
    assert_eq!(again.etag(), first.etag());
    assert_eq!(again.headers["content-type"], "application/json");
    assert_eq!(agency_count(&app).await, 1);
    assert_eq!(app.audit_count().await, audit, "a replay writes nothing");

    // The same key for another request is refused and changes nothing.
    post_with_key(&app, "k-1", json!({"code": "me", "name_ko": "환경부"}))
        .await
        .assert_problem(422, "idempotency_key_reused");
    assert_eq!(agency_count(&app).await, 1);
    // Without a key, or with another key, the request runs as usual.
    let other = post_with_key(&app, "k-2", json!({"code": "me", "name_ko": "환경부"})).await;
    assert_eq!(other.status, 201);
    assert_eq!(agency_count(&app).await, 2);
}

async fn a_failed_request_releases_its_key(app: TestApp) {
    post_with_key(&app, "fix-me", json!({"code": "xx", "name_ko": ""}))
        .await
        .assert_problem(422, "validation_failed");
    let fixed = post_with_key(&app, "fix-me", json!({"code": "xx", "name_ko": "가"})).await;
    assert_eq!(fixed.status, 201);
    assert!(fixed.headers.get("idempotency-replayed").is_none());
}

async fn bad_keys_are_refused(app: TestApp) {
    let long = "k".repeat(256);
    for key in ["", "with space", " ", long.as_str()] {
        let res = app
            .send(
                Method::POST,
                "/api/v1/agencies",
                &[
                    ("content-type", "application/json"),
                    ("idempotency-key", key),
                ],
                Some(
                    json!({"code": "aa", "name_ko": "가"})
                        .to_string()
                        .into_bytes(),
                ),
            )
            .await;
        res.assert_problem(400, "invalid_idempotency_key");
    }
    assert_eq!(agency_count(&app).await, 0);
}

async fn keys_belong_to_one_account(app: TestApp) {
    let me = app.get("/api/v1/auth/me").await.body["account"]["id"]
        .as_i64()
        .unwrap();
    // Another account's claim on the same key does not affect this one.
    app.raw(&format!(
        "INSERT INTO idempotency_keys (account_id, key, fingerprint, created_ms) \
         VALUES ({}, 'shared', 'x', 9000000000000)",
        me + 1000
    ))
    .await;
    let res = post_with_key(&app, "shared", json!({"code": "aa", "name_ko": "가"})).await;
    assert_eq!(res.status, 201);
}

async fn in_progress_and_abandoned_claims(app: TestApp) {
    let me = app.get("/api/v1/auth/me").await.body["account"]["id"]
        .as_i64()
        .unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    app.raw(&format!(
        "INSERT INTO idempotency_keys (account_id, key, fingerprint, created_ms) \
         VALUES ({me}, 'busy', 'x', {now_ms}), ({me}, 'stuck', 'x', {})",
        now_ms - 120_000
    ))
    .await;
    post_with_key(&app, "busy", json!({"code": "aa", "name_ko": "가"}))
        .await
        .assert_problem(409, "idempotency_in_progress");
    assert_eq!(agency_count(&app).await, 0);
    // A claim older than a minute was abandoned by a stopped hub: the retry runs.
    let res = post_with_key(&app, "stuck", json!({"code": "aa", "name_ko": "가"})).await;
    assert_eq!(res.status, 201);
}

both_backends!(
    a_retry_replays_the_first_answer,
    a_failed_request_releases_its_key,
    bad_keys_are_refused,
    keys_belong_to_one_account,
    in_progress_and_abandoned_claims,
);
