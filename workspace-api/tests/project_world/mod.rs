//! A small world for project and task tests: two agencies, four people (a lead and a
//! viewer of agency A, a member and an outsider of agency B), and a private project led by A
//! with B participating, whose lead, member and viewer are set.
#![allow(dead_code)]

use axum::http::Method;
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Credential, Principal, Role, Scope, SessionId};
use workspace_api::model::AgencyId;

use crate::common::{self, Resp, TestApp};

pub struct Person {
    pub id: i64,
    pub agency: Option<i64>,
    pub app: TestApp,
}

impl Person {
    /// The principal this person signs in as, for reading their events.
    pub fn principal(&self) -> Principal {
        Principal {
            account: AccountId(self.id),
            login: format!("p{}", self.id),
            role: Role::Member,
            agency: self.agency.map(AgencyId),
            employee: None,
            credential: Credential::Session(SessionId(1)),
        }
    }

    /// Kinds of the events this person may see.
    pub async fn event_kinds(&self) -> Vec<String> {
        let events = self.app.store.events_for(&self.principal(), 0, 1000).await;
        events.unwrap().into_iter().map(|e| e.kind).collect()
    }
}

pub struct World {
    pub app: TestApp,
    pub a: i64,
    pub b: i64,
    pub lead: Person,
    pub member: Person,
    pub viewer: Person,
    pub outsider: Person,
    pub project: i64,
}

pub async fn agency(app: &TestApp, code: &str) -> i64 {
    app.create("/api/v1/agencies", json!({"code": code, "name_ko": code}))
        .await["id"]
        .as_i64()
        .unwrap()
}

/// A `member` account of `agency` with an all-scope token.
pub async fn person(app: &TestApp, login: &str, agency: Option<i64>) -> Person {
    let body = json!({"login": login, "password": "member-password-1", "role": "member",
                      "agency_id": agency});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = common::issue_token(&app.store, AccountId(id), &Scope::ALL, i64::MAX / 2).await;
    Person {
        id,
        agency,
        app: app.as_bearer(&token),
    }
}

pub async fn add_member(app: &TestApp, project: i64, account: i64, role: &str) -> Resp {
    app.post(
        &format!("/api/v1/projects/{project}/members"),
        json!({"account_id": account, "role": role}),
    )
    .await
}

pub async fn world(app: TestApp) -> World {
    let a = agency(&app, "mois").await;
    let b = agency(&app, "me").await;
    let lead = person(&app, "lead@mois", Some(a)).await;
    let member = person(&app, "member@me", Some(b)).await;
    let viewer = person(&app, "viewer@mois", Some(a)).await;
    let outsider = person(&app, "outsider@me", Some(b)).await;
    let project = lead
        .app
        .create(
            "/api/v1/projects",
            json!({"name_ko": "탄소중립 공동 과제", "agency_ids": [b]}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    for (p, role) in [(&member, "member"), (&viewer, "viewer")] {
        let r = add_member(&lead.app, project, p.id, role).await;
        assert_eq!(r.status, 201, "{:#}", r.body);
    }
    World {
        app,
        a,
        b,
        lead,
        member,
        viewer,
        outsider,
        project,
    }
}

/// Sends a JSON body with a method and optional If-Match.
pub async fn send(
    app: &TestApp,
    method: Method,
    uri: &str,
    etag: Option<&str>,
    body: Option<Value>,
) -> Resp {
    let mut h = vec![("content-type", "application/json")];
    if let Some(e) = etag {
        h.push(("if-match", e));
    }
    app.send(method, uri, &h, body.map(|b| b.to_string().into_bytes()))
        .await
}

/// Ids of the items of a page or list answer.
pub fn ids(body: &Value) -> Vec<i64> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

pub async fn task(app: &TestApp, project: i64, body: Value) -> Value {
    app.create(&format!("/api/v1/projects/{project}/tasks"), body)
        .await
}

/// Task ids of one column of the board, in order.
pub async fn column(w: &World, key: &str) -> Vec<i64> {
    let r = w
        .lead
        .app
        .get(&format!(
            "/api/v1/projects/{}/tasks?column={key}",
            w.project
        ))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    ids(&r.body)
}

pub async fn mv(app: &TestApp, id: i64, body: Value) -> Resp {
    let tag = app.get(&format!("/api/v1/tasks/{id}")).await.etag();
    send(
        app,
        Method::POST,
        &format!("/api/v1/tasks/{id}/move"),
        Some(&tag),
        Some(body),
    )
    .await
}
