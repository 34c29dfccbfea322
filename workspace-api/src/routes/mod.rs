//! The `/api/v1` routes. `auth.rs` serves sign-in, API tokens, accounts and the audit log,
//! `agencies.rs` agencies and unit trees, `employees.rs` the directory, `rooms.rs` conference
//! rooms and their bookings, `meetings.rs` meetings, room tokens and guest links. Each file's
//! `routes()` registers its handlers with their OpenAPI annotations, so the document at
//! `/api/v1/openapi.json` lists exactly the routes that exist. Unknown paths and methods under
//! `/api/v1` answer problem+json too.
//!
//! Every route but `POST /auth/login`, `POST /auth/logout`, `POST /guest/join` (a guest
//! link's secret is its credential) and the OpenAPI document needs a signed-in actor: the
//! directory holds phone numbers and is not public.

mod agencies;
mod auth;
mod employees;
mod meetings;
mod rooms;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::routing::get;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::openapi;
use crate::room_tokens::RoomTokenIssuer;
use crate::store::Store;

pub use auth::AuthSettings;

/// Shared state of the handlers.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub auth: AuthSettings,
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
        .merge(agencies::routes())
        .merge(employees::routes())
        .merge(rooms::routes())
        .merge(meetings::routes())
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
    room_tokens: RoomTokens,
) -> Router {
    let (routes, doc) = documented();
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
        .with_state(AppState {
            store,
            auth,
            room_tokens,
        });
    Router::new().nest(openapi::PREFIX, v1)
}
