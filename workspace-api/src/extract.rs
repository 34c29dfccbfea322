//! Request extractors and the response helpers that go with them. Every rejection is
//! problem+json: axum's own `Json`, `Query` and `Path` answer plain text, which API clients
//! cannot parse.
//!
//! - [`ApiJson`], [`ApiQuery`], [`ApiPath`]: body, query string and path ids.
//! - [`IfMatch`], [`etag`] and [`with_etag`]: optimistic concurrency. Every resource row has a `version`
//!   that each write bumps; its ETag is the strong tag `"v<version>"`. Updates and deletes
//!   must send the ETag they read: a missing `If-Match` is 428, a stale one 412.
//! - [`Actor`]: who performs a request. Its extractor signs the request in from the
//!   `Authorization: Bearer` header (API clients) or, when that header is absent, the
//!   session cookie (browsers), and rejects with 401 problem+json otherwise. What the actor
//!   may do is decided by the rules in [`crate::auth`].

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::auth::{Principal, SESSION_COOKIE, Scope};
use crate::error::ApiError;
use crate::routes::AppState;
use crate::store::Presented;

/// A JSON request body (`Content-Type: application/json` or `+json`, at most the configured
/// size). Whole numbers written as decimals (`20.0`) are integers, as JSON Schema has them
/// (see [`crate::json_numbers`]); otherwise it is axum's `Json`, with its rejections.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(JsonRejection::MissingJsonContentType(Default::default()).into());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(JsonRejection::from)?;
        let rewritten = crate::json_numbers::rewrite(&bytes);
        let axum::Json(value) =
            axum::Json::<T>::from_bytes(rewritten.as_deref().unwrap_or(&bytes))?;
        Ok(ApiJson(value))
    }
}

/// `application/json`, or any `application/…+json`, parameters allowed (what axum's `Json`
/// accepts).
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    kind.eq_ignore_ascii_case("application")
        && (subtype == "json" || (subtype.len() > 5 && subtype.ends_with("+json")))
}

/// Query-string parameters.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// Path parameters (ids).
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
    }
}

/// The principal behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Actor {
    /// The hub itself (bootstrap, seeding, maintenance); never the result of a request.
    System,
    /// A signed-in account.
    Account(Principal),
}

impl Actor {
    /// The name written to `audit_log.actor`: `system` or `account:<id>`.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::System => "system".to_owned(),
            Actor::Account(p) => format!("account:{}", p.account),
        }
    }

    /// The signed-in account behind a request, whose credential must carry `scope` (`None`:
    /// any). Requests never act as the system, so [`Actor::System`] answers 401 here.
    pub fn signed_in(&self, scope: impl Into<Option<Scope>>) -> Result<&Principal, ApiError> {
        if let Some(scope) = scope.into() {
            self.require(scope)?;
        }
        self.principal().ok_or_else(ApiError::unauthenticated)
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = presented(&parts.headers)?.ok_or_else(ApiError::unauthenticated)?;
        let principal = state.store.authenticate(presented).await?;
        Ok(Actor::Account(principal))
    }
}

/// The credential a request presents, if any. A bearer header wins over a cookie, so an API
/// client is never signed in by a browser cookie it happens to carry; an `Authorization`
/// header of another scheme is refused rather than ignored.
pub fn presented(headers: &HeaderMap) -> Result<Option<Presented<'_>>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::unauthenticated())?;
        let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(ApiError::unauthenticated());
        }
        return Ok(Some(Presented::BearerToken(token)));
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim_matches('"'));
    Ok(cookie
        .filter(|c| !c.is_empty())
        .map(Presented::SessionCookie))
}

/// The ETag header value of a resource version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("digits are a valid header value")
}

/// Headers carrying a version's ETag, for responses.
pub fn etag_headers(version: i64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::ETAG, etag(version));
    h
}

/// A single-resource answer: 200 with the JSON body and the ETag of `version` (the body's own
/// version, or for a memo's share list the memo's).
pub fn with_etag<T: serde::Serialize>(version: i64, body: T) -> Response {
    (etag_headers(version), axum::Json(body)).into_response()
}

/// The version named by a request's `If-Match` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub i64);

impl IfMatch {
    /// Parses one strong ETag of ours. A tag of another shape (weak, foreign) can never match
    /// the current version, so it yields a version no row has, which the store turns into 412.
    pub fn parse(value: &str) -> Result<IfMatch, ApiError> {
        let v = value.trim();
        if v == "*" || v.contains(',') {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_if_match",
                "Invalid If-Match",
                "If-Match에는 ETag 하나만 보내야 합니다.",
                "Send exactly one ETag (as read from the resource) in If-Match.",
            ));
        }
        let version = v
            .strip_prefix("\"v")
            .and_then(|s| s.strip_suffix('"'))
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(0);
        Ok(IfMatch(version))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::IF_MATCH)
            .ok_or_else(ApiError::precondition_required)?;
        IfMatch::parse(value.to_str().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_our_tags() {
        let tag = etag(42);
        assert_eq!(tag, "\"v42\"");
        assert_eq!(IfMatch::parse(tag.to_str().unwrap()).unwrap(), IfMatch(42));
    }

    #[test]
    fn foreign_tags_never_match() {
        assert_eq!(IfMatch::parse("W/\"v3\"").unwrap(), IfMatch(0));
        assert_eq!(IfMatch::parse("\"abc\"").unwrap(), IfMatch(0));
        assert_eq!(IfMatch::parse("\"v-1\"").unwrap(), IfMatch(0));
    }

    fn presented_of(pairs: &[(header::HeaderName, &str)]) -> Result<Option<String>, ApiError> {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k, HeaderValue::from_str(v).unwrap());
        }
        presented(&h).map(|p| p.map(|p| format!("{p:?}")))
    }

    #[test]
    fn credentials_come_from_bearer_or_cookie() {
        use header::{AUTHORIZATION, COOKIE};
        assert_eq!(presented_of(&[]).unwrap(), None);
        assert_eq!(
            presented_of(&[(AUTHORIZATION, "bearer abc")])
                .unwrap()
                .unwrap(),
            "BearerToken(\"abc\")"
        );
        assert_eq!(
            presented_of(&[(COOKIE, "a=1; govhub_session=xyz; b=2")])
                .unwrap()
                .unwrap(),
            "SessionCookie(\"xyz\")"
        );
        // The bearer header wins; other schemes and empty tokens are refused.
        assert!(
            presented_of(&[(AUTHORIZATION, "Bearer t"), (COOKIE, "govhub_session=c")])
                .unwrap()
                .unwrap()
                .contains("Bearer")
        );
        assert!(presented_of(&[(AUTHORIZATION, "Basic dTpw")]).is_err());
        assert!(presented_of(&[(AUTHORIZATION, "Bearer ")]).is_err());
        assert_eq!(presented_of(&[(COOKIE, "govhub_session=")]).unwrap(), None);
    }

    #[test]
    fn wildcard_and_lists_are_refused() {
        assert_eq!(IfMatch::parse("*").unwrap_err().code, "invalid_if_match");
        assert_eq!(
            IfMatch::parse("\"v1\", \"v2\"").unwrap_err().code,
            "invalid_if_match"
        );
    }
}
