//! Accounts and personal API tokens as the API shows them, and the bodies that create them.

use serde::{Deserialize, Serialize, Serializer};

use super::{AccountId, Role, Scope, Scopes, TokenId};
use crate::model::{AgencyId, EmployeeId, present};
use crate::validate::doc;

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.list())
    }
}

/// The enabled account of a directory person, as `GET /employees/{id}/account` answers it to
/// anyone who reads the directory: enough to add the person to a project, share a memo
/// with them or invite them to a meeting, nothing an administrator alone should see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PersonAccount {
    pub account_id: AccountId,
    pub employee_id: EmployeeId,
    pub display_name: String,
    pub agency_id: Option<AgencyId>,
}

/// A local account. `agency_id` is the agency it belongs to (for an agency admin, the
/// agency it administers); system admins may have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub login: String,
    pub display_name: String,
    #[schema(value_type = RoleName)]
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub employee_id: Option<EmployeeId>,
    pub created_ms: i64,
    /// When an administrator disabled the account (`null`: enabled). A disabled account
    /// cannot sign in, and its sessions and tokens were revoked when it was disabled.
    pub disabled_ms: Option<i64>,
    /// Bumped by every change; the ETag is `"v<version>"`.
    pub version: i64,
}

/// The role names of request bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    SystemAdmin,
    AgencyAdmin,
    Member,
}

/// `POST /api/v1/accounts`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[schema(schema_with = doc::login)]
    pub login: String,
    #[schema(schema_with = doc::new_password)]
    pub password: String,
    #[serde(default)]
    #[schema(schema_with = doc::name_opt)]
    pub display_name: String,
    pub role: RoleName,
    pub agency_id: Option<AgencyId>,
    pub employee_id: Option<EmployeeId>,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    #[schema(schema_with = doc::password)]
    pub password: String,
}

/// `POST /api/v1/me/tokens`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[schema(schema_with = doc::name)]
    pub name: String,
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
    /// 1–365; 30 when absent.
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<i64>,
}

/// A personal API token as listed to its owner (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: TokenId,
    pub name: String,
    #[schema(value_type = Vec<Scope>)]
    pub scopes: Scopes,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// A token just created: the only answer that ever carries its secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: String,
}

/// A session just opened; the route puts `secret` in the cookie.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub account: Account,
    pub secret: String,
    pub expires_ms: i64,
}

/// `PATCH /api/v1/accounts/{id}`: absent fields stay; `agency_id` / `employee_id` may be set
/// to `null` to unlink.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    #[schema(schema_with = doc::name_opt)]
    pub display_name: Option<String>,
    pub role: Option<RoleName>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<AgencyId>)]
    pub agency_id: Option<Option<AgencyId>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<EmployeeId>)]
    pub employee_id: Option<Option<EmployeeId>>,
    /// `true` disables the account (and revokes its sessions and tokens); `false` enables it.
    pub disabled: Option<bool>,
}

/// `POST /api/v1/accounts/{id}/password`: an administrator sets a new password.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    #[schema(schema_with = doc::new_password)]
    pub new_password: String,
}

/// `POST /api/v1/me/password`: the signed-in user changes their own password.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(schema_with = doc::password)]
    pub current_password: String,
    #[schema(schema_with = doc::new_password)]
    pub new_password: String,
}
