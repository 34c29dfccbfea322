//! OpenID Connect sign-in to agency identity providers (authorization code flow with PKCE,
//! `state` and `nonce`).
//!
//! Role: the provider configuration ([`OidcProvider`], given by the binary), the outbound
//! half of the flow ([`Oidc`]: the authorization URL, the code exchange, ID token checks) and
//! the typed failures ([`OidcError`]) with their problem+json answers. The flow's server-side
//! state and the linking of identities to accounts are in `store/oidc.rs`; the handlers in
//! `routes/oidc.rs`.
//!
//! Layout: this file holds configuration, errors and [`Oidc`]; `client.rs` the HTTP calls
//! (discovery, JWKS, token endpoint) and their cache; `id_token.rs` the ID token checks.
//!
//! Crates: `reqwest` (rustls on aws-lc-rs) and `jsonwebtoken` (aws-lc-rs) rather than the
//! `openidconnect` crate, whose v4 brings reqwest 0.12 on ring and a second, RustCrypto
//! stack (`rsa`, `p256`, `p384`, `ed25519-dalek`) next to the aws-lc-rs the hub already uses.
//! The flow itself is small; what matters is that every check is made, and each has a test.

mod client;
mod id_token;

use axum::http::StatusCode;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use client::Oidc;
pub use id_token::IdClaims;

use crate::error::ApiError;

/// How long a started sign-in may take before its state expires.
pub const FLOW_TTL_MS: i64 = 10 * 60_000;
/// Name of the cookie binding a sign-in flow to the browser that started it.
pub const FLOW_COOKIE: &str = "govhub_oidc";

/// A client secret; never printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ClientSecret(pub String);

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

/// One agency identity provider, as configured (see docs/api.md for the file format).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// Short name in URLs: 1–32 of `a-z`, `0-9`, `-`.
    pub id: String,
    pub name_ko: String,
    pub name_en: String,
    /// The issuer identifier; discovery is at `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: ClientSecret,
    /// Public base URL of the hub (e.g. `https://govhub.example.go.kr`); the redirect URI
    /// registered at the provider is `<redirect_base>/api/v1/auth/oidc/<id>/callback`.
    pub redirect_base: String,
    /// Code of the agency that new accounts join, and the only agency whose accounts an
    /// e-mail match may link to.
    #[serde(default)]
    pub agency: Option<String>,
    /// Requested scopes; `openid` is always added.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Link a first sign-in to an existing account by the provider's verified e-mail (the
    /// account's login or its employee's e-mail).
    #[serde(default)]
    pub link_by_email: bool,
    /// Create a `member` account for an identity that links to none.
    #[serde(default = "yes")]
    pub auto_provision: bool,
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}

fn yes() -> bool {
    true
}

impl OidcProvider {
    /// The redirect URI the provider sends the browser back to.
    pub fn redirect_uri(&self) -> String {
        format!(
            "{}{}/auth/oidc/{}/callback",
            self.redirect_base.trim_end_matches('/'),
            crate::openapi::PREFIX,
            self.id
        )
    }

    /// Checks the configuration; the binary refuses to start with an invalid provider.
    pub fn check(&self) -> Result<(), String> {
        let id_ok = (1..=32).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(format!(
                "provider id {:?}: use 1-32 of a-z, 0-9, -",
                self.id
            ));
        }
        for (what, value) in [
            ("issuer", &self.issuer),
            ("redirect_base", &self.redirect_base),
        ] {
            check_url(value).map_err(|e| format!("provider {}: {what}: {e}", self.id))?;
        }
        if self.client_id.is_empty() || self.name_ko.is_empty() {
            return Err(format!(
                "provider {}: client_id and name_ko are required",
                self.id
            ));
        }
        Ok(())
    }
}

/// HTTPS, or plain HTTP to this machine only (development and tests).
fn check_url(value: &str) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| e.to_string())?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err("must be an https:// URL (http:// only for localhost)".into()),
    }
}

/// Checks every provider and that their ids differ.
pub fn check_providers(providers: &[OidcProvider]) -> Result<(), String> {
    for (i, p) in providers.iter().enumerate() {
        p.check()?;
        if providers[..i].iter().any(|q| q.id == p.id) {
            return Err(format!("provider id {} is configured twice", p.id));
        }
    }
    Ok(())
}

/// The PKCE S256 challenge of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Why an ID token was refused (the audit log's `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Malformed,
    UnknownKey,
    BadAlgorithm,
    BadSignature,
    WrongIssuer,
    WrongAudience,
    Expired,
    WrongNonce,
}

impl TokenProblem {
    pub fn reason(self) -> &'static str {
        match self {
            TokenProblem::Malformed => "malformed_id_token",
            TokenProblem::UnknownKey => "unknown_key",
            TokenProblem::BadAlgorithm => "bad_algorithm",
            TokenProblem::BadSignature => "bad_signature",
            TokenProblem::WrongIssuer => "wrong_issuer",
            TokenProblem::WrongAudience => "wrong_audience",
            TokenProblem::Expired => "expired",
            TokenProblem::WrongNonce => "wrong_nonce",
        }
    }
}

/// Why an OpenID Connect sign-in failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("no such identity provider")]
    UnknownProvider,
    /// Missing, unknown, expired or reused `state`, or a flow cookie that does not match.
    #[error("invalid sign-in state")]
    BadState,
    #[error("the identity provider refused: {0}")]
    Denied(String),
    #[error("the identity provider rejected the authorization code")]
    CodeRejected,
    #[error("ID token refused: {0:?}")]
    Token(TokenProblem),
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
    #[error("no account for this identity")]
    NoAccount,
    #[error("the account is disabled")]
    AccountDisabled,
    #[error("provider misconfigured: {0}")]
    Misconfigured(String),
}

impl OidcError {
    /// The audit log's `reason` for this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            OidcError::UnknownProvider => "unknown_provider",
            OidcError::BadState => "bad_state",
            OidcError::Denied(_) => "denied",
            OidcError::CodeRejected => "code_rejected",
            OidcError::Token(p) => p.reason(),
            OidcError::Unavailable(_) => "provider_unavailable",
            OidcError::NoAccount => "no_account",
            OidcError::AccountDisabled => "account_disabled",
            OidcError::Misconfigured(_) => "misconfigured",
        }
    }
}

impl From<OidcError> for ApiError {
    fn from(err: OidcError) -> Self {
        use StatusCode as S;
        let (status, code, title, ko, en): (_, _, _, &str, String) = match &err {
            OidcError::UnknownProvider => (
                S::NOT_FOUND,
                "oidc_provider_not_found",
                "Not found",
                "설정되지 않은 인증 제공자입니다.",
                "No identity provider has this id.".into(),
            ),
            OidcError::BadState => (
                S::BAD_REQUEST,
                "oidc_state_invalid",
                "Invalid sign-in state",
                "로그인 요청이 만료되었거나 올바르지 않습니다. 다시 로그인하세요.",
                "This sign-in is unknown, expired or already used; start again.".into(),
            ),
            OidcError::Denied(e) => (
                S::UNAUTHORIZED,
                "oidc_denied",
                "Sign-in refused",
                "인증 제공자가 로그인을 거부했습니다.",
                format!("The identity provider refused the sign-in ({e})."),
            ),
            OidcError::CodeRejected => (
                S::UNAUTHORIZED,
                "oidc_code_rejected",
                "Sign-in refused",
                "인증 코드가 거부되었습니다. 다시 로그인하세요.",
                "The identity provider rejected the authorization code; start again.".into(),
            ),
            OidcError::Token(p) => (
                S::UNAUTHORIZED,
                "oidc_token_invalid",
                "Invalid ID token",
                "인증 제공자의 신원 토큰이 유효하지 않습니다.",
                format!(
                    "The identity provider's ID token was refused ({}).",
                    p.reason()
                ),
            ),
            OidcError::Unavailable(_) => (
                S::BAD_GATEWAY,
                "oidc_provider_unavailable",
                "Identity provider unavailable",
                "인증 제공자에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
                "The identity provider could not be reached or answered badly; try again later."
                    .into(),
            ),
            OidcError::NoAccount => (
                S::FORBIDDEN,
                "oidc_no_account",
                "No account",
                "이 신원에 연결된 계정이 없습니다. 관리자에게 문의하세요.",
                "No account is linked to this identity; ask an administrator.".into(),
            ),
            OidcError::AccountDisabled => (
                S::FORBIDDEN,
                "account_disabled",
                "Account disabled",
                "비활성화된 계정입니다.",
                "This account is disabled.".into(),
            ),
            OidcError::Misconfigured(_) => (
                S::SERVICE_UNAVAILABLE,
                "oidc_misconfigured",
                "Sign-in misconfigured",
                "인증 제공자 설정이 올바르지 않습니다. 관리자에게 문의하세요.",
                "This identity provider is misconfigured on the hub; tell an administrator.".into(),
            ),
        };
        if matches!(err, OidcError::Unavailable(_) | OidcError::Misconfigured(_)) {
            tracing::warn!(error = %err, "OpenID Connect sign-in failed");
        }
        ApiError::new(status, code, title, ko, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> OidcProvider {
        OidcProvider {
            id: "mois".into(),
            name_ko: "행정안전부".into(),
            name_en: "MOIS".into(),
            issuer: "https://sso.mois.go.kr".into(),
            client_id: "govhub".into(),
            client_secret: ClientSecret("s".into()),
            redirect_base: "https://hub.go.kr/".into(),
            agency: None,
            scopes: default_scopes(),
            link_by_email: false,
            auto_provision: true,
        }
    }

    #[test]
    fn config_checks() {
        let p = provider();
        assert!(p.check().is_ok());
        assert_eq!(
            p.redirect_uri(),
            "https://hub.go.kr/api/v1/auth/oidc/mois/callback"
        );
        assert!(format!("{p:?}").contains("ClientSecret(***)"));
        for bad in [
            OidcProvider {
                id: "Bad Id".into(),
                ..provider()
            },
            OidcProvider {
                issuer: "http://sso.mois.go.kr".into(),
                ..provider()
            },
            OidcProvider {
                redirect_base: "not a url".into(),
                ..provider()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        let local = OidcProvider {
            issuer: "http://127.0.0.1:8080".into(),
            ..provider()
        };
        assert!(local.check().is_ok());
        assert!(check_providers(&[provider(), provider()]).is_err());
    }

    #[test]
    fn pkce_matches_rfc7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
