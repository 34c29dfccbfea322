//! Resource types as the API shows them, and the request bodies that create or change them.
//! Request bodies reject unknown fields so a typo is a 422, not a silently ignored field.
//! Directory types are here; `memos.rs` and `announcements.rs` hold those resources' types.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::validate::doc;

mod directory;
pub use directory::*;
mod announcements;
mod memos;

pub use announcements::*;
pub use memos::*;
mod projects;
mod tasks;
pub use projects::*;
pub use tasks::*;
mod meetings;
pub use meetings::*;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}
pub(crate) use id_type;

id_type!(/// An agency (기관), e.g. 행정안전부.
    AgencyId);
id_type!(/// A unit (실/국/과) inside one agency's tree.
    UnitId);
id_type!(/// A person in the directory.
    EmployeeId);
id_type!(/// A joint project of one or more agencies.
    ProjectId);
id_type!(/// A task on a project's board.
    TaskId);
id_type!(/// A comment on a task.
    CommentId);
id_type!(/// An e-Memo.
    MemoId);
id_type!(/// A bulletin-board announcement.
    AnnouncementId);
id_type!(/// A scheduled meeting with a video room.
    MeetingId);
id_type!(/// A physical video-conference room in a building.
    ConferenceRoomId);
id_type!(/// A booking of a conference room.
    BookingId);

/// A government agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agency {
    pub id: AgencyId,
    /// Short stable code, e.g. `mois`; unique.
    pub code: String,
    pub name_ko: String,
    pub name_en: String,
    pub version: i64,
}

/// One node of an agency's unit tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: UnitId,
    pub agency_id: AgencyId,
    /// `None` for a top-level unit.
    pub parent_id: Option<UnitId>,
    pub name_ko: String,
    pub name_en: String,
    pub sort_order: i64,
    pub version: i64,
}

/// A directory entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Employee {
    pub id: EmployeeId,
    pub agency_id: AgencyId,
    pub unit_id: Option<UnitId>,
    pub name_ko: String,
    pub name_en: String,
    /// Position (직위), e.g. 과장.
    pub title: String,
    /// Grade (직급), e.g. 4급.
    pub grade: String,
    pub office_phone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub location: Option<String>,
    pub photo_url: Option<String>,
    /// The position (직위) in the agency's catalogue; `title` then holds its Korean name.
    pub position_id: Option<PositionId>,
    /// The grade (직급) in the agency's catalogue; `grade` then holds its Korean name.
    pub grade_id: Option<GradeId>,
    /// Values of the admin-defined extra fields, by key.
    pub extra: BTreeMap<String, String>,
    pub version: i64,
}

/// One audit log row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub actor: String,
    /// `create`, `update`, `move` or `delete`.
    pub action: String,
    pub entity: String,
    pub entity_id: i64,
    /// What changed (the request's fields after validation).
    pub detail: serde_json::Value,
    /// The agency the change belongs to (`null` for hub-wide events).
    pub agency_id: Option<AgencyId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgency {
    #[schema(schema_with = doc::code)]
    pub code: String,
    #[schema(schema_with = doc::name)]
    pub name_ko: String,
    #[serde(default)]
    #[schema(schema_with = doc::name_opt)]
    pub name_en: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name)]
    pub name_ko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name_opt)]
    pub name_en: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    #[schema(schema_with = doc::name)]
    pub name_ko: String,
    #[serde(default)]
    #[schema(schema_with = doc::name_opt)]
    pub name_en: String,
    #[serde(default)]
    pub parent_id: Option<UnitId>,
    #[serde(default)]
    pub sort_order: i64,
}

/// A change to a unit; `parent_id: null` moves it to the top level, an absent `parent_id`
/// leaves it where it is.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name)]
    pub name_ko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name_opt)]
    pub name_en: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_id: Option<Option<UnitId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmployee {
    pub agency_id: AgencyId,
    #[serde(default)]
    pub unit_id: Option<UnitId>,
    #[schema(schema_with = doc::name)]
    pub name_ko: String,
    #[serde(default)]
    #[schema(schema_with = doc::name_opt)]
    pub name_en: String,
    #[serde(default)]
    #[schema(schema_with = doc::text_opt)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = doc::text_opt)]
    pub grade: String,
    #[serde(default)]
    #[schema(schema_with = doc::phone)]
    pub office_phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = doc::phone)]
    pub mobile: Option<String>,
    #[serde(default)]
    #[schema(schema_with = doc::email)]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = doc::text_or_null)]
    pub location: Option<String>,
    #[serde(default)]
    #[schema(schema_with = doc::url)]
    pub photo_url: Option<String>,
    /// Must be a position of the same agency; then `title` must be left out (it is copied
    /// from the position).
    #[serde(default)]
    pub position_id: Option<PositionId>,
    /// Must be a grade of the same agency; then `grade` must be left out.
    #[serde(default)]
    pub grade_id: Option<GradeId>,
    /// Extra field values by key; unknown keys and values of the wrong kind are refused.
    #[serde(default)]
    #[schema(schema_with = doc::extra_values)]
    pub extra: BTreeMap<String, String>,
}

/// A change to a directory entry. For the nullable fields, `null` clears and absence keeps.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency_id: Option<AgencyId>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub unit_id: Option<Option<UnitId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name)]
    pub name_ko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name_opt)]
    pub name_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::text_opt)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::text_opt)]
    pub grade: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = doc::phone)]
    pub office_phone: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = doc::phone)]
    pub mobile: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = doc::email)]
    pub email: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = doc::text_or_null)]
    pub location: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(schema_with = doc::url)]
    pub photo_url: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub position_id: Option<Option<PositionId>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub grade_id: Option<Option<GradeId>>,
    /// Merged into the stored values: a key set to a value sets it, a key set to `null` (or
    /// to an empty string) removes it, keys left out stay.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::extra_changes)]
    pub extra: Option<BTreeMap<String, Option<String>>>,
}

/// Tells a present `null` (`Some(None)`) from an absent field (`None`, via `default`).
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_tells_null_from_absent() {
        let p: UnitPatch = serde_json::from_str(r#"{"parent_id": null}"#).unwrap();
        assert_eq!(p.parent_id, Some(None));
        let p: UnitPatch = serde_json::from_str(r#"{"name_ko": "기획과"}"#).unwrap();
        assert_eq!(p.parent_id, None);
        let p: UnitPatch = serde_json::from_str(r#"{"parent_id": 7}"#).unwrap();
        assert_eq!(p.parent_id, Some(Some(UnitId(7))));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(
            serde_json::from_str::<NewAgency>(r#"{"code":"a","name_ko":"가","extra":1}"#).is_err()
        );
    }
}
