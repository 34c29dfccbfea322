//! Bulletin-board announcements as the API shows them, and the bodies that write them.

use serde::{Deserialize, Serialize};

use super::{AgencyId, AnnouncementId, ProjectId, present};
use crate::auth::AccountId;
use crate::validate::doc;

/// Who an announcement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementScope {
    /// Every account of the hub; posted by system administrators.
    Everyone,
    /// The accounts of `agency_id`; posted by that agency's administrators.
    Agency,
    /// The members of `project_id`; posted by the project's leads.
    Project,
}

impl AnnouncementScope {
    pub fn as_str(self) -> &'static str {
        match self {
            AnnouncementScope::Everyone => "everyone",
            AnnouncementScope::Agency => "agency",
            AnnouncementScope::Project => "project",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "everyone" => Some(AnnouncementScope::Everyone),
            "agency" => Some(AnnouncementScope::Agency),
            "project" => Some(AnnouncementScope::Project),
            _ => None,
        }
    }
}

/// An announcement, with the caller's acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Announcement {
    pub id: AnnouncementId,
    pub scope: AnnouncementScope,
    /// Set for scope `agency` only.
    pub agency_id: Option<AgencyId>,
    /// Set for scope `project` only.
    pub project_id: Option<ProjectId>,
    pub author_id: AccountId,
    pub title: String,
    /// Sanitised HTML.
    pub body: String,
    /// Plain text of the body, at most 200 characters.
    pub excerpt: String,
    pub pinned: bool,
    /// Milliseconds since the Unix epoch; after it the announcement leaves the default list.
    pub expires_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
    /// Whether the caller has acknowledged reading it.
    pub acked_by_me: bool,
    /// How many accounts have acknowledged it.
    pub ack_count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAnnouncement {
    pub scope: AnnouncementScope,
    /// Required for scope `agency`, refused otherwise.
    #[serde(default)]
    pub agency_id: Option<AgencyId>,
    /// Required for scope `project`, refused otherwise.
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    #[schema(schema_with = doc::title)]
    pub title: String,
    /// HTML; sanitised before it is stored.
    #[serde(default)]
    #[schema(schema_with = doc::rich_text)]
    pub body: String,
    #[serde(default)]
    pub pinned: bool,
    /// Must lie in the future.
    #[serde(default)]
    #[schema(maximum = 253_402_300_799_999_i64)]
    pub expires_ms: Option<i64>,
}

/// A change to an announcement; its scope never changes. `expires_ms: null` removes the
/// expiry, an absent `expires_ms` keeps it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::title)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::rich_text)]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_ms: Option<Option<i64>>,
}

/// One read acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ack {
    pub account_id: AccountId,
    pub login: String,
    pub display_name: String,
    pub acked_ms: i64,
}
