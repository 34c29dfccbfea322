//! `Idempotency-Key` on POST requests (IETF draft "The Idempotency-Key HTTP Header Field"):
//! a client that retries a create after a timeout gets the first answer again instead of a
//! second record.
//!
//! The middleware keys by (account, key): it signs the request in itself, so anonymous
//! requests (sign-in, guest join) simply run. The first request claims the key; its 2xx
//! answer is stored for 24 h and replayed (with `Idempotency-Replayed: true`) to a retry
//! with the same method, path and body. A non-2xx answer releases the key, so a corrected
//! retry may reuse it. The same key on a different request is 422 `idempotency_key_reused`;
//! a retry while the first still runs is 409 `idempotency_in_progress`.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::extract::presented;
use crate::routes::AppState;
use crate::store::{KeyState, StoredResponse};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");
pub(crate) const MAX_KEY_LEN: usize = 255;
/// Response headers a replay repeats.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

fn problem(
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    ko: &str,
    en: &str,
) -> Response {
    ApiError::new(status, code, title, ko, en).into_response()
}

fn parse_key(value: &HeaderValue) -> Option<String> {
    let k = value.to_str().ok()?;
    let ok = !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| k.to_owned())
}

/// The middleware; see the module docs.
pub async fn layer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(value) = req.headers().get(&IDEMPOTENCY_KEY) else {
        return next.run(req).await;
    };
    let Some(key) = parse_key(value) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "Invalid Idempotency-Key",
            "Idempotency-Key는 공백 없는 ASCII 1~255자여야 합니다.",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        );
    };
    let account = match presented(req.headers()) {
        Ok(Some(p)) => match st.store.authenticate(p).await {
            Ok(principal) => principal.account,
            Err(_) => return next.run(req).await,
        },
        _ => return next.run(req).await,
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, st.max_body_bytes).await else {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            "요청 본문이 너무 큽니다.",
            "The request body is larger than this server accepts.",
        );
    };
    let mut hash = Sha256::new();
    hash.update(parts.uri.path().as_bytes());
    hash.update(b"?");
    hash.update(parts.uri.query().unwrap_or("").as_bytes());
    hash.update(b"\n");
    hash.update(&bytes);
    let fingerprint: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    match st
        .store
        .idempotency_begin(account, &key, &fingerprint)
        .await
    {
        Err(e) => ApiError::from(e).into_response(),
        Ok(KeyState::InProgress) => problem(
            StatusCode::CONFLICT,
            "idempotency_in_progress",
            "Request in progress",
            "같은 Idempotency-Key의 요청이 아직 처리 중입니다. 잠시 후 다시 시도하세요.",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        ),
        Ok(KeyState::Mismatch) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency-Key reused",
            "이 Idempotency-Key는 다른 요청에 이미 쓰였습니다.",
            "This Idempotency-Key was already used for a different request.",
        ),
        Ok(KeyState::Replay(stored)) => replay(stored),
        Ok(KeyState::Fresh) => {
            let res = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            keep(&st, account, &key, res).await
        }
    }
}

/// Stores a 2xx answer for replay and passes it on; releases the key otherwise.
async fn keep(
    st: &AppState,
    account: crate::auth::AccountId,
    key: &str,
    res: Response,
) -> Response {
    if !res.status().is_success() {
        if let Err(e) = st.store.idempotency_release(account, key).await {
            tracing::warn!(error = %e, "could not release an idempotency key");
        }
        return res;
    }
    let (parts, body) = res.into_parts();
    // Our handlers answer bounded JSON documents (pages are capped), so no limit is needed.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "could not read a response to keep for replay");
            let _ = st.store.idempotency_release(account, key).await;
            return ApiError::internal().into_response();
        }
    };
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|h| {
                let v = parts.headers.get(h)?.to_str().ok()?;
                Some((h.as_str().to_owned(), v.to_owned()))
            })
            .collect(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    if let Err(e) = st.store.idempotency_finish(account, key, &stored).await {
        tracing::warn!(error = %e, "could not keep a response for idempotent replay");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = (status, stored.body).into_response();
    let headers = res.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    for (name, value) in stored.headers {
        if let (Ok(n), Ok(v)) = (name.parse::<HeaderName>(), HeaderValue::from_str(&value)) {
            headers.insert(n, v);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    res
}
