//! People, agencies, projects and memo helpers for the memo tests.

use axum::http::Method;
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Principal, Scope};
use workspace_api::store::Presented;

use super::{Resp, TestApp};

/// A signed-in person: their account id, an app sending their token, their principal.
pub struct Person {
    pub id: i64,
    pub app: TestApp,
    pub who: Principal,
}

pub async fn agency(app: &TestApp, code: &str) -> i64 {
    let body = json!({"code": code, "name_ko": format!("{code} 기관")});
    app.create("/api/v1/agencies", body).await["id"]
        .as_i64()
        .unwrap()
}

pub async fn person(
    app: &TestApp,
    login: &str,
    agency: Option<i64>,
    employee: Option<i64>,
) -> Person {
    person_as(app, login, "member", agency, employee, &Scope::ALL).await
}

pub async fn person_as(
    app: &TestApp,
    login: &str,
    role: &str,
    agency: Option<i64>,
    employee: Option<i64>,
    scopes: &[Scope],
) -> Person {
    let body = json!({"login": login, "password": "member-password-1", "role": role,
        "agency_id": agency, "employee_id": employee});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = super::issue_token(&app.store, AccountId(id), scopes, i64::MAX / 2).await;
    let who = app
        .store
        .authenticate(Presented::BearerToken(&token))
        .await
        .unwrap();
    Person {
        id,
        app: app.as_bearer(&token),
        who,
    }
}

/// A project made with raw SQL (projects have their own engineer), with members.
pub async fn project(
    app: &TestApp,
    id: i64,
    lead_agency: i64,
    public: bool,
    members: &[(i64, &str)],
) {
    app.raw(&format!(
        "INSERT INTO projects (id, name_ko, lead_agency_id, public, created_ms) \
         VALUES ({id}, '공동과제 {id}', {lead_agency}, {}, 1)",
        i64::from(public)
    ))
    .await;
    for (account, role) in members {
        app.raw(&format!(
            "INSERT INTO project_members (project_id, account_id, role, added_ms) \
             VALUES ({id}, {account}, '{role}', 1)"
        ))
        .await;
    }
}

pub async fn new_memo(p: &Person, title: &str, body: &str) -> Value {
    let r = p
        .app
        .post("/api/v1/memos", json!({"title": title, "body": body}))
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    r.body
}

pub async fn put_shares(p: &Person, memo: i64, etag: Option<&str>, shares: Value) -> Resp {
    let mut h = vec![("content-type", "application/json")];
    if let Some(e) = etag {
        h.push(("if-match", e));
    }
    let body = json!({"shares": shares}).to_string().into_bytes();
    p.app
        .send(
            Method::PUT,
            &format!("/api/v1/memos/{memo}/shares"),
            &h,
            Some(body),
        )
        .await
}

pub async fn etag_of(p: &Person, memo: i64) -> String {
    p.app.get(&format!("/api/v1/memos/{memo}")).await.etag()
}

pub async fn delete(p: &Person, uri: &str, etag: &str) -> Resp {
    p.app
        .send(Method::DELETE, uri, &[("if-match", etag)], None)
        .await
}

pub fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

pub async fn event_kinds(app: &TestApp, who: &Principal) -> Vec<(String, i64)> {
    let events = app.store.events_for(who, 0, 1000).await.unwrap();
    events.into_iter().map(|e| (e.kind, e.entity_id)).collect()
}
