//! Tasks on a project's board as the API shows them, their comments and status history,
//! and the bodies that create, change and move them.

use serde::{Deserialize, Serialize};

use super::{CommentId, ProjectId, TaskId, present};
use crate::auth::AccountId;
use crate::validate::doc;

/// How urgent a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Priority {
        match s {
            "low" => Priority::Low,
            "high" => Priority::High,
            "urgent" => Priority::Urgent,
            _ => Priority::Normal,
        }
    }
}

/// A task card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub project_id: ProjectId,
    /// Key of the board column the task is in.
    pub column: String,
    pub title: String,
    pub description: String,
    /// Accounts working on it, in id order; all are project members.
    pub assignees: Vec<AccountId>,
    /// ISO date `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// ISO date `YYYY-MM-DD`, never before `start_date`.
    pub due_date: Option<String>,
    pub priority: Priority,
    pub labels: Vec<String>,
    /// Sort key inside the column (ascending); only the order means something.
    pub position: i64,
    pub created_by: Option<AccountId>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
}

/// `POST /projects/{id}/tasks` (members and leads).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    #[schema(schema_with = doc::title)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = doc::description)]
    pub description: String,
    /// Column key; the leftmost column when absent. The task goes to the column's end.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9-]{2,32}$", min_length = 2, max_length = 32)]
    pub column: Option<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub assignees: Vec<AccountId>,
    #[serde(default)]
    #[schema(schema_with = doc::date)]
    pub start_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = doc::date)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    #[schema(schema_with = doc::labels)]
    pub labels: Vec<String>,
}

/// `PATCH /tasks/{id}`. Absent fields stay; `null` clears a date. Columns change by
/// `POST /tasks/{id}/move`, not here.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::title)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::description)]
    pub description: Option<String>,
    /// The whole new set of assignees.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 50)]
    pub assignees: Option<Vec<AccountId>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = doc::date)]
    pub start_date: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = doc::date)]
    pub due_date: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// The whole new set of labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::labels)]
    pub labels: Option<Vec<String>>,
}

/// `POST /tasks/{id}/move`: to `column`, just before or just after a task of that column,
/// or at its end when neither is given.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskMove {
    #[schema(pattern = "^[a-z0-9-]{2,32}$", min_length = 2, max_length = 32)]
    pub column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<TaskId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<TaskId>,
}

/// One column change of a task (its creation is the first, from `null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaskHistoryEntry {
    pub id: i64,
    pub task_id: TaskId,
    pub at_ms: i64,
    /// Who moved it (`null` for the hub itself).
    pub actor_id: Option<AccountId>,
    pub from_column: Option<String>,
    pub to_column: String,
}

/// A comment on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: CommentId,
    pub task_id: TaskId,
    pub author_id: Option<AccountId>,
    pub body: String,
    pub created_ms: i64,
    /// When the author last edited it; `null` if never.
    pub edited_ms: Option<i64>,
    pub version: i64,
}

/// `POST /tasks/{id}/comments` and `PATCH /comments/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    #[schema(schema_with = doc::comment)]
    pub body: String,
}
