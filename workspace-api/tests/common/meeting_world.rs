//! People, agencies, projects, rooms and meetings for the meeting and guest-link tests, and
//! a fake room-token issuer whose tokens say what they were issued for.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use serde_json::{Value, json};
use workspace_api::auth::{AccountId, Principal, Scope};
use workspace_api::store::Presented;
use workspace_api::{RoomTokenError, RoomTokenIssuer};

use super::{Resp, TestApp};

pub const HOUR: i64 = 3600 * 1000;

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A whole hour ten days from now.
pub fn base() -> i64 {
    (now() / HOUR + 240) * HOUR
}

/// Signs "tokens" that say what they were issued for, so tests can read them back.
#[derive(Debug)]
pub struct FakeIssuer;

impl RoomTokenIssuer for FakeIssuer {
    fn issue(
        &self,
        room: &str,
        identity: &str,
        name: &str,
        ttl: Duration,
    ) -> Result<String, RoomTokenError> {
        Ok(format!("{room}|{identity}|{name}|{}", ttl.as_secs()))
    }
}

/// The same app with room tokens turned on.
pub fn with_tokens(app: &TestApp) -> TestApp {
    let mut config = workspace_api::ApiConfig::in_memory();
    config.room_tokens = Some(Arc::new(FakeIssuer));
    app.wrapped(|_| workspace_api::router_with(app.store.clone(), &config))
}

pub struct Person {
    pub id: i64,
    pub app: TestApp,
    pub token: String,
}

impl Person {
    pub async fn principal(&self) -> Principal {
        let p = Presented::BearerToken(&self.token);
        self.app.store.authenticate(p).await.unwrap()
    }

    /// Kinds of the events this person may see, oldest first.
    pub async fn events(&self) -> Vec<String> {
        let me = self.principal().await;
        let events = self.app.store.events_for(&me, 0, 100).await.unwrap();
        events.into_iter().map(|e| e.kind).collect()
    }
}

pub async fn agency(app: &TestApp, code: &str) -> i64 {
    app.create("/api/v1/agencies", json!({"code": code, "name_ko": code}))
        .await["id"]
        .as_i64()
        .unwrap()
}

pub async fn person(app: &TestApp, login: &str, agency: Option<i64>) -> Person {
    let body = json!({"login": login, "password": "member-password-1", "role": "member",
                      "agency_id": agency, "display_name": format!("{login} 님")});
    let id = app.create("/api/v1/accounts", body).await["id"]
        .as_i64()
        .unwrap();
    let token = super::issue_token(&app.store, AccountId(id), &Scope::ALL, i64::MAX / 2).await;
    Person {
        id,
        app: app.as_bearer(&token),
        token,
    }
}

/// A project made directly in the database (the projects API is another engineer's).
pub async fn project(app: &TestApp, id: i64, agency: i64, public: bool, members: &[i64]) {
    let mut sql = format!(
        "INSERT INTO projects (id, name_ko, lead_agency_id, public, created_ms) \
         VALUES ({id}, '합동 프로젝트', {agency}, {}, 0);",
        i64::from(public)
    );
    for m in members {
        sql.push_str(&format!(
            "INSERT INTO project_members (project_id, account_id, role, added_ms) \
             VALUES ({id}, {m}, 'member', 0);"
        ));
    }
    app.raw(&sql).await;
}

pub async fn room(app: &TestApp, agency: i64, name: &str) -> i64 {
    let body =
        json!({"agency_id": agency, "site": "정부세종청사 6동", "name": name, "capacity": 10});
    app.create("/api/v1/rooms", body).await["id"]
        .as_i64()
        .unwrap()
}

pub fn meeting(title: &str, start: i64, attendees: &[i64]) -> Value {
    json!({"title": title, "start_ms": start, "end_ms": start + HOUR, "attendees": attendees})
}

pub async fn delete(app: &TestApp, uri: &str, etag: Option<&str>) -> Resp {
    let h: Vec<(&str, &str)> = etag.map(|e| vec![("if-match", e)]).unwrap_or_default();
    app.send(Method::DELETE, uri, &h, None).await
}

pub fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}
