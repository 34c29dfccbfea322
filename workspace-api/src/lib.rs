//! `workspace_api`: the collaboration half of the hub under `/api/v1` (issue 3).
//!
//! Role: agencies and their unit trees, the employee directory with Korean search, and the
//! conventions every later resource follows (problem+json errors, cursor pages, ETag /
//! If-Match, audit log in the same transaction). Data lives in embedded SQLite by default
//! or in PostgreSQL; both run the same queries and the same tests.
//!
//! Layout:
//! - [`store`]: the sqlx pool, per-backend migrations, queries, audit log.
//! - `routes`: axum handlers, one file per resource family.
//! - [`error`]: `ApiError` → RFC 9457 problem+json. [`extract`]: body/query/path extractors
//!   that reject with it, ETag/If-Match, and [`extract::Actor`], the authentication seam (no
//!   authentication yet; every caller is `System`). [`paging`], [`validate`]: cursors and
//!   input checks.
//! - [`hangul`]: normalisation, 초성 and the n-grams of the search index.
//!
//! Wiring: the `govhub` binary calls [`build`] and merges the returned router.

pub mod error;
pub mod extract;
pub mod hangul;
pub mod model;
pub mod paging;
mod routes;
pub mod store;
pub mod validate;

use std::path::Path;

use axum::Router;

pub use error::ApiError;
pub use store::{Backend, DatabaseConfig, Store, StoreError};

/// Request bodies above this size get 413 `payload_too_large`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// How the workspace API runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    pub database: DatabaseConfig,
    /// Pool size (SQLite in-memory always uses one connection).
    pub max_connections: u32,
    pub max_body_bytes: usize,
}

impl ApiConfig {
    /// Embedded SQLite in `<data_dir>/workspace.sqlite3`, the default deployment.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        Self::with_database(DatabaseConfig::SqliteFile(
            data_dir.join("workspace.sqlite3"),
        ))
    }

    /// PostgreSQL at `url` (`postgres://user@host/db`).
    pub fn postgres(url: impl Into<String>) -> Self {
        Self::with_database(DatabaseConfig::Postgres(url.into()))
    }

    /// A private in-memory SQLite database, gone when the router is dropped.
    pub fn in_memory() -> Self {
        Self::with_database(DatabaseConfig::SqliteMemory)
    }

    pub fn with_database(database: DatabaseConfig) -> Self {
        Self {
            database,
            max_connections: 8,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Connects to the database, applies migrations and returns the `/api/v1` router.
pub async fn build(config: ApiConfig) -> Result<Router, StoreError> {
    let store = connect(&config).await?;
    Ok(router_with(store, &config))
}

/// Connects and migrates; with [`router_with`] when the caller also wants the [`Store`].
pub async fn connect(config: &ApiConfig) -> Result<Store, StoreError> {
    if let DatabaseConfig::SqliteFile(path) = &config.database
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
    }
    Store::connect(&config.database, config.max_connections).await
}

/// The `/api/v1` router over an existing store.
pub fn router_with(store: Store, config: &ApiConfig) -> Router {
    routes::api(store, config.max_body_bytes)
}
