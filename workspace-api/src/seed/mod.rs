//! Seeding: the demo hub ([`demo`]) and the synthetic benchmark directory ([`bench`]), as
//! library code the `govhub seed` subcommand, the first start of a development hub, the tests
//! and the search benchmark all call.
//!
//! Layout: `demo.rs` (the demo's steps), `collab.rs` (rooms, projects), `board.rs`
//! (announcements, memos), `meetings.rs`, `bench.rs` (bulk synthetic employees), `data.rs`
//! (agencies, unit trees, positions, grades), `names.rs` (names and their romanisation from
//! a deterministic generator). Everything is written through the [`Store`] API as
//! [`crate::extract::Actor::System`], so it lands in the audit log like any other change.

pub mod bench;
pub mod board;
pub mod collab;
pub mod data;
pub mod demo;
pub mod meetings;
pub mod names;

use crate::model::AgencyId;
use crate::store::{Store, StoreError};

/// Why seeding stopped.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The hub has agencies the demo does not know (their codes); `--force` overrides.
    #[error("the hub already holds agencies that are not the demo's ({}); pass --force to add the demo anyway", .0.join(", "))]
    NotDemoHub(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a seeding run did (counts of what it created; existing things are skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub agencies_created: usize,
    pub agencies_existing: usize,
    pub units: usize,
    pub positions: usize,
    pub grades: usize,
    pub extra_fields: usize,
    pub employees: usize,
    pub accounts_created: Vec<String>,
    pub accounts_existing: usize,
    pub rooms: usize,
    pub projects: usize,
    pub project_members: usize,
    pub tasks: usize,
    pub announcements: usize,
    pub memos: usize,
    /// Entries of the memos' share lists.
    pub memo_shares: usize,
    pub meetings: usize,
    /// Meetings that booked their conference room.
    pub meeting_bookings: usize,
}

/// The agency with this code, if any.
pub(crate) async fn find_agency(store: &Store, code: &str) -> Result<Option<AgencyId>, StoreError> {
    // Agencies are few (tens); one page holds them all.
    Ok(store
        .list_agencies(None, 1000)
        .await?
        .into_iter()
        .find(|a| a.code == code)
        .map(|a| a.id))
}
