//! The API conventions on both backends: problem+json for every bad input, references,
//! duplicates, ETag/If-Match, and mounting inside the binary's app.

mod common;

use axum::http::Method;
use common::TestApp;
use serde_json::json;

const JSON: (&str, &str) = ("content-type", "application/json");

async fn agency(app: &TestApp, code: &str) -> i64 {
    app.create(
        "/api/v1/agencies",
        json!({"code": code, "name_ko": format!("{code} 기관")}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

async fn bad_bodies_are_problems(app: TestApp) {
    let post = |body: &'static [u8], headers: &'static [(&'static str, &'static str)]| {
        let app = app.clone();
        async move {
            app.send(
                Method::POST,
                "/api/v1/agencies",
                headers,
                Some(body.to_vec()),
            )
            .await
        }
    };
    post(b"{\"code\": ", &[JSON])
        .await
        .assert_problem(400, "invalid_json");
    post(b"{\"code\": 5, \"name_ko\": \"x\"}", &[JSON])
        .await
        .assert_problem(422, "invalid_body");
    post(b"{\"name_ko\": \"x\"}", &[JSON])
        .await
        .assert_problem(422, "invalid_body");
    post(
        b"{\"code\": \"ab\", \"name_ko\": \"x\", \"extra\": 1}",
        &[JSON],
    )
    .await
    .assert_problem(422, "invalid_body");
    post(b"{\"code\": \"ab\", \"name_ko\": \"x\"}", &[])
        .await
        .assert_problem(415, "unsupported_media_type");
    post(b"\xff\xfe", &[JSON])
        .await
        .assert_problem(400, "invalid_json");
    let huge = format!(
        "{{\"code\": \"ab\", \"name_ko\": \"{}\"}}",
        "가".repeat(40_000)
    );
    let r = app
        .send(
            Method::POST,
            "/api/v1/agencies",
            &[JSON],
            Some(huge.into_bytes()),
        )
        .await;
    r.assert_problem(413, "payload_too_large");
    let r = app
        .post(
            "/api/v1/agencies",
            json!({"code": "Not A Code", "name_ko": " ", "name_en": "a\u{0}"}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    let fields: Vec<_> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["code", "name_ko", "name_en"]);
    assert_eq!(app.audit_count().await, 0);
}

/// JSON Schema calls `7.0` an integer, so the API takes it as one; a real fraction is still
/// refused, and so are duplicate keys.
async fn whole_decimals_are_integers(app: TestApp) {
    let id = agency(&app, "mois").await;
    let post = |body: String, content_type: &'static str| {
        let app = app.clone();
        async move {
            app.send(
                Method::POST,
                "/api/v1/employees",
                &[("content-type", content_type)],
                Some(body.into_bytes()),
            )
            .await
        }
    };
    let before = app.audit_count().await;
    post(
        format!(r#"{{"agency_id": {id}.5, "name_ko": "김민수"}}"#),
        "application/json",
    )
    .await
    .assert_problem(422, "invalid_body");
    post(
        format!(r#"{{"agency_id": {id}, "agency_id": {id}, "name_ko": "김민수"}}"#),
        "application/json",
    )
    .await
    .assert_problem(422, "invalid_body");
    assert_eq!(app.audit_count().await, before, "nothing written");
    let made = post(
        format!(r#"{{"agency_id": {id}.0, "name_ko": "김민수", "title": "7.0"}}"#),
        "application/json; charset=utf-8",
    )
    .await;
    assert_eq!(made.status, 201, "{:#}", made.body);
    assert_eq!(made.body["agency_id"], id);
    assert_eq!(made.body["title"], "7.0", "strings are never touched");
    let made = post(
        format!(r#"{{"agency_id": {id}e0, "name_ko": "이민수"}}"#),
        "application/vnd.govhub+json",
    )
    .await;
    assert_eq!(made.status, 201, "{:#}", made.body);
}

async fn bad_paths_and_methods_are_problems(app: TestApp) {
    app.get("/api/v1/agencies/abc")
        .await
        .assert_problem(400, "invalid_path");
    app.get("/api/v1/agencies/99999999999999999999")
        .await
        .assert_problem(400, "invalid_path");
    app.get("/api/v1/agencies/42")
        .await
        .assert_problem(404, "agency_not_found");
    app.get("/api/v1/agencies/42/units")
        .await
        .assert_problem(404, "agency_not_found");
    app.get("/api/v1/nothing-here")
        .await
        .assert_problem(404, "route_not_found");
    app.send(Method::DELETE, "/api/v1/agencies", &[], None)
        .await
        .assert_problem(405, "method_not_allowed");
}

async fn references_must_exist(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let unit_b = app
        .create(
            &format!("/api/v1/agencies/{b}/units"),
            json!({"name_ko": "기획과"}),
        )
        .await["id"]
        .clone();
    let before = app.audit_count().await;
    let e = |body| app.post("/api/v1/employees", body);
    e(json!({"agency_id": 999, "name_ko": "김민수"}))
        .await
        .assert_problem(422, "unknown_agency");
    e(json!({"agency_id": a, "unit_id": 999, "name_ko": "김민수"}))
        .await
        .assert_problem(422, "unknown_unit");
    e(json!({"agency_id": a, "unit_id": unit_b, "name_ko": "김민수"}))
        .await
        .assert_problem(422, "validation_failed");
    e(json!({"agency_id": a, "name_ko": "김민수", "email": "bad"}))
        .await
        .assert_problem(422, "validation_failed");
    e(json!({"agency_id": "x", "name_ko": "김민수"}))
        .await
        .assert_problem(422, "invalid_body");
    let units = format!("/api/v1/agencies/{a}/units");
    app.post(&units, json!({"name_ko": "과", "parent_id": unit_b}))
        .await
        .assert_problem(422, "validation_failed");
    app.post("/api/v1/agencies/999/units", json!({"name_ko": "과"}))
        .await
        .assert_problem(404, "agency_not_found");
    assert_eq!(app.audit_count().await, before);
}

async fn duplicates_conflict(app: TestApp) {
    let a = agency(&app, "mois").await;
    app.post(
        "/api/v1/agencies",
        json!({"code": "mois", "name_ko": "중복"}),
    )
    .await
    .assert_problem(409, "duplicate");
    app.create(
        "/api/v1/employees",
        json!({"agency_id": a, "name_ko": "김민수", "email": "kim@mois.go.kr"}),
    )
    .await;
    let before = app.audit_count().await;
    let r = app
        .post(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "김민수", "email": "KIM@mois.go.kr"}),
        )
        .await;
    r.assert_problem(409, "duplicate");
    assert_eq!(r.body["errors"][0]["field"], "email");
    assert_eq!(app.audit_count().await, before);
}

async fn etags_guard_updates(app: TestApp) {
    let a = agency(&app, "mois").await;
    let uri = format!("/api/v1/agencies/{a}");
    let first = app.get(&uri).await.etag();
    app.patch(&uri, None, json!({"name_ko": "행정안전부"}))
        .await
        .assert_problem(428, "precondition_required");
    app.patch(&uri, Some("\"v99\""), json!({"name_ko": "행정안전부"}))
        .await
        .assert_problem(412, "precondition_failed");
    app.patch(&uri, Some("*"), json!({"name_ko": "행정안전부"}))
        .await
        .assert_problem(400, "invalid_if_match");
    let ok = app
        .patch(&uri, Some(&first), json!({"name_ko": "행정안전부"}))
        .await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(ok.body["name_ko"], "행정안전부");
    assert_ne!(ok.etag(), first);
    app.patch(&uri, Some(&first), json!({"name_en": "MOIS"}))
        .await
        .assert_problem(412, "precondition_failed");
    app.patch("/api/v1/agencies/999", Some(&first), json!({}))
        .await
        .assert_problem(404, "agency_not_found");
    let e = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "김민수"}),
        )
        .await;
    let euri = format!("/api/v1/employees/{}", e["id"]);
    app.send(Method::DELETE, &euri, &[], None)
        .await
        .assert_problem(428, "precondition_required");
    app.send(Method::DELETE, &euri, &[("if-match", "\"v7\"")], None)
        .await
        .assert_problem(412, "precondition_failed");
    assert_eq!(app.get(&euri).await.status, 200);
}

async fn merges_into_an_app_with_its_own_fallback(app: TestApp) {
    use axum::http::StatusCode;
    let outer = app.wrapped(|api| {
        axum::Router::new()
            .route("/", axum::routing::get(|| async { "home" }))
            .fallback(|| async { (StatusCode::IM_A_TEAPOT, "outer") })
            .merge(api)
    });
    outer
        .get("/api/v1/nope")
        .await
        .assert_problem(404, "route_not_found");
    assert_eq!(outer.get("/api/v1/agencies").await.status, 200);
    assert_eq!(
        outer.get("/elsewhere").await.status,
        StatusCode::IM_A_TEAPOT
    );
    assert_eq!(outer.get("/").await.body, "home");
}

async fn lost_database_is_503(app: TestApp) {
    app.store.close().await;
    app.get("/api/v1/agencies")
        .await
        .assert_problem(503, "store_unavailable");
    let r = app
        .post("/api/v1/agencies", json!({"code": "ab", "name_ko": "가"}))
        .await;
    r.assert_problem(503, "store_unavailable");
}

both_backends!(
    whole_decimals_are_integers,
    lost_database_is_503,
    bad_bodies_are_problems,
    bad_paths_and_methods_are_problems,
    references_must_exist,
    duplicates_conflict,
    etags_guard_updates,
    merges_into_an_app_with_its_own_fallback,
);
