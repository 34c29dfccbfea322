//! Request extractors and the response helpers that go with them. Every rejection is
//! problem+json: axum's own `Json`, `Query` and `Path` answer plain text, which API clients
//! cannot parse.
//!
//! - [`ApiJson`], [`ApiQuery`], [`ApiPath`]: body, query string and path ids.
//! - [`IfMatch`] and [`etag`]: optimistic concurrency. Every resource row has a `version`
//!   that each write bumps; its ETag is the strong tag `"v<version>"`. Updates and deletes
//!   must send the ETag they read: a missing `If-Match` is 428, a stale one 412.
//! - [`Actor`]: who performs a request, the seam where authentication plugs in.
//!
//! There is NO authentication yet. Every request is the system actor, and that is what the
//! audit log records. TODO(issue 3, accounts and sign-in): resolve the actor from the
//! session cookie or bearer token in `Actor`'s extractor, reject with 401 when absent, and
//! authorise writes by role and agency membership in the handlers.

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body (`Content-Type: application/json`, at most the configured size).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
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
    /// The hub itself (and, until accounts land, every caller).
    System,
}

impl Actor {
    /// The name written to `audit_log.actor`.
    pub fn audit_name(&self) -> &'static str {
        match self {
            Actor::System => "system",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Actor::System)
    }
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

    #[test]
    fn wildcard_and_lists_are_refused() {
        assert_eq!(IfMatch::parse("*").unwrap_err().code, "invalid_if_match");
        assert_eq!(
            IfMatch::parse("\"v1\", \"v2\"").unwrap_err().code,
            "invalid_if_match"
        );
    }
}
