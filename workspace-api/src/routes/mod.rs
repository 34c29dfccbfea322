//! The `/api/v1` routes. `agencies.rs` serves agencies and unit trees, `employees.rs` the
//! directory. Unknown paths and methods under `/api/v1` answer problem+json too.

mod agencies;
mod employees;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

use crate::error::ApiError;
use crate::store::Store;

/// Shared state of the handlers.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
}

/// All workspace routes under `/api/v1`, with request bodies capped at `max_body_bytes`.
pub fn api(store: Store, max_body_bytes: usize) -> Router {
    let v1 = Router::new()
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
        .with_state(AppState { store });
    Router::new().nest("/api/v1", v1)
}
