//! The `Store`: one sqlx pool over the embedded SQLite file or PostgreSQL, with the
//! migrations of each backend, write transactions and the append-only audit log.
//!
//! Layout: this file holds connection, migration and transactions; `accounts.rs`
//! (accounts, sign-in, sessions, API tokens), `account_admin.rs` (listing, changing and
//! disabling accounts, passwords), `oidc.rs` (OpenID Connect flows and linked identities),
//! `agencies.rs` (agencies and the unit tree), `employees.rs` (directory entries),
//! `employee_index.rs` (their derived search columns and grams), `positions.rs` (position and
//! grade catalogues), `extra_fields.rs` (admin-defined fields), `search.rs` (directory
//! queries), `memos.rs` + `memo_shares.rs` (e-Memos and who may read them),
//! `announcements.rs` + `announcement_rights.rs` + `announcement_acks.rs` (the bulletin
//! board), `projects.rs` + `project_agencies.rs` + `project_members.rs` (joint projects),
//! `tasks.rs` + `task_board.rs` + `task_comments.rs` (their tasks), `rooms.rs` (conference
//! rooms and bookings), `meetings.rs` (meetings, attendees), `guest_links.rs` (guest links,
//! room-token audit), `events.rs` (live updates), `audit_log.rs` (writing and reading the
//! audit log) and `idempotency.rs` (Idempotency-Key) add their queries as `impl Store` blocks.
//!
//! Queries go through sqlx's `Any` driver with `$n` placeholders, which both SQLite and
//! PostgreSQL accept, so each query is written once. The few dialect differences (transaction
//! start, collation) are behind [`Backend`] methods. SQL text marked `AssertSqlSafe` is built
//! only from constants and `$n` placeholders; every value is bound, never formatted in.

mod account_admin;
mod accounts;
mod agencies;
mod announcement_acks;
mod announcement_rights;
mod announcements;
mod audit_log;
mod employee_index;
mod employees;
mod events;
mod extra_fields;
mod guest_links;
mod idempotency;
mod meeting_bookings;
mod meeting_rows;
mod meetings;
mod memo_shares;
mod memos;
mod oidc;
mod positions;
mod project_agencies;
mod project_members;
mod projects;
mod rooms;
mod search;
mod task_board;
mod task_comments;
mod tasks;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Transaction};

use crate::auth::{PasswordHasher, PasswordStrength};

pub use account_admin::{AccountFilter, AccountUpdate};
pub(crate) use accounts::role_of;
pub use accounts::{AccountSpec, Presented, bootstrap_admin};
pub use announcements::AnnouncementQuery;
pub use audit_log::{AuditOrder, AuditQuery};
pub(crate) use audit_log::{audit, audit_as};
pub use employees::ImportRow;
pub(crate) use events::emit;
pub use events::{Audience, Event};
pub use idempotency::{KeyState, StoredResponse};
pub use meetings::Standing;
pub use memo_shares::MAX_SHARES;
pub use memos::MemoQuery;
pub use oidc::{OidcFlow, OidcIdentity, OidcOutcome};
pub use positions::Catalogue;
pub use projects::{ProjectAccess, ProjectFilter, project_visible_sql};
pub use rooms::RoomFilter;
pub use search::{SearchHit, SearchQuery};
pub use task_board::BoardColumnTasks;

/// Where the workspace data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// Embedded SQLite file (created if missing).
    SqliteFile(PathBuf),
    /// Private in-memory SQLite, for tests and throwaway runs.
    SqliteMemory,
    /// PostgreSQL connection URL (`postgres://...`).
    Postgres(String),
}

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// SQLite must take its write lock up front: a deferred transaction that reads and then
    /// writes fails with SQLITE_BUSY instead of waiting when another writer got there first.
    fn begin_statement(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// Row lock for the rows a `SELECT` reads, held to the end of the transaction.
    /// SQLite has no row locks; its `BEGIN IMMEDIATE` already holds the database write lock.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Byte-order collation for sort keys, so that cursors compare the same way as the sort
    /// whatever the server's default collation is. SQLite's default is already binary.
    pub(crate) fn collate(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " COLLATE \"C\"",
        }
    }
}

/// The kinds of record the store knows, for errors and the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Agency,
    Unit,
    Employee,
    Account,
    Session,
    ApiToken,
    Project,
    Task,
    Comment,
    Memo,
    Announcement,
    Meeting,
    ConferenceRoom,
    Booking,
    Position,
    Grade,
    ExtraField,
    /// A column of a project's task board.
    Column,
    GuestLink,
}

impl Entity {
    pub fn name(self) -> &'static str {
        match self {
            Entity::Agency => "agency",
            Entity::Unit => "unit",
            Entity::Employee => "employee",
            Entity::Account => "account",
            Entity::Session => "session",
            Entity::ApiToken => "api_token",
            Entity::Project => "project",
            Entity::Task => "task",
            Entity::Comment => "comment",
            Entity::Memo => "memo",
            Entity::Announcement => "announcement",
            Entity::Meeting => "meeting",
            Entity::ConferenceRoom => "conference_room",
            Entity::Booking => "booking",
            Entity::Position => "position",
            Entity::Grade => "grade",
            Entity::ExtraField => "extra_field",
            Entity::Column => "column",
            Entity::GuestLink => "guest_link",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a store operation did not happen. Every variant but `Db`/`Migrate` is the caller's
/// doing and maps to a 4xx problem.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(Entity),
    #[error("the record changed since the given version")]
    Stale,
    #[error("{1} refers to a missing {0}")]
    UnknownReference(Entity, &'static str),
    #[error("moving the unit there would create a cycle")]
    Cycle,
    #[error("the {0} refers to a unit of another agency")]
    CrossAgency(&'static str),
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// The actor may see the record but not make this change (403).
    #[error("forbidden: {en}")]
    Forbidden { ko: &'static str, en: &'static str },
    /// Unknown login or wrong password; deliberately one case.
    #[error("invalid login or password")]
    InvalidCredentials,
    /// Too many failed sign-ins for this login; try again after this many seconds.
    #[error("sign-in locked for {0} s")]
    LoginThrottled(u64),
    #[error("credential rejected: {0:?}")]
    Credential(CredentialProblem),
    /// The change would leave no enabled system administrator.
    #[error("the last system administrator cannot be demoted or disabled")]
    LastSystemAdmin,
    /// The current password given to change one's own password is wrong.
    #[error("wrong current password")]
    WrongPassword,
    /// A value the caller should have validated (library callers such as the bootstrap).
    #[error("invalid {0}")]
    InvalidInput(&'static str),
    /// A value refused for a reason the caller could not check alone (e.g. an extra field
    /// deleted meanwhile), with the field path and the message in both languages.
    #[error("invalid {field}: {en}")]
    InvalidField {
        field: String,
        ko: &'static str,
        en: &'static str,
    },
    /// The record's state refuses the change (409), e.g. removing a project's last lead;
    /// the value is the problem `code`.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A field breaks a rule that needs the stored data (422), e.g. an assignee who is not a
    /// project member; `code` is the problem code.
    #[error("invalid {field}: {code}")]
    Invalid {
        code: &'static str,
        field: &'static str,
    },
    /// A field value only the database can judge (e.g. a merged time range): field, ko, en.
    #[error("invalid {0}: {2}")]
    Field(&'static str, &'static str, &'static str),
    /// The room is already booked for part of the time, by this booking.
    #[error("overlaps booking {0}")]
    BookingOverlap(crate::model::BookingId),
    /// The meeting or booking was cancelled and cannot change any more.
    #[error("{0} cancelled")]
    Cancelled(Entity),
    /// A state conflict with a stable code and its own messages: code, ko, en.
    #[error("conflict: {0}")]
    StateConflict(&'static str, &'static str, &'static str),
    #[error("guest link expired")]
    GuestLinkExpired,
    #[error("guest link revoked")]
    GuestLinkRevoked,
    #[error("password hashing: {0}")]
    Password(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// [`StoreError::Forbidden`] with the messages of a named reason (`project_lead`,
    /// `project_write`, `comment_author`, `lead_agency`).
    pub(crate) fn forbidden(reason: &str) -> StoreError {
        let (ko, en) = crate::error::forbidden_message(reason);
        StoreError::Forbidden { ko, en }
    }
}

/// Why a presented session cookie or bearer token does not sign a request in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialProblem {
    /// Unknown secret, logged-out session, disabled account, malformed header.
    Unknown,
    SessionExpired,
    TokenExpired,
    TokenRevoked,
}

/// Maps a unique-constraint violation to `Duplicate(field)`; other errors pass through.
pub(crate) fn unique_as(field: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| match err.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::Duplicate(field),
        _ => StoreError::Db(err),
    }
}

pub(crate) type Tx = Transaction<'static, Any>;

/// Handle to the workspace database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    passwords: Arc<PasswordHasher>,
    /// Woken by [`Store::commit`]; the SSE streams wait on it.
    events_changed: Arc<tokio::sync::Notify>,
}

impl Store {
    /// Connects and brings the schema up to date with the backend's migrations.
    pub async fn connect(
        config: &DatabaseConfig,
        max_connections: u32,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let max = max_connections.max(1);
        let (url, backend, options) = match config {
            DatabaseConfig::SqliteFile(path) => {
                let url = format!("sqlite://{}?mode=rwc", encode_path(path));
                let options = pool_options()
                    .max_connections(max)
                    .after_connect(|conn, _| Box::pin(sqlite_cache(conn)));
                (url, Backend::Sqlite, options)
            }
            // One connection that never expires: the in-memory database lives as long as it.
            DatabaseConfig::SqliteMemory => {
                let options = pool_options()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
                ("sqlite::memory:".to_owned(), Backend::Sqlite, options)
            }
            DatabaseConfig::Postgres(url) => (
                url.clone(),
                Backend::Postgres,
                pool_options().max_connections(max),
            ),
        };
        let pool = options.connect(&url).await?;
        if matches!(config, DatabaseConfig::SqliteFile(_)) {
            // Readers then never block the writer; the setting is stored in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.run(&pool).await?;
        Ok(Store {
            pool,
            backend,
            passwords: PasswordHasher::new(PasswordStrength::Standard),
            events_changed: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// The same store hashing new passwords at `strength` (tests use the fast setting).
    pub fn with_password_strength(mut self, strength: PasswordStrength) -> Self {
        self.passwords = PasswordHasher::new(strength);
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection; later calls fail with `store_unavailable`.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn passwords(&self) -> &Arc<PasswordHasher> {
        &self.passwords
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin_with(self.backend.begin_statement()).await?)
    }
}

/// A request waits at most this long for a connection, then gets 503 instead of hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Page cache per SQLite connection, in KiB (SQLite's default is 2 MiB). The search index of
/// a large directory is hundreds of MiB; with the default, every search and every import
/// batch re-reads its upper pages from the OS. Memory is taken only as pages are read.
const SQLITE_CACHE_KIB: i64 = 64 * 1024;

async fn sqlite_cache(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    let sql = format!("PRAGMA cache_size = -{SQLITE_CACHE_KIB}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await?;
    Ok(())
}

fn pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT)
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The SQLite URL parser percent-decodes the path, so characters that would end it early
/// (`?`, `#`) or start an escape (`%`) are encoded.
fn encode_path(path: &std::path::Path) -> String {
    let raw = path.to_string_lossy();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
