//! The `/api/v1` routes. `auth.rs` serves sign-in, API tokens, accounts and the audit log,
//! `agencies.rs` agencies and unit trees, `employees.rs` the directory. Unknown paths and
//! methods under `/api/v1` answer problem+json too.
//!
//! Every route but `POST /auth/login` and `POST /auth/logout` needs a signed-in actor: the
//! directory holds phone numbers and is not public.

mod agencies;
mod auth;
mod employees;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};

use crate::error::ApiError;
use crate::store::Store;

pub use auth::AuthSettings;

/// Shared state of the handlers.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub auth: AuthSettings,
}

/// All workspace routes under `/api/v1`, with request bodies capped at `max_body_bytes`.
pub fn api(store: Store, max_body_bytes: usize, auth: AuthSettings) -> Router {
    let v1 = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route(
            "/me/tokens",
            get(auth::list_tokens).post(auth::create_token),
        )
        .route("/me/tokens/{id}", delete(auth::revoke_token))
        .route("/accounts", post(auth::create_account))
        .route("/audit", get(auth::audit))
        .route("/agencies", get(agencies::list).post(agencies::create))
        .route(
            "/agencies/{id}",
            get(agencies::get_one).patch(agencies::update),
        )
        .route(
            "/agencies/{id}/units",
            get(agencies::list_units).post(agencies::create_unit),
        )
        .route(
            "/units/{id}",
            get(agencies::get_unit).patch(agencies::update_unit),
        )
        .route("/employees", get(employees::list).post(employees::create))
        .route(
            "/employees/{id}",
            get(employees::get_one)
                .patch(employees::update)
                .delete(employees::delete),
        )
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(AppState { store, auth });
    Router::new().nest("/api/v1", v1)
}
