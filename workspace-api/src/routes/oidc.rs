//! Handlers for OpenID Connect sign-in: `/auth/providers` (what the sign-in screen offers),
//! `/auth/oidc/{provider}/start` (302 to the provider) and `/auth/oidc/{provider}/callback`
//! (302 to `/app/` with the same session cookie as a password sign-in).
//!
//! `start` keeps the flow server-side (state, nonce, PKCE verifier; see `store/oidc.rs`) and
//! binds it to the browser with a short-lived HttpOnly cookie holding a second secret, so a
//! callback URL carried to another browser (login CSRF, a stolen redirect) is refused.
//! Every refused callback is audited as `login_failed` with the provider and the reason.
//! A refusal reached by a browser page load (see [`page_load`]) is a 302 to the sign-in
//! screen with the problem's code (`/app/signin?error=<code>`), which shows it in the user's
//! language; other clients (asking for JSON) get the problem+json.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::session_cookie;
use crate::auth::oidc::{FLOW_COOKIE, FLOW_TTL_MS, OidcError, OidcProvider};
use crate::auth::{AccountId, NewSession, new_secret, secret_hash};
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::openapi::PREFIX;
use crate::store::{OidcFlow, OidcIdentity, OidcOutcome, StoreError};

/// Where a browser lands after signing in.
const APP_PATH: &str = "/app/";
/// Where a browser lands when the sign-in failed; `?error=<problem code>` is appended.
const SIGNIN_PATH: &str = "/app/signin";
/// Longer `state` or `code` values are not ours or not sane; refused before any lookup.
const MAX_PARAM_CHARS: usize = 2048;

/// A provider as the sign-in screen shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderInfo {
    id: String,
    name_ko: String,
    name_en: String,
    /// Send the browser here (a top-level navigation) to sign in.
    start_url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderList {
    items: Vec<ProviderInfo>,
}

/// `GET /auth/providers`: the configured identity providers (public).
#[utoipa::path(
    get,
    path = "/auth/providers",
    tag = "auth",
    security(()),
    responses((status = 200, description = "Configured OpenID Connect providers", body = ProviderList))
)]
pub async fn providers(State(st): State<AppState>) -> Json<ProviderList> {
    let items = st
        .oidc
        .providers()
        .map(|p| ProviderInfo {
            id: p.id.clone(),
            name_ko: p.name_ko.clone(),
            name_en: p.name_en.clone(),
            start_url: format!("{PREFIX}/auth/oidc/{}/start", p.id),
        })
        .collect();
    Json(ProviderList { items })
}

fn flow_cookie(secure: bool, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let c = format!(
        "{FLOW_COOKIE}={value}; Path={PREFIX}/auth/oidc/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn redirect(to: &str) -> Result<(StatusCode, HeaderMap), ApiError> {
    let mut h = HeaderMap::new();
    let location = HeaderValue::from_str(to)
        .map_err(|_| OidcError::Misconfigured("authorization endpoint URL".into()))?;
    h.insert(header::LOCATION, location);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok((StatusCode::FOUND, h))
}

/// `GET /auth/oidc/{provider}/start`: 302 to the provider's authorization endpoint.
#[utoipa::path(
    get,
    path = "/auth/oidc/{provider}/start",
    tag = "auth",
    security(()),
    params(("provider" = String, Path, description = "Provider id from /auth/providers")),
    responses((status = 302, description = "To the identity provider (Location); sets the short-lived flow cookie"))
)]
pub async fn start(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    st.oidc.provider(&id)?;
    let (state, nonce, verifier, browser) =
        (new_secret(), new_secret(), new_secret(), new_secret());
    let url = st
        .oidc
        .authorization_url(&id, &state, &nonce, &verifier)
        .await?;
    let flow = OidcFlow {
        provider: id,
        browser_hash: secret_hash(&browser),
        nonce,
        code_verifier: verifier,
    };
    st.store.save_oidc_flow(&state, &flow, FLOW_TTL_MS).await?;
    let (status, mut headers) = redirect(&url)?;
    let cookie = flow_cookie(st.auth.secure_cookies, &browser, FLOW_TTL_MS / 1000);
    headers.insert(header::SET_COOKIE, cookie);
    Ok((status, headers).into_response())
}

/// What the provider sends back; other parameters (e.g. `session_state`) are ignored.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    /// The provider's refusal (e.g. `access_denied`).
    error: Option<String>,
    /// RFC 9207: the issuer that answers; must be the provider's when present.
    iss: Option<String>,
}

/// `GET /auth/oidc/{provider}/callback`: exchanges the code, verifies the ID token, signs in.
#[utoipa::path(
    get,
    path = "/auth/oidc/{provider}/callback",
    tag = "auth",
    security(()),
    params(("provider" = String, Path, description = "Provider id"), CallbackParams),
    responses(
        (status = 302, description = "Signed in: to /app/ (Location) with the session cookie. \
            Refused, for a browser page load: to /app/signin?error=<problem code>"),
        (status = 400, description = "Refused, for a client asking for JSON: problem+json \
            (also 401, 403, 404, 502, 503 by the reason)")
    )
)]
pub async fn callback(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    query: Result<ApiQuery<CallbackParams>, ApiError>,
) -> Result<Response, ApiError> {
    let page = page_load(&headers);
    let answer = match query {
        Ok(ApiQuery(q)) => callback_checked(&st, &id, &headers, q).await,
        Err(e) => Err(e),
    };
    match answer {
        Err(e) if page => {
            let (status, headers) = redirect(&format!("{SIGNIN_PATH}?error={}", e.code))?;
            Ok((status, headers).into_response())
        }
        other => other,
    }
}

/// Whether the request is a browser loading a page (the provider's redirect back), rather
/// than a client asking for JSON: a navigation (`Sec-Fetch-Mode: navigate`), or an `Accept`
/// that lists `text/html` and not JSON.
fn page_load(headers: &HeaderMap) -> bool {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    if text("sec-fetch-mode") == "navigate" {
        return true;
    }
    let accept = text("accept");
    accept.contains("text/html") && !accept.contains("json")
}

async fn callback_checked(
    st: &AppState,
    id: &str,
    headers: &HeaderMap,
    q: CallbackParams,
) -> Result<Response, ApiError> {
    let provider = st.oidc.provider(id)?.clone();
    match finish(st, &provider, headers, q).await? {
        Ok(session) => signed_in(st, session),
        Err((err, account)) => {
            st.store
                .audit_oidc_failure(&provider.id, err.reason(), account)
                .await?;
            Err(err.into())
        }
    }
}

type Refusal = (OidcError, Option<AccountId>);

/// The callback's checks in order; the outer error is the store's, the inner a refusal.
async fn finish(
    st: &AppState,
    p: &OidcProvider,
    headers: &HeaderMap,
    q: CallbackParams,
) -> Result<Result<NewSession, Refusal>, StoreError> {
    let refuse = |e: OidcError| Ok(Err((e, None)));
    let sane = |v: &Option<String>| {
        v.as_deref()
            .filter(|s| s.len() <= MAX_PARAM_CHARS)
            .map(str::to_owned)
    };
    let Some(state) = sane(&q.state) else {
        return refuse(OidcError::BadState);
    };
    let Some(flow) = st.store.take_oidc_flow(&state).await? else {
        return refuse(OidcError::BadState);
    };
    let browser = flow_cookie_value(headers).map(secret_hash);
    let bound = browser.as_deref() == Some(flow.browser_hash.as_str());
    if flow.provider != p.id || !bound || q.iss.as_ref().is_some_and(|i| *i != p.issuer) {
        return refuse(OidcError::BadState);
    }
    if let Some(error) = &q.error {
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        return refuse(OidcError::Denied(error));
    }
    let Some(code) = sane(&q.code) else {
        return refuse(OidcError::BadState);
    };
    let claims = match st
        .oidc
        .exchange(&p.id, &code, &flow.code_verifier, &flow.nonce)
        .await
    {
        Ok(c) => c,
        Err(e) => return refuse(e),
    };
    let identity = OidcIdentity {
        provider: p.id.clone(),
        issuer: claims.issuer,
        subject: claims.subject,
        verified_email: claims.verified_email,
        name: claims.name,
        agency_code: p.agency.clone(),
        link_by_email: p.link_by_email,
        auto_provision: p.auto_provision,
    };
    Ok(
        match st
            .store
            .oidc_sign_in(&identity, st.auth.session_ttl_ms)
            .await?
        {
            OidcOutcome::SignedIn(session) => Ok(session),
            OidcOutcome::NoAccount => Err((OidcError::NoAccount, None)),
            OidcOutcome::Disabled(a) => Err((OidcError::AccountDisabled, Some(a))),
            OidcOutcome::UnknownAgency => {
                let e = OidcError::Misconfigured(format!("agency {:?} does not exist", p.agency));
                Err((e, None))
            }
        },
    )
}

fn flow_cookie_value(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == FLOW_COOKIE)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

fn signed_in(st: &AppState, session: NewSession) -> Result<Response, ApiError> {
    let (status, mut headers) = redirect(APP_PATH)?;
    let ttl = st.auth.session_ttl_ms / 1000;
    headers.append(
        header::SET_COOKIE,
        session_cookie(&st.auth, &session.secret, ttl),
    );
    headers.append(
        header::SET_COOKIE,
        flow_cookie(st.auth.secure_cookies, "", 0),
    );
    Ok((status, headers).into_response())
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(providers))
        .routes(routes!(start))
        .routes(routes!(callback))
}
