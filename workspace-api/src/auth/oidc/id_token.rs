//! ID token checks (OpenID Connect Core §3.1.3.7): the signature by a key of the provider's
//! JWKS with an asymmetric algorithm that fits the key (never `none` or HMAC, whose "key"
//! would be public), the issuer, the audience (and `azp` when there are several), the
//! expiry (one minute of clock skew) and the nonce this flow sent.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

use super::TokenProblem;

const LEEWAY_SECS: u64 = 60;

/// The claims of a verified ID token that sign-in uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub issuer: String,
    pub subject: String,
    /// Present only when the provider says it verified it (`email_verified`).
    pub verified_email: Option<String>,
    pub name: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(serde::de::IgnoredAny),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct RawClaims {
    iss: String,
    sub: String,
    aud: OneOrMany,
    azp: Option<String>,
    nonce: Option<String>,
    email: Option<String>,
    /// A boolean, or the string "true" from some providers.
    email_verified: Option<serde_json::Value>,
    name: Option<String>,
    preferred_username: Option<String>,
}

/// The algorithms a key may verify: by its type and curve, narrowed by its `alg`.
fn algorithms_for(jwk: &Jwk) -> Vec<Algorithm> {
    use Algorithm::*;
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![RS256, RS384, RS512, PS256, PS384, PS512],
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => vec![ES256],
            EllipticCurve::P384 => vec![ES384],
            _ => vec![],
        },
        AlgorithmParameters::OctetKeyPair(_) => vec![EdDSA],
        _ => vec![],
    };
    match jwk.common.key_algorithm {
        Some(named) => by_type
            .into_iter()
            .filter(|a| Algorithm::try_from(named).ok() == Some(*a))
            .collect(),
        None => by_type,
    }
}

/// The key the token names (or the only signing key when it names none).
fn key_for<'a>(jwks: &'a JwkSet, kid: Option<&str>) -> Option<&'a Jwk> {
    let signing = |k: &&Jwk| {
        !matches!(
            k.common.public_key_use,
            Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
        )
    };
    match kid {
        Some(kid) => jwks.find(kid).filter(signing),
        None => {
            let mut keys = jwks.keys.iter().filter(signing);
            let only = keys.next();
            if keys.next().is_some() { None } else { only }
        }
    }
}

fn problem_of(err: &jsonwebtoken::errors::Error) -> TokenProblem {
    use jsonwebtoken::errors::ErrorKind as K;
    match err.kind() {
        K::InvalidSignature => TokenProblem::BadSignature,
        K::ExpiredSignature => TokenProblem::Expired,
        K::InvalidIssuer => TokenProblem::WrongIssuer,
        K::InvalidAudience => TokenProblem::WrongAudience,
        K::MissingRequiredClaim(c) if c == "aud" => TokenProblem::WrongAudience,
        K::MissingRequiredClaim(c) if c == "iss" => TokenProblem::WrongIssuer,
        K::InvalidAlgorithm | K::InvalidAlgorithmName | K::UnsupportedAlgorithm => {
            TokenProblem::BadAlgorithm
        }
        _ => TokenProblem::Malformed,
    }
}

/// Verifies `token` and answers its claims.
pub(super) fn verify(
    token: &str,
    jwks: &JwkSet,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<IdClaims, TokenProblem> {
    let header = decode_header(token).map_err(|e| problem_of(&e))?;
    let jwk = key_for(jwks, header.kid.as_deref()).ok_or(TokenProblem::UnknownKey)?;
    if !algorithms_for(jwk).contains(&header.alg) {
        return Err(TokenProblem::BadAlgorithm);
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|_| TokenProblem::UnknownKey)?;
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[issuer]);
    v.set_audience(&[client_id]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = LEEWAY_SECS;
    let raw = decode::<RawClaims>(token, &key, &v)
        .map_err(|e| problem_of(&e))?
        .claims;
    let several = matches!(&raw.aud, OneOrMany::Many(a) if a.len() > 1);
    if raw.azp.as_deref().is_some_and(|azp| azp != client_id) || (several && raw.azp.is_none()) {
        return Err(TokenProblem::WrongAudience);
    }
    if raw.nonce.as_deref() != Some(nonce) {
        return Err(TokenProblem::WrongNonce);
    }
    let verified = match raw.email_verified {
        Some(serde_json::Value::Bool(b)) => b,
        Some(serde_json::Value::String(s)) => s == "true",
        _ => false,
    };
    Ok(IdClaims {
        issuer: raw.iss,
        subject: raw.sub,
        verified_email: raw
            .email
            .filter(|_| verified)
            .map(|e| e.trim().to_lowercase()),
        name: raw.name.or(raw.preferred_username),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(json: serde_json::Value) -> Jwk {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn symmetric_keys_and_mismatched_algorithms_are_refused() {
        let hmac = jwk(serde_json::json!({"kty": "oct", "k": "c2VjcmV0"}));
        assert!(algorithms_for(&hmac).is_empty());
        let ec = jwk(serde_json::json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}));
        assert_eq!(algorithms_for(&ec), vec![Algorithm::ES256]);
        let rsa = jwk(serde_json::json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "alg": "RS256"}));
        assert_eq!(algorithms_for(&rsa), vec![Algorithm::RS256]);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let set = JwkSet { keys: vec![] };
        for t in ["", "a.b.c", "....", "eyJhbGciOiJub25lIn0.e30."] {
            let e = verify(t, &set, "i", "c", "n").unwrap_err();
            assert!(
                matches!(
                    e,
                    TokenProblem::Malformed | TokenProblem::UnknownKey | TokenProblem::BadAlgorithm
                ),
                "{t}: {e:?}"
            );
        }
    }
}
