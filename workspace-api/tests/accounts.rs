//! Account administration over HTTP: listing with `q` and cursors, reading, PATCH with
//! If-Match (display name, role, agency, employee, disable/enable), password resets and the
//! user's own change, the reach of each role (404 outside, 403 for protected changes, 409 for
//! the last system admin) and the audit rows, on both backends.

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
    let body = json!({"login": login, "password": PASSWORD, "role": role,
        "agency_id": agency, "display_name": format!("{login} 님")});
    app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap()
}

async fn bearer(app: &TestApp, id: i64) -> TestApp {
    let token = common::issue_token(&app.store, AccountId(id), &Scope::ALL, i64::MAX / 2).await;
    app.as_bearer(&token)
}

async fn login(app: &TestApp, who: &str, password: &str) -> Resp {
    app.anonymous()
        .post(
            "/api/v1/auth/login",
            json!({"login": who, "password": password}),
        )
        .await
}

async fn session(app: &TestApp, who: &str, password: &str) -> String {
    let r = login(app, who, password).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let set = r.headers[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn with_cookie(app: &TestApp, method: Method, uri: &str, cookie: &str, body: Value) -> Resp {
    let h = [("cookie", cookie), ("content-type", "application/json")];
    app.send(method, uri, &h, Some(body.to_string().into_bytes()))
        .await
}

fn logins(page: &Resp) -> Vec<String> {
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["login"].as_str().unwrap().to_owned())
        .collect()
}

async fn lists_page_filter_and_stay_in_reach(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let admin_a = account(&app, "admin-a", "agency_admin", Some(a)).await;
    account(&app, "kim.minsu", "member", Some(a)).await;
    account(&app, "lee_100%", "member", Some(a)).await;
    account(&app, "kim.other", "member", Some(b)).await;
    let all = app.get("/api/v1/accounts?limit=2").await;
    assert_eq!(all.status, 200, "{:#}", all.body);
    assert_eq!(logins(&all), ["admin", "admin-a"]);
    let cursor = all.body["next_cursor"].as_str().unwrap();
    let next = app
        .get(&format!("/api/v1/accounts?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(logins(&next), ["kim.minsu", "lee_100%"]);
    // A cursor belongs to its query.
    app.get(&format!("/api/v1/accounts?q=kim&cursor={cursor}"))
        .await
        .assert_problem(400, "invalid_cursor");
    assert_eq!(
        logins(&app.get("/api/v1/accounts?q=KIM").await),
        ["kim.minsu", "kim.other"]
    );
    assert_eq!(
        logins(&app.get("/api/v1/accounts?q=%25").await),
        ["lee_100%"]
    );
    let by_name = app.get("/api/v1/accounts?q=minsu%20%EB%8B%98").await;
    assert_eq!(logins(&by_name), ["kim.minsu"]);
    let admin_a = bearer(&app, admin_a).await;
    let mine = admin_a.get("/api/v1/accounts?q=kim").await;
    assert_eq!(logins(&mine), ["kim.minsu"]);
    let theirs = app.get("/api/v1/accounts?q=kim.other").await.body["items"][0]["id"].clone();
    admin_a
        .get(&format!("/api/v1/accounts/{theirs}"))
        .await
        .assert_problem(404, "account_not_found");
    let member = account(&app, "member-b", "member", Some(b)).await;
    let member_client = bearer(&app, member).await;
    member_client
        .get("/api/v1/accounts")
        .await
        .assert_problem(403, "forbidden");
    let own = member_client
        .get(&format!("/api/v1/accounts/{member}"))
        .await;
    assert_eq!(own.status, 200, "{:#}", own.body);
    assert_eq!(own.etag(), "\"v1\"");
    member_client
        .get(&format!("/api/v1/accounts/{theirs}"))
        .await
        .assert_problem(404, "account_not_found");
    let reader = common::issue_token(
        &app.store,
        AccountId(1),
        &[Scope::DirectoryRead],
        i64::MAX / 2,
    )
    .await;
    app.as_bearer(&reader)
        .get("/api/v1/accounts")
        .await
        .assert_problem(403, "insufficient_scope");
    for bad in ["limit=0", "cursor=zzz", "q=a%00b", "teleport=1"] {
        let r = app.get(&format!("/api/v1/accounts?{bad}")).await;
        assert!(r.status == 400 || r.status == 422, "{bad}: {:#}", r.body);
    }
}

async fn patch_changes_name_role_agency_and_employee(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let emp_a = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": a, "name_ko": "김민수"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let id = account(&app, "kim", "member", Some(a)).await;
    let uri = format!("/api/v1/accounts/{id}");
    let body = json!({"display_name": " 김민수 ", "role": "agency_admin", "employee_id": emp_a});
    app.patch(&uri, None, body.clone())
        .await
        .assert_problem(428, "precondition_required");
    app.patch(&uri, Some("\"v9\""), body.clone())
        .await
        .assert_problem(412, "precondition_failed");
    let r = app.patch(&uri, Some("\"v1\""), body).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.etag(), "\"v2\"");
    assert_eq!(
        (
            &r.body["display_name"],
            &r.body["role"],
            &r.body["employee_id"]
        ),
        (&json!("김민수"), &json!("agency_admin"), &json!(emp_a))
    );
    let before = app.audit_count().await;
    for (body, status, code) in [
        (json!({"agency_id": b}), 422, "validation_failed"),
        (json!({"agency_id": null}), 422, "validation_failed"),
        (json!({"agency_id": 999}), 422, "unknown_agency"),
        (json!({"employee_id": 999}), 422, "unknown_employee"),
        (json!({"role": "root"}), 422, "invalid_body"),
        (json!({"login": "x"}), 422, "invalid_body"),
        (json!({"display_name": "a\u{7}"}), 422, "validation_failed"),
    ] {
        app.patch(&uri, Some("\"v2\""), body)
            .await
            .assert_problem(status, code);
    }
    assert_eq!(
        app.audit_count().await,
        before,
        "refused changes are not audited"
    );
    let moved = app
        .patch(
            &uri,
            Some("\"v2\""),
            json!({"agency_id": b, "employee_id": null, "role": "member"}),
        )
        .await;
    assert_eq!(moved.status, 200, "{:#}", moved.body);
    assert_eq!(moved.body["agency_id"], b);
    assert_eq!(moved.body["employee_id"], Value::Null);
    let log = app.audit_log().await;
    let last = log.last().unwrap();
    assert_eq!((last.action.as_str(), last.entity_id), ("update", id));
    assert_eq!(last.agency_id.map(|x| x.0), Some(b));
    assert_eq!(last.detail["agency_id"], b);
}

async fn disabling_revokes_sessions_and_tokens(app: TestApp) {
    let a = agency(&app, "mois").await;
    let id = account(&app, "park", "member", Some(a)).await;
    let cookie = session(&app, "park", PASSWORD).await;
    let client = bearer(&app, id).await;
    assert_eq!(client.get("/api/v1/auth/me").await.status, 200);
    let uri = format!("/api/v1/accounts/{id}");
    let r = app
        .patch(&uri, Some("\"v1\""), json!({"disabled": true}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(r.body["disabled_ms"].is_i64());
    client
        .get("/api/v1/auth/me")
        .await
        .assert_problem(401, "unauthenticated");
    with_cookie(&app, Method::GET, "/api/v1/auth/me", &cookie, Value::Null)
        .await
        .assert_problem(401, "unauthenticated");
    login(&app, "park", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    let r = app
        .patch(&uri, Some("\"v2\""), json!({"disabled": false}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["disabled_ms"], Value::Null);
    // Enabling does not bring the revoked credentials back.
    client
        .get("/api/v1/auth/me")
        .await
        .assert_problem(401, "token_revoked");
    assert_eq!(login(&app, "park", PASSWORD).await.status, 200);
    let actions: Vec<_> = app
        .audit_log()
        .await
        .into_iter()
        .filter(|e| e.entity == "account" && e.entity_id == id)
        .map(|e| e.action)
        .collect();
    assert!(
        actions.ends_with(&["disable".into(), "enable".into(), "login".into()]),
        "{actions:?}"
    );
}

async fn agency_admins_stay_inside_their_agency(app: TestApp) {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let admin_a = account(&app, "admin-a", "agency_admin", Some(a)).await;
    let mine = account(&app, "mine", "member", Some(a)).await;
    let theirs = account(&app, "theirs", "member", Some(b)).await;
    let root2 = account(&app, "root2", "system_admin", Some(a)).await;
    let client = bearer(&app, admin_a).await;
    let before = app.audit_count().await;
    let uri = |id: i64| format!("/api/v1/accounts/{id}");
    client
        .patch(&uri(theirs), Some("\"v1\""), json!({"display_name": "x"}))
        .await
        .assert_problem(404, "account_not_found");
    client
        .post(
            &format!("{}/password", uri(theirs)),
            json!({"new_password": "another-password"}),
        )
        .await
        .assert_problem(404, "account_not_found");
    for body in [
        json!({"role": "system_admin"}),
        json!({"agency_id": b}),
        json!({"role": "agency_admin", "agency_id": b}),
    ] {
        client
            .patch(&uri(mine), Some("\"v1\""), body)
            .await
            .assert_problem(403, "forbidden");
    }
    client
        .patch(&uri(root2), Some("\"v1\""), json!({"disabled": true}))
        .await
        .assert_problem(403, "forbidden");
    client
        .post(
            &format!("{}/password", uri(root2)),
            json!({"new_password": "another-password"}),
        )
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.audit_count().await, before);
    let promoted = client
        .patch(&uri(mine), Some("\"v1\""), json!({"role": "agency_admin"}))
        .await;
    assert_eq!(promoted.status, 200, "{:#}", promoted.body);
    assert_eq!(promoted.body["agency_id"], a);
    let member = bearer(&app, theirs).await;
    member
        .patch(&uri(theirs), Some("\"v1\""), json!({"display_name": "me"}))
        .await
        .assert_problem(403, "forbidden");
    member
        .patch(&uri(mine), Some("\"v2\""), json!({"display_name": "me"}))
        .await
        .assert_problem(404, "account_not_found");
}

async fn the_last_system_admin_stays(app: TestApp) {
    let before = app.audit_count().await;
    for body in [json!({"role": "member"}), json!({"disabled": true})] {
        app.patch("/api/v1/accounts/1", Some("\"v1\""), body)
            .await
            .assert_problem(409, "last_system_admin");
    }
    assert_eq!(app.audit_count().await, before);
    let second = account(&app, "root2", "system_admin", None).await;
    let r = app
        .patch(
            "/api/v1/accounts/1",
            Some("\"v1\""),
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    // Account 1 is a member now; the second admin is the last one.
    let root2 = bearer(&app, second).await;
    root2
        .patch(
            &format!("/api/v1/accounts/{second}"),
            Some("\"v1\""),
            json!({"disabled": true}),
        )
        .await
        .assert_problem(409, "last_system_admin");
    let disabled = root2
        .patch(
            "/api/v1/accounts/1",
            Some("\"v2\""),
            json!({"role": "system_admin", "disabled": true}),
        )
        .await;
    assert_eq!(disabled.status, 200, "{:#}", disabled.body);
    root2
        .patch(
            &format!("/api/v1/accounts/{second}"),
            Some("\"v1\""),
            json!({"role": "member"}),
        )
        .await
        .assert_problem(409, "last_system_admin");
}

async fn passwords_reset_and_change(app: TestApp) {
    let a = agency(&app, "mois").await;
    let id = account(&app, "choi", "member", Some(a)).await;
    let old_cookie = session(&app, "choi", PASSWORD).await;
    let reset = format!("/api/v1/accounts/{id}/password");
    app.post(&reset, json!({"new_password": "short"}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(&reset, json!({"password": "reset-password-1"}))
        .await
        .assert_problem(422, "invalid_body");
    let r = app
        .post(&reset, json!({"new_password": "reset-password-1"}))
        .await;
    assert_eq!(r.status, 204, "{:#}", r.body);
    with_cookie(
        &app,
        Method::GET,
        "/api/v1/auth/me",
        &old_cookie,
        Value::Null,
    )
    .await
    .assert_problem(401, "unauthenticated");
    login(&app, "choi", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    let cookie = session(&app, "choi", "reset-password-1").await;
    let other = session(&app, "choi", "reset-password-1").await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    // Only from a session, with the right current password.
    bearer(&app, id)
        .await
        .post(
            "/api/v1/me/password",
            change("reset-password-1", "own-password-1"),
        )
        .await
        .assert_problem(403, "session_required");
    with_cookie(
        &app,
        Method::POST,
        "/api/v1/me/password",
        &cookie,
        change("wrong-password", "own-password-1"),
    )
    .await
    .assert_problem(403, "wrong_password");
    with_cookie(
        &app,
        Method::POST,
        "/api/v1/me/password",
        &cookie,
        change("reset-password-1", "short"),
    )
    .await
    .assert_problem(422, "validation_failed");
    let ok = with_cookie(
        &app,
        Method::POST,
        "/api/v1/me/password",
        &cookie,
        change("reset-password-1", "own-password-1"),
    )
    .await;
    assert_eq!(ok.status, 204, "{:#}", ok.body);
    assert_eq!(
        with_cookie(&app, Method::GET, "/api/v1/auth/me", &cookie, Value::Null)
            .await
            .status,
        200,
        "the session that changed the password stays"
    );
    with_cookie(&app, Method::GET, "/api/v1/auth/me", &other, Value::Null)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(login(&app, "choi", "own-password-1").await.status, 200);
    let log = app.audit_log().await;
    let actions: Vec<_> = log
        .iter()
        .filter(|e| e.entity_id == id)
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    let mine = format!("account:{id}");
    assert!(
        actions.contains(&("password_reset", "account:1")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("password_change", mine.as_str())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("login_failed", "anonymous")),
        "{actions:?}"
    );
    // The admin's own password still works; nothing else changed it.
    assert_eq!(login(&app, ADMIN_LOGIN, ADMIN_PASSWORD).await.status, 200);
}

both_backends!(
    lists_page_filter_and_stay_in_reach,
    patch_changes_name_role_agency_and_employee,
    disabling_revokes_sessions_and_tokens,
    agency_admins_stay_inside_their_agency,
    the_last_system_admin_stays,
    passwords_reset_and_change,
);
