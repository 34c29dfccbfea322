//! OpenID Connect sign-in against the in-process test provider (`oidc_idp`), on both
//! backends: the whole round trip (start → authorize → callback → the cookie works), first
//! sign-in by auto-provisioning and by verified e-mail, and every refusal — unknown provider,
//! bad or reused state, a callback in another browser, a replayed code, wrong nonce, wrong
//! audience, expired token, bad signature, the provider's own refusal, a disabled account,
//! the provider down — each a typed problem that creates nothing and (from the callback on)
//! leaves a `login_failed` audit row with its reason. A refusal reached by a browser page
//! load is a redirect to the sign-in screen with the problem's code instead.

mod common;
mod oidc_idp;

use axum::http::{Method, header};
use common::{Resp, TestApp};
use oidc_idp::{CLIENT_ID, CLIENT_SECRET, TestIdp};
use serde_json::json;
use workspace_api::auth::oidc::{ClientSecret, OidcProvider};

const HUB: &str = "http://localhost:9";

fn provider(idp: &TestIdp) -> OidcProvider {
    OidcProvider {
        id: "test".into(),
        name_ko: "테스트 인증".into(),
        name_en: "Test sign-in".into(),
        issuer: idp.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: ClientSecret(CLIENT_SECRET.into()),
        redirect_base: HUB.into(),
        agency: Some("mois".into()),
        scopes: vec!["email".into(), "profile".into()],
        link_by_email: false,
        auto_provision: true,
    }
}

async fn setup(
    app: &TestApp,
    idp: &TestIdp,
    edit: impl FnOnce(&mut OidcProvider),
) -> (TestApp, i64) {
    let agency = app
        .create(
            "/api/v1/agencies",
            json!({"code": "mois", "name_ko": "행정안전부"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let mut p = provider(idp);
    edit(&mut p);
    (app.with_oidc(vec![p]).anonymous(), agency)
}

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

fn location(r: &Resp) -> String {
    r.headers[header::LOCATION].to_str().unwrap().to_owned()
}

/// A started flow: the flow cookie and the provider's answer (the callback path).
struct Started {
    cookie: String,
    callback: String,
}

async fn start(app: &TestApp) -> Started {
    let r = app.get("/api/v1/auth/oidc/test/start").await;
    assert_eq!(r.status, 302, "{:#}", r.body);
    let cookie = set_cookie(&r, "govhub_oidc").expect("flow cookie");
    let to = location(&r);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = http.get(&to).send().await.unwrap();
    assert_eq!(back.status(), 302, "{:?}", back.text().await);
    let back = back.headers()["location"].to_str().unwrap().to_owned();
    let callback = back.strip_prefix(HUB).expect("back to the hub").to_owned();
    Started { cookie, callback }
}

async fn callback(app: &TestApp, path: &str, cookie: &str) -> Resp {
    app.send(Method::GET, path, &[("cookie", cookie)], None)
        .await
}

/// The whole flow; answers the callback's response.
async fn sign_in(app: &TestApp) -> Resp {
    let s = start(app).await;
    callback(app, &s.callback, &s.cookie).await
}

async fn me(app: &TestApp, signed_in: &Resp) -> serde_json::Value {
    assert_eq!(signed_in.status, 302, "{:#}", signed_in.body);
    assert_eq!(location(signed_in), "/app/");
    let cookie = set_cookie(signed_in, "govhub_session").expect("session cookie");
    let r = app
        .send(Method::GET, "/api/v1/auth/me", &[("cookie", &cookie)], None)
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    r.body["account"].clone()
}

/// The reasons of the `login_failed` rows since the setup.
async fn failures(app: &TestApp) -> Vec<String> {
    app.audit_log()
        .await
        .into_iter()
        .filter(|e| e.action == "login_failed")
        .map(|e| e.detail["reason"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn round_trip_provisions_once(app: TestApp) {
    let idp = TestIdp::start().await;
    let (app, agency) = setup(&app, &idp, |_| {}).await;
    let list = app.get("/api/v1/auth/providers").await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.body["items"][0],
        json!({"id": "test", "name_ko": "테스트 인증", "name_en": "Test sign-in",
            "start_url": "/api/v1/auth/oidc/test/start"})
    );
    let r = app.get("/api/v1/auth/oidc/test/start").await;
    let to = url::Url::parse(&location(&r)).unwrap();
    let q: std::collections::HashMap<_, _> = to.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["scope"], "openid email profile");
    assert_eq!(
        q["redirect_uri"],
        format!("{HUB}/api/v1/auth/oidc/test/callback")
    );
    assert!(q["state"].len() >= 43 && q["nonce"].len() >= 43);
    let flow_cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(flow_cookie.contains("HttpOnly") && flow_cookie.contains("Max-Age=600"));
    let accounts = app.store.account_count().await.unwrap();
    let first = me(&app, &sign_in(&app).await).await;
    assert_eq!(first["login"], "kim@mois.go.kr");
    assert_eq!(first["display_name"], "김민수");
    assert_eq!(first["role"], "member");
    assert_eq!(first["agency_id"], agency);
    let again = me(&app, &sign_in(&app).await).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.store.account_count().await.unwrap(), accounts + 1);
    let log = app.audit_log().await;
    let seen: Vec<_> = log
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    let who = format!("account:{}", first["id"]);
    assert_eq!(
        seen[seen.len() - 4..],
        [
            ("create", "oidc:test"),
            ("oidc_link", "oidc:test"),
            ("login", who.as_str()),
            ("login", who.as_str())
        ]
    );
    assert_eq!(log.last().unwrap().detail["provider"], "test");
    // A provisioned account has no password to sign in with.
    let pw = app
        .post(
            "/api/v1/auth/login",
            json!({"login": "kim@mois.go.kr", "password": "!oidc"}),
        )
        .await;
    pw.assert_problem(401, "invalid_credentials");
}

async fn first_sign_in_links_by_verified_email(app: TestApp) {
    let idp = TestIdp::start().await;
    let (client, agency) = setup(&app, &idp, |p| {
        p.link_by_email = true;
        p.auto_provision = false;
    })
    .await;
    let emp = app
        .create(
            "/api/v1/employees",
            json!({"agency_id": agency, "name_ko": "박지성", "email": "park@mois.go.kr"}),
        )
        .await["id"]
        .clone();
    let body = json!({"login": "park", "password": "park-password-1", "role": "member",
        "agency_id": agency, "employee_id": emp});
    let park = app.create("/api/v1/accounts", body).await;
    idp.set(|k| k.email = Some("Park@MOIS.go.kr".into()));
    let linked = me(&client, &sign_in(&client).await).await;
    assert_eq!(linked["id"], park["id"]);
    let link = app
        .audit_log()
        .await
        .into_iter()
        .find(|e| e.action == "oidc_link")
        .unwrap();
    assert_eq!(link.detail["via"], "email");
    // Unverified, or an address of no account: refused, nothing created.
    let accounts = app.store.account_count().await.unwrap();
    idp.set(|k| {
        k.sub = "user-2".into();
        k.email_verified = false;
    });
    sign_in(&client)
        .await
        .assert_problem(403, "oidc_no_account");
    idp.set(|k| {
        k.email_verified = true;
        k.email = Some("nobody@mois.go.kr".into());
    });
    sign_in(&client)
        .await
        .assert_problem(403, "oidc_no_account");
    // System admins are never reached by e-mail.
    idp.set(|k| k.email = Some("admin".into()));
    sign_in(&client)
        .await
        .assert_problem(403, "oidc_no_account");
    assert_eq!(app.store.account_count().await.unwrap(), accounts);
    assert_eq!(failures(&app).await, ["no_account"; 3]);
    // A disabled account stays out, and the refusal names it.
    let uri = format!("/api/v1/accounts/{}", park["id"]);
    let r = app
        .patch(&uri, Some("\"v1\""), json!({"disabled": true}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    idp.set(|k| k.sub = "user-1".into());
    sign_in(&client)
        .await
        .assert_problem(403, "account_disabled");
    let last = app.audit_log().await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.entity_id),
        ("login_failed", park["id"].as_i64().unwrap())
    );
}

async fn bad_state_and_replays_are_refused(app: TestApp) {
    let idp = TestIdp::start().await;
    let (app, _) = setup(&app, &idp, |_| {}).await;
    app.get("/api/v1/auth/oidc/nope/start")
        .await
        .assert_problem(404, "oidc_provider_not_found");
    app.get("/api/v1/auth/oidc/nope/callback?state=x&code=y")
        .await
        .assert_problem(404, "oidc_provider_not_found");
    let cb = "/api/v1/auth/oidc/test/callback";
    for query in [
        "",
        "?code=abc",
        "?state=forged&code=abc",
        &format!("?state={}", "x".repeat(5000)),
    ] {
        callback(&app, &format!("{cb}{query}"), "govhub_oidc=x")
            .await
            .assert_problem(400, "oidc_state_invalid");
    }
    // A callback carried to another browser (no or another flow cookie) is refused and
    // spends the state.
    let s = start(&app).await;
    callback(&app, &s.callback, "govhub_oidc=someone-else")
        .await
        .assert_problem(400, "oidc_state_invalid");
    callback(&app, &s.callback, &s.cookie)
        .await
        .assert_problem(400, "oidc_state_invalid");
    // A completed callback cannot be replayed, and its code not reused with a new state.
    let done = start(&app).await;
    me(&app, &callback(&app, &done.callback, &done.cookie).await).await;
    callback(&app, &done.callback, &done.cookie)
        .await
        .assert_problem(400, "oidc_state_invalid");
    let fresh = start(&app).await;
    let old_code = done
        .callback
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let new_code = fresh
        .callback
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let replayed = fresh.callback.replace(new_code, old_code);
    callback(&app, &replayed, &fresh.cookie)
        .await
        .assert_problem(401, "oidc_code_rejected");
    // The provider's own refusal.
    let denied = start(&app).await;
    let state = denied
        .callback
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let path = format!("{cb}?error=access_denied&state={state}");
    let r = callback(&app, &path, &denied.cookie).await;
    r.assert_problem(401, "oidc_denied");
    assert!(
        r.body["message"]["en"]
            .as_str()
            .unwrap()
            .contains("access_denied")
    );
    let reasons = failures(&app).await;
    assert_eq!(
        reasons,
        ["bad_state"; 6]
            .into_iter()
            .chain(["bad_state", "code_rejected", "denied"])
            .collect::<Vec<_>>()
    );
}

/// What a browser sends when it follows the provider's redirect back (a page load).
const PAGE_LOAD: [(&str, &str); 2] = [
    (
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ),
    ("sec-fetch-mode", "navigate"),
];

/// A GET as a browser's page load, with this cookie.
async fn page(app: &TestApp, path: &str, cookie: &str) -> Resp {
    let mut headers = PAGE_LOAD.to_vec();
    headers.push(("cookie", cookie));
    app.send(Method::GET, path, &headers, None).await
}

/// A refused callback reached by a browser page load goes back to the sign-in screen with
/// the problem's code; a client asking for JSON still gets the problem+json. Either way the
/// refusal is audited and nothing is signed in.
async fn a_refused_page_load_goes_back_to_the_sign_in_screen(app: TestApp) {
    let idp = TestIdp::start().await;
    let (app, _) = setup(&app, &idp, |_| {}).await;
    let cb = "/api/v1/auth/oidc/test/callback";
    let r = page(
        &app,
        &format!("{cb}?state=forged&code=abc"),
        "govhub_oidc=x",
    )
    .await;
    assert_eq!(r.status, 302, "{:#}", r.body);
    assert_eq!(location(&r), "/app/signin?error=oidc_state_invalid");
    assert!(set_cookie(&r, "govhub_session").is_none());
    // Only an Accept listing HTML (no Sec-Fetch-Mode, as an older browser) is a page load too.
    let html_only = [("accept", PAGE_LOAD[0].1), ("cookie", "govhub_oidc=x")];
    let r = app
        .send(Method::GET, &format!("{cb}?state=forged"), &html_only, None)
        .await;
    assert_eq!(location(&r), "/app/signin?error=oidc_state_invalid");
    // The provider's own refusal, in a real flow.
    let denied = start(&app).await;
    let state = denied.callback.split("state=").nth(1).unwrap();
    let state = state.split('&').next().unwrap().to_owned();
    let path = format!("{cb}?error=access_denied&state={state}");
    let r = page(&app, &path, &denied.cookie).await;
    assert_eq!(location(&r), "/app/signin?error=oidc_denied");
    // An unknown provider is a refusal of the page load as well.
    let r = page(&app, "/api/v1/auth/oidc/nope/callback?state=x", "a=b").await;
    assert_eq!(location(&r), "/app/signin?error=oidc_provider_not_found");
    // A client asking for JSON gets the problem.
    let json = [("accept", "application/json"), ("cookie", "govhub_oidc=x")];
    app.send(Method::GET, &format!("{cb}?state=forged"), &json, None)
        .await
        .assert_problem(400, "oidc_state_invalid");
    let both = [
        ("accept", "text/html, application/problem+json"),
        ("cookie", "a=b"),
    ];
    app.send(Method::GET, &format!("{cb}?state=forged"), &both, None)
        .await
        .assert_problem(400, "oidc_state_invalid");
    assert_eq!(
        failures(&app).await,
        ["bad_state", "bad_state", "denied", "bad_state", "bad_state"]
    );
}

/// A change to the test provider's answers.
type Bend = fn(&mut oidc_idp::Knobs);

async fn id_token_checks_refuse_and_create_nothing(app: TestApp) {
    let idp = TestIdp::start().await;
    let (app, _) = setup(&app, &idp, |_| {}).await;
    let accounts = app.store.account_count().await.unwrap();
    let cases: [(Bend, &str); 4] = [
        (|k| k.nonce = Some("another-nonce".into()), "wrong_nonce"),
        (
            |k| k.audience = Some("another-client".into()),
            "wrong_audience",
        ),
        (|k| k.exp_in_secs = -3600, "expired"),
        (|k| k.sign_with_stranger = true, "bad_signature"),
    ];
    for (bend, reason) in cases {
        *idp.knobs.lock().unwrap() = Default::default();
        idp.set(bend);
        let r = sign_in(&app).await;
        r.assert_problem(401, "oidc_token_invalid");
        assert!(r.headers.get(header::SET_COOKIE).is_none());
        assert_eq!(
            failures(&app).await.last().map(String::as_str),
            Some(reason)
        );
    }
    assert_eq!(app.store.account_count().await.unwrap(), accounts);
    // Within the minute of allowed clock skew an expired token still passes.
    *idp.knobs.lock().unwrap() = Default::default();
    idp.set(|k| k.exp_in_secs = -30);
    me(&app, &sign_in(&app).await).await;
}

async fn provider_down_is_a_502_that_creates_nothing(app: TestApp) {
    let idp = TestIdp::start().await;
    let (client, _) = setup(&app, &idp, |_| {}).await;
    let accounts = app.store.account_count().await.unwrap();
    // Down after the start (discovery cached): the code exchange fails.
    let s = start(&client).await;
    idp.set(|k| k.down = true);
    callback(&client, &s.callback, &s.cookie)
        .await
        .assert_problem(502, "oidc_provider_unavailable");
    assert_eq!(failures(&app).await, ["provider_unavailable"]);
    // Nothing there at all: the start fails.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let gone = app.with_oidc(vec![OidcProvider {
        issuer: format!("http://127.0.0.1:{port}"),
        ..provider(&idp)
    }]);
    gone.anonymous()
        .get("/api/v1/auth/oidc/test/start")
        .await
        .assert_problem(502, "oidc_provider_unavailable");
    assert_eq!(app.store.account_count().await.unwrap(), accounts);
    let made: Vec<_> = app
        .audit_log()
        .await
        .into_iter()
        .filter(|e| e.entity == "account" && e.action != "login_failed")
        .collect();
    assert!(made.is_empty(), "{made:?}");
}

both_backends!(
    round_trip_provisions_once,
    first_sign_in_links_by_verified_email,
    bad_state_and_replays_are_refused,
    a_refused_page_load_goes_back_to_the_sign_in_screen,
    id_token_checks_refuse_and_create_nothing,
    provider_down_is_a_502_that_creates_nothing,
);
