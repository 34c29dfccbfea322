//! The `/api/v1` routes. `auth.rs` serves sign-in and API tokens, `audit.rs` the audit log,
//! `agencies.rs` agencies and unit trees, `employees.rs` the directory (`employee_account.rs`
//! the account of a person), `positions.rs` the position and grade catalogues,
//! `extra_fields.rs` the extra directory fields, `events.rs` the live-update stream,
//! `memos.rs` e-Memos and their share lists, `announcements.rs` the bulletin board,
//! `projects.rs` and `project_members.rs` joint projects, their members and board columns,
//! `tasks.rs` and `task_comments.rs` tasks, `accounts.rs` account administration and
//! password changes, `oidc.rs` OpenID Connect sign-in, `rooms.rs` conference rooms and their
//! bookings, `meetings.rs` meetings and room tokens, `guest_links.rs` guest links. Each
//! file's `routes()` registers its handlers with their OpenAPI annotations, so the document
//! at `/api/v1/openapi.json` lists exactly the routes that exist. Unknown paths and methods
//! under `/api/v1` answer problem+json too.
//!
//! Every route but `POST /auth/login`, `POST /auth/logout`, `GET /auth/providers`, the
//! `/auth/oidc/…` flow, `POST /guest/join` (a guest link's secret is its credential) and the
//! OpenAPI document needs a signed-in actor: the directory holds phone numbers and is not
//! public.

mod accounts;
mod agencies;
mod announcements;
mod audit;
mod auth;
mod employee_account;
mod employees;
mod events;
mod extra_fields;
mod guest_links;
mod meetings;
mod memos;
mod oidc;
mod positions;
mod project_members;
mod projects;
mod rooms;
mod task_comments;
mod tasks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::middleware;
use axum::routing::get;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::oidc::Oidc;
use crate::error::ApiError;
use crate::room_tokens::RoomTokenIssuer;
use crate::store::Store;
use crate::{idempotency, openapi};

pub use auth::AuthSettings;

/// Shared state of the handlers.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub auth: AuthSettings,
    pub max_body_bytes: usize,
    pub oidc: Arc<Oidc>,
    pub room_tokens: RoomTokens,
}

/// How the meeting routes sign video-room tokens (`issuer: None`: they cannot).
#[derive(Clone, Debug)]
pub struct RoomTokens {
    pub issuer: Option<Arc<dyn RoomTokenIssuer>>,
    pub ttl: Duration,
}

/// Every documented route, unprefixed, and the document describing them.
fn documented() -> (Router<AppState>, OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(openapi::base())
        .merge(auth::routes())
        .merge(audit::routes())
        .merge(accounts::routes())
        .merge(oidc::routes())
        .merge(agencies::routes())
        .merge(employees::routes())
        .merge(employee_account::routes())
        .merge(positions::routes())
        .merge(extra_fields::routes())
        .merge(events::routes())
        .merge(memos::routes())
        .merge(announcements::routes())
        .merge(projects::routes())
        .merge(project_members::routes())
        .merge(tasks::routes())
        .merge(task_comments::routes())
        .merge(rooms::routes())
        .merge(meetings::routes())
        .merge(guest_links::routes())
        .split_for_parts();
    (router, openapi::finish(doc))
}

/// The OpenAPI document of the routes [`api`] serves.
pub fn document() -> OpenApi {
    documented().1
}

/// All workspace routes under `/api/v1`, with request bodies capped at `max_body_bytes`.
pub fn api(
    store: Store,
    max_body_bytes: usize,
    auth: AuthSettings,
    oidc: Arc<Oidc>,
    room_tokens: RoomTokens,
) -> Router {
    let (routes, doc) = documented();
    let state = AppState {
        store,
        auth,
        max_body_bytes,
        oidc,
        room_tokens,
    };
    let json: Arc<str> = doc.to_pretty_json().unwrap_or_default().into();
    let v1 = routes
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json.to_string(),
                    )
                }
            }),
        )
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .with_state(state);
    Router::new().nest(openapi::PREFIX, v1)
}
