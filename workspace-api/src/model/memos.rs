//! e-Memos as the API shows them, their share lists, and the bodies that write them.

use serde::{Deserialize, Serialize};

use super::{AgencyId, MemoId, ProjectId, UnitId};
use crate::auth::AccountId;
use crate::validate::doc;

/// Disclosure label (공개 / 부분공개 / 비공개) under the Official Information Disclosure Act.
/// A label only: who may read a memo is decided by its share list, never by the label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// 공개
    Public,
    /// 부분공개
    Partial,
    /// 비공개 (the default: a memo starts private and labelled so)
    #[default]
    Restricted,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Public => "public",
            Classification::Partial => "partial",
            Classification::Restricted => "restricted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Classification::Public),
            "partial" => Some(Classification::Partial),
            "restricted" => Some(Classification::Restricted),
            _ => None,
        }
    }
}

/// What the caller may do with a memo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemoAccess {
    Reader,
    Editor,
    /// The author: edits, deletes and manages the share list.
    Owner,
}

/// A memo with its body.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Memo {
    pub id: MemoId,
    pub author_id: AccountId,
    pub title: String,
    /// Sanitised HTML.
    pub body: String,
    /// Plain text of the body, at most 200 characters.
    pub excerpt: String,
    pub classification: Classification,
    /// The caller's access.
    pub access: MemoAccess,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
}

/// A memo in a list: everything but the body.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MemoSummary {
    pub id: MemoId,
    pub author_id: AccountId,
    pub title: String,
    pub excerpt: String,
    pub classification: Classification,
    pub access: MemoAccess,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub version: i64,
}

impl From<Memo> for MemoSummary {
    fn from(m: Memo) -> Self {
        MemoSummary {
            id: m.id,
            author_id: m.author_id,
            title: m.title,
            excerpt: m.excerpt,
            classification: m.classification,
            access: m.access,
            created_ms: m.created_ms,
            updated_ms: m.updated_ms,
            version: m.version,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemo {
    #[schema(schema_with = doc::title)]
    pub title: String,
    /// HTML; sanitised before it is stored.
    #[serde(default)]
    #[schema(schema_with = doc::rich_text)]
    pub body: String,
    #[serde(default)]
    pub classification: Classification,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::title)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::rich_text)]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
}

/// Who a memo is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(
    tag = "kind",
    content = "id",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum ShareTarget {
    /// One person.
    Account(AccountId),
    /// The people whose directory entry is in this unit (not its sub-units).
    Unit(UnitId),
    /// The accounts of this agency.
    Agency(AgencyId),
    /// The members of this project.
    Project(ProjectId),
}

impl ShareTarget {
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            ShareTarget::Account(a) => ("account", a.0),
            ShareTarget::Unit(u) => ("unit", u.0),
            ShareTarget::Agency(a) => ("agency", a.0),
            ShareTarget::Project(p) => ("project", p.0),
        }
    }

    pub fn from_parts(kind: &str, id: i64) -> Option<Self> {
        Some(match kind {
            "account" => ShareTarget::Account(AccountId(id)),
            "unit" => ShareTarget::Unit(UnitId(id)),
            "agency" => ShareTarget::Agency(AgencyId(id)),
            "project" => ShareTarget::Project(ProjectId(id)),
            _ => return None,
        })
    }
}

/// What a share grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SharePermission {
    Reader,
    Editor,
}

impl SharePermission {
    pub fn as_str(self) -> &'static str {
        match self {
            SharePermission::Reader => "reader",
            SharePermission::Editor => "editor",
        }
    }
}

/// One entry of a share list: `{"target": {"kind": "unit", "id": 3}, "permission": "reader"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoShare {
    pub target: ShareTarget,
    pub permission: SharePermission,
}

/// The whole share list of a memo; `PUT` replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoShares {
    #[schema(max_items = 100)]
    pub shares: Vec<MemoShare>,
}

/// One entry of a share list as the API answers it: the entry and the name of its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NamedShare {
    pub target: ShareTarget,
    pub permission: SharePermission,
    /// The person's display name, or the unit's, agency's or project's Korean name; `null`
    /// for a project the caller may not see (its name is not theirs to read) or a target
    /// that no longer exists.
    pub name: Option<String>,
}

/// A memo's share list as `GET /memos/{id}/shares` answers it (with the memo's ETag).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MemoShareList {
    pub memo_id: MemoId,
    pub items: Vec<NamedShare>,
}
