//! `workspace_api`: the collaboration half of the hub under `/api/v1` (issue 3).
//!
//! Role: local accounts, sign-in (session cookies, personal API tokens) and the rules of who
//! may write what; agencies and their unit trees, the employee directory with Korean search;
//! e-Memos shared with people, units, agencies and projects; the bulletin board;
//! and the conventions every later resource follows (problem+json errors, cursor pages,
//! ETag / If-Match, audit log in the same transaction). Data lives in embedded SQLite by default
//! or in PostgreSQL; both run the same queries and the same tests.
//!
//! Layout:
//! - [`store`]: the sqlx pool, per-backend migrations, queries, audit log.
//! - `routes`: axum handlers, one file per resource family.
//! - [`auth`]: roles, scopes, credentials, password hashing and the authorisation rules.
//! - [`error`]: `ApiError` → RFC 9457 problem+json. [`extract`]: body/query/path extractors
//!   that reject with it, ETag/If-Match, and [`extract::Actor`], which signs each request in
//!   from its bearer token or session cookie. [`paging`], [`validate`]: cursors and input
//!   checks.
//! - [`idempotency`]: the `Idempotency-Key` layer on POST requests.
//! - [`hangul`]: normalisation, 초성 and the n-grams of the search index.
//! - [`seed`]: the demo hub and the synthetic benchmark directory (`govhub seed`).
//! - [`richtext`]: the HTML subset of memo and announcement bodies (sanitised on write).
//! - [`room_tokens`]: the [`RoomTokenIssuer`] the hub plugs in to sign video-room tokens.
//! - [`openapi`]: the OpenAPI 3.1 document generated from the handlers, served at
//!   `/api/v1/openapi.json` and checked into `docs/openapi.json`.
//!
//! Wiring: the `govhub` binary calls [`connect`], creates the first administrator with
//! [`bootstrap_admin`] when [`Store::account_count`] is 0, and merges [`router_with`]'s
//! router ([`build`] does connect + router in one step).

pub mod auth;
pub mod error;
pub mod extract;
pub mod hangul;
pub mod idempotency;
mod json_numbers;
pub mod model;
pub mod openapi;
pub mod paging;
pub mod richtext;
pub mod room_tokens;
mod routes;
pub mod seed;
pub mod store;
pub mod validate;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

pub use auth::PasswordStrength;
pub use error::ApiError;
pub use room_tokens::{RoomTokenError, RoomTokenIssuer};
pub use routes::document as openapi_document;
pub use store::{Backend, DatabaseConfig, Store, StoreError, bootstrap_admin};

/// Request bodies above this size get 413 `payload_too_large`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// How long a browser session lasts after sign-in.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Lifetime of the room tokens the meeting routes issue: long enough to open the meeting page
/// and join, short enough that a leaked link soon stops working.
pub const DEFAULT_ROOM_TOKEN_TTL: Duration = Duration::from_secs(10 * 60);

/// How the workspace API runs.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub database: DatabaseConfig,
    /// Pool size (SQLite in-memory always uses one connection).
    pub max_connections: u32,
    pub max_body_bytes: usize,
    /// Lifetime of a session from sign-in (absolute, not sliding).
    pub session_ttl: Duration,
    /// Marks the session cookie `Secure`; set it whenever the hub is served over HTTPS.
    pub secure_cookies: bool,
    /// Cost of new password hashes; `Standard` outside tests.
    pub password_strength: PasswordStrength,
    /// OpenID Connect identity providers offered at sign-in (none: passwords only). Check
    /// them with [`auth::oidc::check_providers`] before starting; invalid ones are left out.
    pub oidc: Vec<auth::oidc::OidcProvider>,
    /// Signs the room tokens of meetings and guest links; without it those routes answer
    /// 503 `room_tokens_unavailable`.
    pub room_tokens: Option<Arc<dyn RoomTokenIssuer>>,
    pub room_token_ttl: Duration,
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
            session_ttl: DEFAULT_SESSION_TTL,
            secure_cookies: false,
            password_strength: PasswordStrength::Standard,
            oidc: Vec::new(),
            room_tokens: None,
            room_token_ttl: DEFAULT_ROOM_TOKEN_TTL,
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
    Ok(Store::connect(&config.database, config.max_connections)
        .await?
        .with_password_strength(config.password_strength))
}

/// The `/api/v1` router over an existing store.
pub fn router_with(store: Store, config: &ApiConfig) -> Router {
    let auth = routes::AuthSettings {
        session_ttl_ms: i64::try_from(config.session_ttl.as_millis()).unwrap_or(i64::MAX),
        secure_cookies: config.secure_cookies,
    };
    let oidc = std::sync::Arc::new(auth::oidc::Oidc::new(&config.oidc));
    let tokens = routes::RoomTokens {
        issuer: config.room_tokens.clone(),
        ttl: config.room_token_ttl,
    };
    routes::api(store, config.max_body_bytes, auth, oidc, tokens)
}
