//! Room-scoped join tokens: short-lived JWTs (HS256) signed with the hub's secret.
//!
//! A join token says "the bearer may take one seat in room R, shown as N, until T". The hub
//! issues them (the development endpoint, `govhub token`, or the workspace API) and checks
//! them on `join`. Resume tokens are a different thing: random opaque strings held by the
//! room registry, never JWTs, because they only ever go back to the hub that minted them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sfu::RoomId;

/// The only `kind` a join token carries; other kinds of hub JWTs cannot be used to join.
pub const JOIN_KIND: &str = "join";

/// The claims of a join token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinClaims {
    /// The one room this token admits to.
    pub room: RoomId,
    /// The display name the holder gets; wins over the name in `join`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A random id for the token holder (for audit logs; not the participant id).
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: u64,
    /// Always [`JOIN_KIND`].
    pub kind: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid: {0}")]
    Invalid(String),
    #[error("the token is for another room")]
    WrongRoom,
}

/// Signs and checks join tokens with one HS256 secret.
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("TokenIssuer").finish_non_exhaustive()
    }
}

impl TokenIssuer {
    /// `secret` should be at least 32 random bytes.
    pub fn new(secret: &[u8]) -> Self {
        // Pin the provider explicitly: if another crate in the build turns on jsonwebtoken's
        // `rust_crypto` too, automatic selection would refuse to pick one at run time.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let mut validation = Validation::new(Algorithm::HS256);
        // Issuer and verifier are the same hub, so there is no clock skew to forgive.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// A token for one seat in `room`, valid for `ttl` from now.
    pub fn issue(&self, room: &RoomId, name: Option<&str>, ttl: Duration) -> String {
        let now = unix_now();
        self.issue_at(room, name, now, now.saturating_add(ttl.as_secs()))
    }

    fn issue_at(&self, room: &RoomId, name: Option<&str>, iat: u64, exp: u64) -> String {
        let claims = JoinClaims {
            room: room.clone(),
            name: name.map(str::to_owned),
            sub: format!("{:032x}", rand::rng().random::<u128>()),
            exp,
            iat,
            kind: JOIN_KIND.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// Checks signature, expiry and kind; any room.
    pub fn verify(&self, token: &str) -> Result<JoinClaims, TokenError> {
        let data = jsonwebtoken::decode::<JoinClaims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid(e.to_string()),
            })?;
        if data.claims.kind != JOIN_KIND {
            return Err(TokenError::Invalid(format!(
                "not a join token: {}",
                data.claims.kind
            )));
        }
        Ok(data.claims)
    }

    /// [`verify`](Self::verify), then checks that the token is for `room`.
    pub fn verify_for_room(&self, token: &str, room: &RoomId) -> Result<JoinClaims, TokenError> {
        let claims = self.verify(token)?;
        if &claims.room != room {
            return Err(TokenError::WrongRoom);
        }
        Ok(claims)
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(b"test secret, long enough for HS256!")
    }

    #[test]
    fn round_trip_keeps_claims() {
        let room = RoomId::from("국회-본회의");
        let token = issuer().issue(&room, Some("김민수"), Duration::from_secs(60));
        let claims = issuer().verify_for_room(&token, &room).unwrap();
        assert_eq!(claims.room, room);
        assert_eq!(claims.name.as_deref(), Some("김민수"));
        assert_eq!(claims.kind, JOIN_KIND);
        assert_eq!(claims.exp, claims.iat + 60);
        assert_eq!(claims.sub.len(), 32);
    }

    #[test]
    fn expired_is_told_apart() {
        let now = unix_now();
        let token = issuer().issue_at(&RoomId::from("r"), None, now - 120, now - 60);
        assert_eq!(issuer().verify(&token), Err(TokenError::Expired));
    }

    #[test]
    fn tampered_payload_is_invalid() {
        let token = issuer().issue(&RoomId::from("a"), None, Duration::from_secs(60));
        let other = issuer().issue(&RoomId::from("b"), None, Duration::from_secs(60));
        // Graft b's payload onto a's signature.
        let parts: Vec<&str> = token.split('.').collect();
        let other_parts: Vec<&str> = other.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
        assert!(matches!(
            issuer().verify(&forged),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn other_secret_is_invalid() {
        let token = TokenIssuer::new(b"another secret entirely, also long").issue(
            &RoomId::from("a"),
            None,
            Duration::from_secs(60),
        );
        assert!(matches!(
            issuer().verify(&token),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn garbage_is_invalid() {
        for junk in ["", "abc", "a.b.c", "🙂.🙂.🙂"] {
            assert!(
                matches!(issuer().verify(junk), Err(TokenError::Invalid(_))),
                "{junk}"
            );
        }
    }

    #[test]
    fn wrong_room_is_refused() {
        let token = issuer().issue(&RoomId::from("a"), None, Duration::from_secs(60));
        assert_eq!(
            issuer().verify_for_room(&token, &RoomId::from("b")),
            Err(TokenError::WrongRoom)
        );
    }

    #[test]
    fn other_kind_is_invalid() {
        let i = issuer();
        let now = unix_now();
        let claims = JoinClaims {
            room: RoomId::from("a"),
            name: None,
            sub: "x".into(),
            exp: now + 60,
            iat: now,
            kind: "admin".into(),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &i.encoding).unwrap();
        assert!(matches!(i.verify(&token), Err(TokenError::Invalid(_))));
    }
}
