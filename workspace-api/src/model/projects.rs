//! Joint projects as the API shows them: the project, its members and their roles, and the
//! bodies that create or change them. The board's columns live here too, since they belong
//! to the project and are created with it.

use serde::{Deserialize, Serialize};

use super::{AgencyId, ProjectId};
use crate::auth::AccountId;
use crate::validate::doc;

/// A member's role in one project. Leads manage the project (settings, agencies, members,
/// columns); members and leads write tasks; viewers only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectRole {
    Lead,
    Member,
    Viewer,
}

impl ProjectRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectRole::Lead => "lead",
            ProjectRole::Member => "member",
            ProjectRole::Viewer => "viewer",
        }
    }

    /// The stored name back; an unknown name fails closed to the least role.
    pub fn parse(s: &str) -> ProjectRole {
        match s {
            "lead" => ProjectRole::Lead,
            "member" => ProjectRole::Member,
            _ => ProjectRole::Viewer,
        }
    }
}

/// A joint project of a lead agency and participating agencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub name_ko: String,
    pub name_en: String,
    pub description: String,
    pub lead_agency_id: AgencyId,
    /// Every participating agency, the lead agency included, in id order.
    pub agency_ids: Vec<AgencyId>,
    /// Public projects are readable by everyone signed in; others only by their members.
    pub public: bool,
    pub archived: bool,
    /// When it was archived (Unix ms); `null` while active.
    pub archived_ms: Option<i64>,
    pub created_ms: i64,
    /// The caller's role in the project; `null` when the caller reads it as a non-member
    /// (a public project, or a system administrator).
    pub my_role: Option<ProjectRole>,
    pub version: i64,
}

/// A person in a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProjectMember {
    pub project_id: ProjectId,
    pub account_id: AccountId,
    pub login: String,
    pub display_name: String,
    /// The account's own agency (people of any agency may join).
    pub agency_id: Option<AgencyId>,
    pub role: ProjectRole,
    pub added_ms: i64,
    pub version: i64,
}

/// One column of a project's board (kanban).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BoardColumn {
    /// Stable key, unique in the project (`todo`, `doing`, `review`, `done` by default).
    pub key: String,
    pub name: String,
    /// 0-based place on the board, left to right.
    pub position: i64,
    /// Tasks in a done column are finished: they leave "my open tasks".
    pub done: bool,
    pub version: i64,
}

/// `POST /projects`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    #[schema(schema_with = doc::title)]
    pub name_ko: String,
    #[serde(default)]
    #[schema(schema_with = doc::text_opt)]
    pub name_en: String,
    #[serde(default)]
    #[schema(schema_with = doc::description)]
    pub description: String,
    /// Defaults to the creator's agency; only a system administrator may name another.
    #[serde(default)]
    pub lead_agency_id: Option<AgencyId>,
    /// Participating agencies besides the lead agency.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub agency_ids: Vec<AgencyId>,
    #[serde(default)]
    pub public: bool,
}

/// `PATCH /projects/{id}` (leads).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::title)]
    pub name_ko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::text_opt)]
    pub name_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::description)]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// `POST /projects/{id}/agencies` (leads).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProjectAgency {
    pub agency_id: AgencyId,
}

/// `POST /projects/{id}/members` (leads).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub account_id: AccountId,
    pub role: ProjectRole,
}

/// `PATCH /projects/{id}/members/{account_id}` (leads).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub role: ProjectRole,
}

/// `POST /projects/{id}/columns` (leads): a new column at the right end of the board.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewColumn {
    /// 2–32 of `a-z 0-9 -`, unique in the project; never changes.
    #[schema(pattern = "^[a-z0-9-]{2,32}$", min_length = 2, max_length = 32)]
    pub key: String,
    #[schema(schema_with = doc::column_name)]
    pub name: String,
    #[serde(default)]
    pub done: bool,
}

/// `PATCH /projects/{id}/columns/{key}` (leads): rename, mark done, or move to another
/// place (`position`, 0-based; the other columns shift).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::column_name)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub position: Option<i64>,
}
