//! Handlers for sign-in (`/auth/login`, `/auth/logout`, `/auth/me`) and personal API tokens
//! (`/me/tokens`). Account administration is in `accounts.rs`, OpenID Connect sign-in in
//! `oidc.rs`, the audit log in `audit.rs`.
//!
//! Token management needs a browser session: a leaked token must not be able to mint more
//! tokens or outlive its own revocation.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use crate::auth::{
    Account, AccountId, Credential, IssuedToken, LoginRequest, MAX_PASSWORD_CHARS, NewToken,
    SESSION_COOKIE, Scope, Scopes, TokenId, TokenInfo,
};
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, presented};
use crate::store::{Presented, now_ms};
use crate::validate::Check;

const DAY_MS: i64 = 86_400_000;
const DEFAULT_TOKEN_DAYS: i64 = 30;
const MAX_TOKEN_DAYS: i64 = 365;

/// How sign-in behaves; from [`crate::ApiConfig`].
#[derive(Debug, Clone, Copy)]
pub struct AuthSettings {
    pub session_ttl_ms: i64,
    pub secure_cookies: bool,
}

pub(super) fn session_cookie(
    settings: &AuthSettings,
    value: &str,
    max_age_secs: i64,
) -> HeaderValue {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let c = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    );
    // The secret is base64url, so the value is always a valid header.
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    account: Account,
    expires_ms: i64,
}

/// `POST /auth/login`: sets the session cookie and answers the account.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, description = "Signed in; sets the session cookie", body = SignedIn))
)]
pub async fn login(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let ttl = st.auth.session_ttl_ms;
    // Over-long passwords cannot match (accounts refuse them) and would only cost hashing.
    let password = if req.password.chars().count() > MAX_PASSWORD_CHARS {
        ""
    } else {
        req.password.as_str()
    };
    let session = st.store.login(&req.login, password, ttl).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        session_cookie(&st.auth, &session.secret, ttl / 1000),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let body = SignedIn {
        account: session.account,
        expires_ms: session.expires_ms,
    };
    Ok((headers, Json(body)).into_response())
}

/// `POST /auth/logout`: revokes the cookie's session (if it is still one) and clears it.
/// Always 204, so a browser can sign out whatever state it is in.
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "auth",
    responses((status = 204, description = "Signed out; clears the session cookie"))
)]
pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Ok(Some(p @ Presented::SessionCookie(_))) = presented(&headers)
        && let Ok(principal) = st.store.authenticate(p).await
        && let Credential::Session(session) = principal.credential
    {
        st.store.logout(&Actor::Account(principal), session).await?;
    }
    let mut out = HeaderMap::new();
    out.insert(header::SET_COOKIE, session_cookie(&st.auth, "", 0));
    Ok((StatusCode::NO_CONTENT, out).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    account: Account,
    /// `session` or `token`.
    via: &'static str,
    /// What this credential may do (every scope for a session).
    #[schema(value_type = Vec<Scope>)]
    scopes: Scopes,
}

/// `GET /auth/me`.
#[utoipa::path(
    get,
    path = "/auth/me",
    tag = "auth",
    responses((status = 200, description = "The signed-in account", body = Me))
)]
pub async fn me(State(st): State<AppState>, actor: Actor) -> Result<Json<Me>, ApiError> {
    let p = actor.signed_in(None)?;
    let (via, scopes) = match p.credential {
        Credential::Session(_) | Credential::OnBehalf => {
            ("session", Scope::ALL.into_iter().collect())
        }
        Credential::Token(_, scopes) => ("token", scopes),
    };
    let account = st.store.get_account(p.account).await?;
    Ok(Json(Me {
        account,
        via,
        scopes,
    }))
}

pub(super) fn session_owner(actor: &Actor) -> Result<AccountId, ApiError> {
    match actor.principal() {
        Some(p) if matches!(p.credential, Credential::Session(_)) => Ok(p.account),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "Session required",
            "API 토큰 관리는 로그인한 브라우저 세션에서만 할 수 있습니다.",
            "API tokens can only be managed from a signed-in session, not with a token.",
        )),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenList {
    items: Vec<TokenInfo>,
}

/// `GET /me/tokens`.
#[utoipa::path(
    get,
    path = "/me/tokens",
    tag = "auth",
    responses((status = 200, description = "My personal API tokens", body = TokenList))
)]
pub async fn list_tokens(
    State(st): State<AppState>,
    actor: Actor,
) -> Result<Json<TokenList>, ApiError> {
    let owner = session_owner(&actor)?;
    Ok(Json(TokenList {
        items: st.store.list_tokens(owner).await?,
    }))
}

/// `POST /me/tokens`: 201 with the token's secret, shown this once.
#[utoipa::path(
    post,
    path = "/me/tokens",
    tag = "auth",
    request_body = NewToken,
    responses((status = 201, description = "The new token; the only time its secret is shown", body = IssuedToken))
)]
pub async fn create_token(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    let owner = session_owner(&actor)?;
    let mut c = Check::default();
    c.text("name", &mut new.name, 100, true);
    if new.scopes.is_empty() {
        c.fail(
            "scopes",
            "권한 범위를 하나 이상 고르세요.",
            "Choose at least one scope.",
        );
    }
    let days = new.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        c.fail(
            "expires_in_days",
            "1~365일이어야 합니다.",
            "Must be 1 to 365 days.",
        );
    }
    c.finish()?;
    let scopes: Scopes = new.scopes.iter().copied().collect();
    let expires = now_ms() + days * DAY_MS;
    let issued = st
        .store
        .create_token(&actor, owner, &new.name, scopes, expires)
        .await?;
    let mut res = created(format!("/api/v1/me/tokens/{}", issued.info.id), 1, issued);
    res.headers_mut().remove(header::ETAG);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `DELETE /me/tokens/{id}`: 204; revoking twice is fine; another account's token is 404.
#[utoipa::path(
    delete,
    path = "/me/tokens/{id}",
    tag = "auth",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 204, description = "Revoked"))
)]
pub async fn revoke_token(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<TokenId>,
) -> Result<StatusCode, ApiError> {
    let owner = session_owner(&actor)?;
    st.store.revoke_token(&actor, owner, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}
