//! Accounts, credentials and authorisation rules.
//!
//! Role: who may do what. An [`Actor`](crate::extract::Actor) is resolved from a session
//! cookie (browsers) or a bearer token (API clients); its account's [`Role`] bounds what it
//! may change, and a token's [`Scopes`] narrow that further. The rules live in
//! [`Actor::require`] and friends so every handler states its need in one line.
//!
//! Layout: this file holds the types, the secret format and the rules; `password.rs` the
//! argon2id hashing, [`oidc`] sign-in through agency identity providers. Queries are in
//! `store/accounts.rs`, handlers in `routes/auth.rs` and `routes/accounts.rs`.
//!
//! Secrets: session ids and API tokens are 32 random bytes (base64url); the database keeps
//! only their SHA-256, so a copy of the database cannot be replayed as credentials. A
//! SHA-256 of a 256-bit random value needs no salt or slow hash, unlike a password.

mod account;
pub mod oidc;
mod password;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use account::{
    Account, AccountPatch, IssuedToken, LoginRequest, NewAccount, NewSession, NewToken,
    PasswordChange, PasswordReset, PersonAccount, RoleName, TokenInfo,
};
pub use password::{PasswordHasher, PasswordStrength};

use crate::error::ApiError;
use crate::extract::Actor;
use crate::model::{AgencyId, EmployeeId, id_type};

id_type!(/// A local account.
    AccountId);
id_type!(/// A browser session.
    SessionId);
id_type!(/// A personal API token.
    TokenId);

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "govhub_session";
/// Prefix of personal API tokens, so secret scanners and people can recognise them.
pub const TOKEN_PREFIX: &str = "ghw_";

/// Shortest password accepted for a new account.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (argon2 takes any length; this bounds the work per request).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// What an account may do. A token acts with its owner's role, never more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, in every agency.
    SystemAdmin,
    /// Writes to one agency's units and employees (and the agency's own names).
    AgencyAdmin(AgencyId),
    /// Reads the directory.
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::AgencyAdmin(_) => "agency_admin",
            Role::Member => "member",
        }
    }
}

/// One permission a personal API token can carry. Browser sessions carry all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Scope {
    #[serde(rename = "directory:read")]
    DirectoryRead,
    #[serde(rename = "directory:write")]
    DirectoryWrite,
    /// Reading accounts (`GET /accounts`), within the role's reach.
    #[serde(rename = "accounts:read")]
    AccountsRead,
    #[serde(rename = "accounts:write")]
    AccountsWrite,
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Reserved for projects, tasks, memos and meetings (rest of issue 3).
    #[serde(rename = "workspace:read")]
    WorkspaceRead,
    /// Reserved for projects, tasks, memos and meetings (rest of issue 3).
    #[serde(rename = "workspace:write")]
    WorkspaceWrite,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::DirectoryRead,
        Scope::DirectoryWrite,
        Scope::AccountsRead,
        Scope::AccountsWrite,
        Scope::AuditRead,
        Scope::WorkspaceRead,
        Scope::WorkspaceWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::DirectoryRead => "directory:read",
            Scope::DirectoryWrite => "directory:write",
            Scope::AccountsRead => "accounts:read",
            Scope::AccountsWrite => "accounts:write",
            Scope::AuditRead => "audit:read",
            Scope::WorkspaceRead => "workspace:read",
            Scope::WorkspaceWrite => "workspace:write",
        }
    }

    fn bit(self) -> u8 {
        1 << Scope::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// A set of scopes, stored as space-separated names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn list(self) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.contains(*s))
            .collect()
    }

    /// The stored form; [`Scopes::parse_stored`] reads it back (unknown names are dropped,
    /// so a scope removed in a later version simply stops granting anything).
    pub fn to_stored(self) -> String {
        let names: Vec<_> = self.list().into_iter().map(Scope::as_str).collect();
        names.join(" ")
    }

    pub fn parse_stored(s: &str) -> Scopes {
        let names: Vec<&str> = s.split_whitespace().collect();
        Scopes::from_iter(
            Scope::ALL
                .into_iter()
                .filter(|x| names.contains(&x.as_str())),
        )
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Scopes(iter.into_iter().fold(0, |acc, s| acc | s.bit()))
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session cookie: the account's whole role.
    Session(SessionId),
    /// A personal API token: the account's role narrowed to its scopes.
    Token(TokenId, Scopes),
    /// No credential: the hub itself acting for the account (the demo seed), made by
    /// [`crate::Store::principal_for`]; never the result of a request.
    OnBehalf,
}

/// A signed-in account behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account: AccountId,
    pub login: String,
    pub role: Role,
    /// The agency the account belongs to (members see that agency's non-public things).
    pub agency: Option<AgencyId>,
    /// The directory entry of the person, which gives their unit.
    pub employee: Option<EmployeeId>,
    pub credential: Credential,
}

/// A fresh random secret (session id or token body), base64url without padding. `rand`'s
/// thread generator is a CSPRNG seeded from the operating system.
pub fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The stored form of a secret: lowercase hex SHA-256.
pub fn secret_hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Turns a login as typed into its stored form (trimmed, lowercase), or `None` when no
/// account could have it.
pub fn normalise_login(login: &str) -> Option<String> {
    let l = login.trim().to_lowercase();
    let ok = (1..=254).contains(&l.chars().count())
        && !l.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(l)
}

fn forbidden(ko: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", ko, en)
}

impl Actor {
    /// The token (if any) must carry `scope`. Sessions and the system carry every scope.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        match self {
            Actor::Account(Principal {
                credential: Credential::Token(_, scopes),
                ..
            }) if !scopes.contains(scope) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                "Insufficient scope",
                "이 API 토큰에는 필요한 권한 범위가 없습니다.",
                format!("This API token lacks the `{}` scope.", scope.as_str()),
            )),
            _ => Ok(()),
        }
    }

    /// System administrators only.
    pub fn require_system_admin(&self) -> Result<(), ApiError> {
        match self.role() {
            None | Some(Role::SystemAdmin) => Ok(()),
            _ => Err(forbidden(
                "시스템 관리자만 할 수 있습니다.",
                "Only a system administrator may do this.",
            )),
        }
    }

    /// A system administrator, or the administrator of `agency`.
    pub fn require_agency_admin(&self, agency: AgencyId) -> Result<(), ApiError> {
        match self.role() {
            None | Some(Role::SystemAdmin) => Ok(()),
            Some(Role::AgencyAdmin(a)) if a == agency => Ok(()),
            _ => Err(forbidden(
                "이 기관의 관리자만 변경할 수 있습니다.",
                "Only an administrator of this agency may change it.",
            )),
        }
    }

    /// The account's role; `None` for the system itself.
    pub fn role(&self) -> Option<Role> {
        match self {
            Actor::System => None,
            Actor::Account(p) => Some(p.role),
        }
    }

    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Actor::System => None,
            Actor::Account(p) => Some(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_ignore_unknown_names() {
        let s: Scopes = [Scope::DirectoryRead, Scope::AuditRead]
            .into_iter()
            .collect();
        assert_eq!(s.to_stored(), "directory:read audit:read");
        assert_eq!(Scopes::parse_stored(&s.to_stored()), s);
        assert_eq!(
            Scopes::parse_stored("directory:read teleport:anything"),
            [Scope::DirectoryRead].into_iter().collect()
        );
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }

    #[test]
    fn logins_are_normalised() {
        assert_eq!(
            normalise_login("  Kim@MOIS.go.kr "),
            Some("kim@mois.go.kr".into())
        );
        assert_eq!(normalise_login(""), None);
        assert_eq!(normalise_login("a b"), None);
        assert_eq!(normalise_login("a\u{0}"), None);
    }

    fn token_actor(role: Role, scopes: &[Scope]) -> Actor {
        Actor::Account(Principal {
            account: AccountId(1),
            login: "t".into(),
            role,
            agency: None,
            employee: None,
            credential: Credential::Token(TokenId(1), scopes.iter().copied().collect()),
        })
    }

    #[test]
    fn rules_combine_role_and_scope() {
        let a = AgencyId(1);
        let admin = token_actor(Role::AgencyAdmin(a), &[Scope::DirectoryRead]);
        assert!(admin.require(Scope::DirectoryRead).is_ok());
        assert_eq!(
            admin.require(Scope::DirectoryWrite).unwrap_err().code,
            "insufficient_scope"
        );
        assert!(admin.require_agency_admin(a).is_ok());
        assert_eq!(
            admin.require_agency_admin(AgencyId(2)).unwrap_err().code,
            "forbidden"
        );
        let member = token_actor(Role::Member, &Scope::ALL);
        assert!(member.require_agency_admin(a).is_err());
        assert!(member.require_system_admin().is_err());
        assert!(Actor::System.require_system_admin().is_ok());
    }
}
