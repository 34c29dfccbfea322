//! Accounts, sign-in, sessions, API tokens, authorisation by role and agency, and the audit
//! rows they leave, on both backends.

mod common;

use axum::http::{Method, header};
use common::{ADMIN_LOGIN, ADMIN_PASSWORD, Resp, TestApp};
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Scope};

const PASSWORD: &str = "member-password-1";

async fn agency(app: &TestApp, code: &str) -> i64 {
    app.create("/api/v1/agencies", json!({"code": code, "name_ko": code}))
        .await["id"]
        .as_i64()
        .unwrap()
}

async fn account(app: &TestApp, login: &str, role: &str, agency: Option<i64>) -> i64 {
    let body = json!({"login": login, "password": PASSWORD, "role": role, "agency_id": agency});
    app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap()
}

async fn login(app: &TestApp, login: &str, password: &str) -> Resp {
    app.anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"login": login, "password": password}),
        )
        .await
}

/// Signs in and returns the `Cookie` header value of the session.
async fn session(app: &TestApp, who: &str, password: &str) -> String {
    let r = login(app, who, password).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let set = r.headers[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn with_cookie(
    app: &TestApp,
    method: Method,
    uri: &str,
    cookie: &str,
    body: Option<Value>,
) -> Resp {
    let mut h = vec![("cookie", cookie)];
    if body.is_some() {
        h.push(("content-type", "application/json"));
    }
    app.send(method, uri, &h, body.map(|b| b.to_string().into_bytes()))
        .await
}

async fn token_for(app: &TestApp, id: i64, scopes: &[Scope]) -> String {
    common::issue_token(&app.store, AccountId(id), scopes, i64::MAX / 2).await
}

async fn sign_in_outcomes_look_alike(app: TestApp) {
    account(&app, "kim@mois.go.kr", "member", None).await;
    let ok = login(&app, "  KIM@mois.go.kr", PASSWORD).await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(ok.body["account"]["login"], "kim@mois.go.kr");
    assert_eq!(ok.body["account"]["role"], "member");
    assert!(ok.body["account"].get("password_hash").is_none());
    let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap();
    for part in ["govhub_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let wrong = login(&app, "kim@mois.go.kr", "not-the-password").await;
    let unknown = login(&app, "nobody@mois.go.kr", PASSWORD).await;
    wrong.assert_problem(401, "invalid_credentials");
    unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong.body, unknown.body);
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());
    let log = app.audit_log().await;
    let events: Vec<_> = log
        .iter()
        .filter(|e| e.entity == "account")
        .map(|e| (e.action.as_str(), e.detail["reason"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        events,
        [
            ("create", ""),
            ("login", ""),
            ("login_failed", "wrong_password"),
            ("login_failed", "unknown_login")
        ]
    );
}

async fn cookies_are_secure_when_configured(app: TestApp) {
    let mut config = workspace_api::ApiConfig::in_memory();
    config.secure_cookies = true;
    let https = app.wrapped(|_| workspace_api::router_with(app.store.clone(), &config));
    let r = login(&https, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

async fn accounts_link_to_employees_of_their_agency(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let e = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "김민수"}),
        )
        .await["id"]
        .clone();
    let body = |login: &str, agency: i64| json!({"login": login, "password": PASSWORD, "role": "member", "agency_id": agency, "employee_id": e});
    app.post("/api/v1/accounts", body("x", b))
        .await
        .assert_problem(422, "validation_failed");
    let made = app.create("/api/v1/accounts", body("minsu", a)).await;
    assert_eq!(made["employee_id"], e);
    app.post("/api/v1/accounts", body("minsu2", a))
        .await
        .assert_problem(409, "duplicate");
    let me = app
        .as_bearer(&token_for(&app, made["id"].as_i64().unwrap(), &[Scope::DirectoryRead]).await)
        .get("/api/v1/auth/me")
        .await;
    assert_eq!(me.body["account"]["employee_id"], e);
    assert_eq!(me.body["scopes"], json!(["directory:read"]));
}

async fn sessions_work_until_logout_or_expiry(app: TestApp) {
    account(&app, "lee", "member", None).await;
    let cookie = session(&app, "lee", PASSWORD).await;
    let me = with_cookie(&app, Method::GET, "/api/v1/auth/me", &cookie, None).await;
    assert_eq!(me.status, 200, "{:#}", me.body);
    assert_eq!(me.body["via"], "session");
    assert_eq!(me.body["account"]["login"], "lee");
    let dir = with_cookie(&app, Method::GET, "/api/v1/employees", &cookie, None).await;
    assert_eq!(dir.status, 200);
    let out = with_cookie(&app, Method::POST, "/api/v1/auth/logout", &cookie, None).await;
    assert_eq!(out.status, 204);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    with_cookie(&app, Method::GET, "/api/v1/auth/me", &cookie, None)
        .await
        .assert_problem(401, "unauthenticated");
    assert!(app.audit_log().await.iter().any(|e| e.action == "logout"));
    // Logging out again, or without a session, is harmless.
    let again = with_cookie(&app, Method::POST, "/api/v1/auth/logout", &cookie, None).await;
    assert_eq!(again.status, 204);
    let cookie = session(&app, "lee", PASSWORD).await;
    app.raw("UPDATE sessions SET expires_ms = 1 WHERE revoked_ms IS NULL")
        .await;
    with_cookie(&app, Method::GET, "/api/v1/auth/me", &cookie, None)
        .await
        .assert_problem(401, "session_expired");
    let anon = app.anonymous().get("/api/v1/employees").await;
    anon.assert_problem(401, "unauthenticated");
    assert!(anon.headers.contains_key(header::WWW_AUTHENTICATE));
}

async fn tokens_are_scoped_revocable_and_expire(app: TestApp) {
    let a = agency(&app, "mois").await;
    let id = account(&app, "park", "agency_admin", Some(a)).await;
    let cookie = session(&app, "park", PASSWORD).await;
    let body = json!({"name": "스크립트", "scopes": ["directory:read"], "expires_in_days": 7});
    let made = with_cookie(&app, Method::POST, "/api/v1/me/tokens", &cookie, Some(body)).await;
    assert_eq!(made.status, 201, "{:#}", made.body);
    let token = made.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ghw_"));
    assert_eq!(made.body["scopes"], json!(["directory:read"]));
    let list = with_cookie(&app, Method::GET, "/api/v1/me/tokens", &cookie, None).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert!(!list.body.to_string().contains(&token[4..]));
    let client = app.as_bearer(&token);
    let me = client.get("/api/v1/auth/me").await;
    assert_eq!(
        (me.body["via"].as_str(), me.body["account"]["id"].as_i64()),
        (Some("token"), Some(id))
    );
    assert_eq!(client.get("/api/v1/employees").await.status, 200);
    // Reading is in scope; writing is not, even for an admin of the agency.
    client
        .post(
            &format!("/api/v1/agencies/{a}/units"),
            json!({"name_ko": "총무과"}),
        )
        .await
        .assert_problem(403, "insufficient_scope");
    client
        .post(
            "/api/v1/me/tokens",
            json!({"name": "x", "scopes": ["directory:read"]}),
        )
        .await
        .assert_problem(403, "session_required");
    let uri = format!("/api/v1/me/tokens/{}", made.body["id"]);
    // Someone else's token is not found, not forbidden.
    app.send(Method::DELETE, &uri, &[], None)
        .await
        .assert_problem(403, "session_required");
    let admin = session(&app, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    with_cookie(&app, Method::DELETE, &uri, &admin, None)
        .await
        .assert_problem(404, "token_not_found");
    assert_eq!(
        with_cookie(&app, Method::DELETE, &uri, &cookie, None)
            .await
            .status,
        204
    );
    client
        .get("/api/v1/employees")
        .await
        .assert_problem(401, "token_revoked");
    let other = token_for(&app, id, &[Scope::DirectoryRead]).await;
    app.raw("UPDATE api_tokens SET expires_ms = 1 WHERE revoked_ms IS NULL")
        .await;
    app.as_bearer(&other)
        .get("/api/v1/employees")
        .await
        .assert_problem(401, "token_expired");
    app.as_bearer("ghw_not-a-token")
        .get("/api/v1/employees")
        .await
        .assert_problem(401, "unauthenticated");
    let actions: Vec<_> = app
        .audit_log()
        .await
        .into_iter()
        .filter(|e| e.entity == "api_token")
        .map(|e| (e.action, e.actor))
        .collect();
    let park = format!("account:{id}");
    assert_eq!(actions[0], ("create".to_owned(), park.clone()));
    assert_eq!(actions[1], ("revoke".to_owned(), park));
}

async fn roles_bound_writes(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let unit_b = app
        .create(
            &format!("/api/v1/agencies/{b}/units"),
            json!({"name_ko": "기후정책과"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let emp_b = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": b, "name_ko": "최민수"}),
        )
        .await;
    let member = account(&app, "member", "member", Some(a)).await;
    let admin_a = account(&app, "admin-a", "agency_admin", Some(a)).await;
    let member = app.as_bearer(&token_for(&app, member, &Scope::ALL).await);
    let admin_a = app.as_bearer(&token_for(&app, admin_a, &Scope::ALL).await);
    let units_a = format!("/api/v1/agencies/{a}/units");
    let units_b = format!("/api/v1/agencies/{b}/units");
    assert_eq!(member.get("/api/v1/employees").await.status, 200);
    member
        .post(&units_a, json!({"name_ko": "총무과"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        admin_a
            .post(&units_a, json!({"name_ko": "총무과"}))
            .await
            .status,
        201
    );
    admin_a
        .post(&units_b, json!({"name_ko": "침입과"}))
        .await
        .assert_problem(403, "forbidden");
    let unit_uri = format!("/api/v1/units/{unit_b}");
    let tag = app.get(&unit_uri).await.etag();
    admin_a
        .patch(&unit_uri, Some(&tag), json!({"name_ko": "바뀜"}))
        .await
        .assert_problem(403, "forbidden");
    admin_a
        .post(
            "/api/v1/employees",
            json!({"agency_id": b, "name_ko": "김침입"}),
        )
        .await
        .assert_problem(403, "forbidden");
    let mine = admin_a
        .create(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "김민수"}),
        )
        .await;
    let mine_uri = format!("/api/v1/employees/{}", mine["id"]);
    admin_a
        .patch(&mine_uri, Some("\"v1\""), json!({"agency_id": b}))
        .await
        .assert_problem(403, "forbidden");
    let emp_b_uri = format!("/api/v1/employees/{}", emp_b["id"]);
    admin_a
        .send(Method::DELETE, &emp_b_uri, &[("if-match", "\"v1\"")], None)
        .await
        .assert_problem(403, "forbidden");
    admin_a
        .post(
            "/api/v1/agencies",
            json!({"code": "new", "name_ko": "신설"}),
        )
        .await
        .assert_problem(403, "forbidden");
    // The agency admin reads its agency's part of the audit log, the member none of it.
    let log = admin_a.get("/api/v1/audit?limit=100").await;
    assert_eq!(log.status, 200, "{:#}", log.body);
    let items = log.body["items"].as_array().unwrap();
    assert!(
        items.iter().all(|e| e["agency_id"] == json!(a)),
        "{items:#?}"
    );
    let seen: Vec<_> = items
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["entity"].as_str().unwrap()))
        .collect();
    assert!(
        seen.contains(&("create", "unit")) && seen.contains(&("create", "employee")),
        "{seen:?}"
    );
    member
        .get("/api/v1/audit")
        .await
        .assert_problem(403, "forbidden");
    let new_member =
        json!({"login": "new-a", "password": PASSWORD, "role": "member", "agency_id": a});
    assert_eq!(
        admin_a.post("/api/v1/accounts", new_member).await.status,
        201
    );
    for body in [
        json!({"login": "new-b", "password": PASSWORD, "role": "member", "agency_id": b}),
        json!({"login": "root2", "password": PASSWORD, "role": "system_admin"}),
    ] {
        admin_a
            .post("/api/v1/accounts", body)
            .await
            .assert_problem(403, "forbidden");
    }
    // Nothing refused left a trace; the system admin can do all of it.
    assert_eq!(app.get(&unit_uri).await.body["name_ko"], "기후정책과");
    assert_eq!(
        app.patch(&unit_uri, Some(&tag), json!({"name_ko": "바뀜"}))
            .await
            .status,
        200
    );
    assert_eq!(
        app.patch(&mine_uri, Some("\"v1\""), json!({"agency_id": b}))
            .await
            .status,
        200
    );
}

async fn audit_pages_for_system_admins(app: TestApp) {
    for code in ["a1", "a2", "a3"] {
        agency(&app, code).await;
    }
    let first = app.get("/api/v1/audit?limit=2").await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(first.body["items"][0]["action"], "create");
    assert_eq!(first.body["items"][0]["entity"], "account");
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let next = app
        .get(&format!("/api/v1/audit?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(next.body["items"][0]["action"], "create");
    assert_eq!(next.body["items"][0]["entity"], "agency");
    let reader = token_for(&app, 1, &[Scope::DirectoryRead]).await;
    app.as_bearer(&reader)
        .get("/api/v1/audit")
        .await
        .assert_problem(403, "insufficient_scope");
}

async fn repeated_failures_lock_the_login(app: TestApp) {
    account(&app, "choi", "member", None).await;
    for who in ["choi", "ghost"] {
        for _ in 0..5 {
            login(&app, who, "wrong-password")
                .await
                .assert_problem(401, "invalid_credentials");
        }
        let locked = login(&app, who, PASSWORD).await;
        locked.assert_problem(429, "too_many_attempts");
        let secs: u64 = locked.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=30).contains(&secs), "{secs}");
    }
    app.raw("UPDATE login_throttle SET locked_until_ms = 1")
        .await;
    assert_eq!(login(&app, "choi", PASSWORD).await.status, 200);
}

async fn bad_auth_input_is_never_a_500(app: TestApp) {
    let anon = app.anonymous();
    for (k, v) in [
        ("authorization", "Basic YTpi"),
        ("authorization", "Bearer"),
        ("authorization", "Bearer a b c"),
        ("cookie", "govhub_session=%00%ff; x"),
        ("cookie", "govhub_session"),
    ] {
        let r = anon
            .send(Method::GET, "/api/v1/auth/me", &[(k, v)], None)
            .await;
        r.assert_problem(401, "unauthenticated");
    }
    let long = "x".repeat(5000);
    for body in [
        json!({"login": long, "password": "p"}),
        json!({"login": "a\u{0}b", "password": "p"}),
        json!({"login": "admin", "password": long}),
        json!({"login": "", "password": ""}),
    ] {
        anon.post("/api/v1/auth/login", body)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    anon.post("/api/v1/auth/login", json!({"login": 1}))
        .await
        .assert_problem(422, "invalid_body");
    for (body, code) in [
        (
            json!({"login": "a", "password": "short", "role": "member"}),
            "validation_failed",
        ),
        (
            json!({"login": "a b", "password": PASSWORD, "role": "member"}),
            "validation_failed",
        ),
        (
            json!({"login": "a", "password": PASSWORD, "role": "agency_admin"}),
            "validation_failed",
        ),
        (
            json!({"login": "a", "password": PASSWORD, "role": "root"}),
            "invalid_body",
        ),
        (
            json!({"login": "a", "password": PASSWORD, "role": "member", "agency_id": 999}),
            "unknown_agency",
        ),
        (
            json!({"login": "a", "password": PASSWORD, "role": "member", "employee_id": 999}),
            "unknown_employee",
        ),
        (
            json!({"login": ADMIN_LOGIN, "password": PASSWORD, "role": "member"}),
            "duplicate",
        ),
    ] {
        let r = app.post("/api/v1/accounts", body).await;
        let status = r.status.as_u16();
        assert!(status == 422 || status == 409, "{:#}", r.body);
        r.assert_problem(status, code);
    }
    let cookie = session(&app, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    for body in [
        json!({"name": "t", "scopes": ["teleport"]}),
        json!({"name": "t", "scopes": []}),
        json!({"name": "", "scopes": ["audit:read"]}),
        json!({"name": "t", "scopes": ["audit:read"], "expires_in_days": 0}),
        json!({"name": "t", "scopes": ["audit:read"], "expires_in_days": 9999999999999i64}),
    ] {
        let r = with_cookie(&app, Method::POST, "/api/v1/me/tokens", &cookie, Some(body)).await;
        assert_eq!(r.status, 422, "{:#}", r.body);
    }
    with_cookie(&app, Method::DELETE, "/api/v1/me/tokens/abc", &cookie, None)
        .await
        .assert_problem(400, "invalid_path");
    app.get("/api/v1/audit?cursor=zzz")
        .await
        .assert_problem(400, "invalid_cursor");
}

both_backends!(
    cookies_are_secure_when_configured,
    accounts_link_to_employees_of_their_agency,
    sign_in_outcomes_look_alike,
    sessions_work_until_logout_or_expiry,
    tokens_are_scoped_revocable_and_expire,
    roles_bound_writes,
    audit_pages_for_system_admins,
    repeated_failures_lock_the_login,
    bad_auth_input_is_never_a_500,
);
