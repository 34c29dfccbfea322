//! Directory catalogues: per-agency positions (직위) and grades (직급), and the hub-wide
//! extra fields an administrator adds to every directory entry.
//!
//! Positions and grades share one shape ([`NewCatalogueEntry`], [`CatalogueEntryPatch`]);
//! employees refer to them by `position_id` / `grade_id`, and the entry's Korean name is
//! copied into the employee's free-text `title` / `grade` so older clients and search keep
//! working. Extra field values live on the employee as `extra: {key: value}`.

use serde::{Deserialize, Serialize};

use super::{AgencyId, id_type};
use crate::validate::doc;

id_type!(/// A position (직위) of one agency, e.g. 과장.
    PositionId);
id_type!(/// A grade (직급) of one agency, e.g. 4급.
    GradeId);
id_type!(/// An admin-defined directory field.
    ExtraFieldId);

macro_rules! catalogue_entry {
    ($(#[$doc:meta])* $name:ident, $id:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
        pub struct $name {
            pub id: $id,
            pub agency_id: AgencyId,
            pub name_ko: String,
            pub name_en: String,
            /// Lists are ordered by `sort_order`, then id (e.g. 장관 before 과장).
            pub sort_order: i64,
            pub version: i64,
        }
    };
}

catalogue_entry!(/// A position (직위) in an agency's catalogue.
    Position, PositionId);
catalogue_entry!(/// A grade (직급) in an agency's catalogue.
    Grade, GradeId);

/// A new position or grade; `name_ko` is unique within the agency's list.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCatalogueEntry {
    #[schema(schema_with = doc::name)]
    pub name_ko: String,
    #[serde(default)]
    #[schema(schema_with = doc::name_opt)]
    pub name_en: String,
    #[serde(default)]
    pub sort_order: i64,
}

/// A change to a position or grade. Renaming updates the `title` / `grade` text of every
/// employee that refers to it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueEntryPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name)]
    pub name_ko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name_opt)]
    pub name_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i64>,
}

/// What an extra field holds; values are checked like the built-in fields of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExtraKind {
    Text,
    Phone,
    Email,
    Url,
}

impl ExtraKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExtraKind::Text => "text",
            ExtraKind::Phone => "phone",
            ExtraKind::Email => "email",
            ExtraKind::Url => "url",
        }
    }

    /// Unknown stored names read as text (the schema's CHECK keeps them out anyway).
    pub fn parse(s: &str) -> ExtraKind {
        match s {
            "phone" => ExtraKind::Phone,
            "email" => ExtraKind::Email,
            "url" => ExtraKind::Url,
            _ => ExtraKind::Text,
        }
    }
}

/// An admin-defined directory field, e.g. `duty` (담당업무).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExtraField {
    pub id: ExtraFieldId,
    /// Stable key in employees' `extra` map: `a-z` first, then `a-z 0-9 _`, at most 32.
    pub key: String,
    pub label_ko: String,
    pub label_en: String,
    pub kind: ExtraKind,
    /// Whether directory search matches this field's values.
    pub searchable: bool,
    pub sort_order: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExtraField {
    #[schema(schema_with = doc::extra_key)]
    pub key: String,
    #[schema(schema_with = doc::name)]
    pub label_ko: String,
    #[serde(default)]
    #[schema(schema_with = doc::name_opt)]
    pub label_en: String,
    pub kind: ExtraKind,
    #[serde(default)]
    pub searchable: bool,
    #[serde(default)]
    pub sort_order: i64,
}

/// A change to an extra field. `key` and `kind` never change: stored values were checked
/// against them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraFieldPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name)]
    pub label_ko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = doc::name_opt)]
    pub label_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub searchable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i64>,
}

/// True for a valid extra-field key: `a-z` first, then `a-z 0-9 _`, 1 to 32 in all.
pub fn valid_extra_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && key.len() <= 32
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_keys() {
        assert!(valid_extra_key("duty"));
        assert!(valid_extra_key("fax_2"));
        assert!(!valid_extra_key("2fax"));
        assert!(!valid_extra_key("Fax"));
        assert!(!valid_extra_key(""));
        assert!(!valid_extra_key(&"a".repeat(33)));
        assert!(!valid_extra_key("a-b"));
    }

    #[test]
    fn kinds_round_trip() {
        for k in [
            ExtraKind::Text,
            ExtraKind::Phone,
            ExtraKind::Email,
            ExtraKind::Url,
        ] {
            assert_eq!(ExtraKind::parse(k.as_str()), k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
